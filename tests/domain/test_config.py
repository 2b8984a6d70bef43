"""The experiment config: every validation error, the shipped configs, overrides, line numbers."""

import json
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tuneterm.domain.config.spec import ConfigError, Param, ResourceSpec
from tuneterm.domain.config.toml_text import apply_override, locate_key, parse_override
from tuneterm.storage.config_file import config_from_dict, load_config
from tuneterm.trainables.catalog import BUILTIN_HYPERPARAMETERS, BUILTIN_METRICS, OPTIMIZERS

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SHIPPED = ("default", "batchnorm_lr", "mlp_grid", "tpe_median", "optuna_median", "factorial")

MINIMAL = ["[experiment]", 'name = "t"', 'metric = "accuracy"', 'mode = "max"']
"""Lines 1-4 of most cases, so that a case's own lines start at line 5."""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("TMP", str(tmp_path)), encoding="utf-8")
    return path


def load_error(path: Path, overrides: tuple[str, ...] = ()) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides)
    return caught.value


def case(
    case_id: str, lines: list[str], key: str, line: int | None, fragment: str
) -> Any:  # pytest's ParameterSet is not public API
    return pytest.param("\n".join(lines) + "\n", key, line, fragment, id=case_id)


def with_minimal(*lines: str) -> list[str]:
    return [*MINIMAL, *lines]


ERROR_CASES = [
    # The file itself
    case("toml-syntax", ["[experiment]", "name = "], "", 2, "invalid TOML"),
    case("toml-duplicate-key", with_minimal('name = "u"'), "", 5, "invalid TOML"),
    # [experiment]
    case("no-experiment", ["[trainable]", 'name = "cnn"'], "experiment", None, "missing required"),
    case(
        "no-name",
        ["[experiment]", 'metric = "accuracy"', 'mode = "max"'],
        "experiment.name",
        1,
        "required key is missing",
    ),
    case(
        "no-metric",
        ["[experiment]", 'name = "t"', 'mode = "max"'],
        "experiment.metric",
        1,
        "required key is missing",
    ),
    case(
        "no-mode",
        ["[experiment]", 'name = "t"', 'metric = "accuracy"'],
        "experiment.mode",
        1,
        "required key is missing",
    ),
    case(
        "bad-mode",
        ["[experiment]", 'name = "t"', 'metric = "accuracy"', 'mode = "maximum"'],
        "experiment.mode",
        4,
        "unknown mode 'maximum'",
    ),
    case(
        "bad-name",
        ["[experiment]", 'name = "my run/1"', 'metric = "accuracy"', 'mode = "max"'],
        "experiment.name",
        2,
        "'my run/1' may use only ASCII letters, digits, - _ .",
    ),
    case(
        "non-ascii-name",
        ["[experiment]", 'name = "实验-α"', 'metric = "accuracy"', 'mode = "max"'],
        "experiment.name",
        2,
        "'实验-α' may use only ASCII letters, digits, - _ .",
    ),
    case(
        "name-too-long-for-a-directory",
        ["[experiment]", f'name = "{"n" * 236}"', 'metric = "accuracy"', 'mode = "max"'],
        "experiment.name",
        2,
        "is 236 characters long: use at most 235",
    ),
    case(
        "unknown-key",
        with_minimal("num_sample = 4"),
        "experiment.num_sample",
        5,
        "unknown key 'num_sample' (did you mean 'num_samples'?)",
    ),
    case(
        "num-samples-string",
        with_minimal('num_samples = "4"'),
        "experiment.num_samples",
        5,
        "expected an integer, got string '4'",
    ),
    case(
        "num-samples-bool",
        with_minimal("num_samples = true"),
        "experiment.num_samples",
        5,
        "expected an integer, got boolean true",
    ),
    case(
        "num-samples-zero",
        with_minimal("num_samples = 0"),
        "experiment.num_samples",
        5,
        "must be at least 1 (got 0)",
    ),
    case(
        "max-concurrent-zero",
        with_minimal("max_concurrent_trials = 0"),
        "experiment.max_concurrent_trials",
        5,
        "must be at least 1",
    ),
    case(
        "seed-float",
        with_minimal("seed = 0.5"),
        "experiment.seed",
        5,
        "expected an integer, got float 0.5",
    ),
    case(
        "metric-never-reported",
        ["[experiment]", 'name = "t"', 'metric = "acc"', 'mode = "max"'],
        "experiment.metric",
        3,
        "metric 'acc' is never reported by trainable 'cnn' "
        "(it reports accuracy, train_loss, val_loss)",
    ),
    case(
        "loss-maximised",
        ["[experiment]", 'name = "t"', 'metric = "val_loss"', 'mode = "max"'],
        "experiment.mode",
        4,
        'val_loss is better when lower: use mode = "min"',
    ),
    # Top level
    case(
        "unknown-table",
        with_minimal("[schedular]", 'name = "asha"'),
        "schedular",
        5,
        "unknown table 'schedular' (did you mean 'scheduler'?)",
    ),
    case(
        "section-not-table",
        ['trainable = "cnn"', *MINIMAL],
        "trainable",
        1,
        "expected a table [trainable], got string 'cnn'",
    ),
    # [trainable]
    case(
        "epochs-float",
        with_minimal("[trainable]", "epochs = 2.5"),
        "trainable.epochs",
        6,
        "expected an integer, got float 2.5",
    ),
    case(
        "epochs-zero",
        with_minimal("[trainable]", "epochs = 0"),
        "trainable.epochs",
        6,
        "must be at least 1 (got 0)",
    ),
    case(
        "trainable-unknown",
        with_minimal("[trainable]", 'name = "cnnn"'),
        "trainable.name",
        6,
        "unknown trainable 'cnnn' (did you mean 'cnn'?)",
    ),
    case(
        "trainable-not-importable",
        with_minimal("[trainable]", 'name = "no_such_module_xyz.sub:train"'),
        "trainable.name",
        6,
        "cannot import 'no_such_module_xyz.sub' (ModuleNotFoundError: No module named",
    ),
    case(
        "trainable-missing-attribute",
        with_minimal("[trainable]", 'name = "json:no_such_function"'),
        "trainable.name",
        6,
        "module 'json' has no attribute 'no_such_function'",
    ),
    case(
        "trainable-not-callable",
        with_minimal("[trainable]", 'name = "json:__version__"'),
        "trainable.name",
        6,
        "'json:__version__' is not callable (it is a str)",
    ),
    # [dataset]
    case(
        "dataset-unknown",
        with_minimal("[dataset]", 'name = "mnst"'),
        "dataset.name",
        6,
        "unknown data set 'mnst' (did you mean 'mnist'?)",
    ),
    case(
        "dataset-no-root",
        with_minimal("[dataset]", 'name = "fashion_mnist"'),
        "dataset.root",
        5,
        "data set 'fashion_mnist' is read from disk: set root",
    ),
    case(
        "dataset-root-missing",
        with_minimal("[dataset]", 'name = "mnist"', 'root = "/nonexistent/tuneterm-x"'),
        "dataset.root",
        7,
        "/nonexistent/tuneterm-x does not exist",
    ),
    case(
        "dataset-root-file",
        with_minimal("[dataset]", 'name = "image_folder"', 'root = "TMP/config.toml"'),
        "dataset.root",
        7,
        "config.toml is not a directory",
    ),
    case(
        "val-fraction-one",
        with_minimal("[dataset]", "val_fraction = 1.0"),
        "dataset.val_fraction",
        6,
        "must be between 0 and 1 (got 1.0)",
    ),
    case(
        "val-fraction-zero",
        with_minimal("[dataset]", "val_fraction = 0"),
        "dataset.val_fraction",
        6,
        "must be between 0 and 1 (got 0)",
    ),
    case(
        "synthetic-too-few-samples",
        with_minimal("[dataset]", 'name = "synthetic"', "samples = 10", "num_classes = 10"),
        "dataset.samples",
        7,
        "must be at least 20 (got 10)",
    ),
    # [resources]
    case(
        "cpu-string",
        with_minimal("[resources]", 'cpu = "one"'),
        "resources.cpu",
        6,
        "expected a number, got string 'one'",
    ),
    case(
        "cpu-zero",
        with_minimal("[resources]", "cpu = 0"),
        "resources.cpu",
        6,
        "must be greater than 0",
    ),
    case(
        "gpu-negative",
        with_minimal("[resources]", "gpu = -1"),
        "resources.gpu",
        6,
        "must not be negative",
    ),
    case(
        "gpu-fraction-above-one",
        with_minimal("[resources]", "gpu = 1.5"),
        "resources.gpu",
        6,
        "above 1 must be a whole number",
    ),
    # [search_space]
    case(
        "space-not-table",
        ["search_space = 3", *MINIMAL],
        "search_space",
        1,
        "expected a table [search_space]",
    ),
    case(
        "two-distributions",
        with_minimal("[search_space]", "lr = { uniform = [0.1, 0.2], choice = [0.1] }"),
        "search_space.lr",
        6,
        "expected exactly one distribution",
    ),
    case(
        "no-distribution",
        with_minimal("[search_space]", "lr = {}"),
        "search_space.lr",
        6,
        "expected exactly one distribution (choice, grid, uniform, loguniform, quniform, "
        "randint), got 0",
    ),
    case(
        "unknown-distribution",
        with_minimal("[search_space]", "lr = { normal = [0.1, 0.2] }"),
        "search_space.lr",
        6,
        "unknown distribution 'normal' (did you mean 'uniform'?)",
    ),
    case(
        "distribution-not-array",
        with_minimal("[search_space]", "lr = { uniform = 0.1 }"),
        "search_space.lr",
        6,
        "uniform expects an array, got float 0.1",
    ),
    case(
        "uniform-arity",
        with_minimal("[search_space]", "dropout = { uniform = [0.1] }"),
        "search_space.dropout",
        6,
        "uniform expects [low, high], got [0.1]",
    ),
    case(
        "quniform-arity",
        with_minimal("[search_space]", "fc_units = { quniform = [64, 256] }"),
        "search_space.fc_units",
        6,
        "quniform expects [low, high, q]",
    ),
    case(
        "uniform-inverted",
        with_minimal("[search_space]", "dropout = { uniform = [0.5, 0.1] }"),
        "search_space.dropout",
        6,
        "empty uniform range: low (0.5) must be below high (0.1)",
    ),
    case(
        "loguniform-empty",
        with_minimal("[search_space]", "lr = { loguniform = [1e-3, 1e-3] }"),
        "search_space.lr",
        6,
        "empty loguniform range",
    ),
    case(
        "loguniform-zero",
        with_minimal("[search_space]", "lr = { loguniform = [0.0, 1e-2] }"),
        "search_space.lr",
        6,
        "loguniform lower bound must be > 0 (got 0.0)",
    ),
    case(
        "quniform-inverted",
        with_minimal("[search_space]", "fc_units = { quniform = [256, 64, 64] }"),
        "search_space.fc_units",
        6,
        "empty quniform range",
    ),
    case(
        "quniform-step",
        with_minimal("[search_space]", "fc_units = { quniform = [64, 256, 0] }"),
        "search_space.fc_units",
        6,
        "quniform step q must be > 0 (got 0)",
    ),
    case(
        "randint-inverted",
        with_minimal("[search_space]", "num_conv_layers = { randint = [4, 2] }"),
        "search_space.num_conv_layers",
        6,
        "empty randint range: low (4) must be at most high (2)",
    ),
    case(
        "randint-float",
        with_minimal("[search_space]", "num_conv_layers = { randint = [2, 4.5] }"),
        "search_space.num_conv_layers",
        6,
        "randint bounds must be integers (got 4.5)",
    ),
    case(
        "bounds-not-numbers",
        with_minimal("[search_space]", 'dropout = { uniform = ["a", 1] }'),
        "search_space.dropout",
        6,
        "uniform bounds must be numbers (got string 'a')",
    ),
    case(
        "bounds-boolean",
        with_minimal("[search_space]", "dropout = { uniform = [true, 1] }"),
        "search_space.dropout",
        6,
        "uniform bounds must be numbers (got boolean true)",
    ),
    case(
        "bounds-infinite",
        with_minimal("[search_space]", "dropout = { uniform = [0, inf] }"),
        "search_space.dropout",
        6,
        "uniform bounds must be finite",
    ),
    case(
        "choice-empty",
        with_minimal("[search_space]", "start_filters = { choice = [] }"),
        "search_space.start_filters",
        6,
        "choice needs at least one value",
    ),
    case(
        "grid-empty",
        with_minimal("[search_space]", "start_filters = { grid = [] }", "[search]"),
        "search_space.start_filters",
        6,
        "grid needs at least one value",
    ),
    case(
        "subtable-distribution",
        with_minimal("[search_space.lr]", "loguniform = [0, 1]"),
        "search_space.lr",
        5,
        "loguniform lower bound must be > 0",
    ),
    # The built-in trainables' hyperparameters
    case(
        "not-a-cnn-hyperparameter",
        with_minimal("[search_space]", "num_conv_layer = 2"),
        "search_space.num_conv_layer",
        6,
        "'num_conv_layer' is not a hyperparameter of trainable 'cnn' "
        "(did you mean 'num_conv_layers'?)",
    ),
    case(
        "not-an-mlp-hyperparameter",
        with_minimal("[trainable]", 'name = "mlp"', "[search_space]", "start_filters = 16"),
        "search_space.start_filters",
        8,
        "is not a hyperparameter of trainable 'mlp'",
    ),
    case(
        "optimizer-unknown",
        with_minimal("[search_space]", 'optimizer = "adm"'),
        "search_space.optimizer",
        6,
        "optimizer 'adm' is not one of sgd, adam, adamw, rmsprop (did you mean 'adam'?)",
    ),
    case(
        "optimizer-choice-unknown",
        with_minimal("[search_space]", 'optimizer = { choice = ["adam", "lbfgs"] }'),
        "search_space.optimizer",
        6,
        "optimizer 'lbfgs' is not one of",
    ),
    case(
        "optimizer-numeric-distribution",
        with_minimal("[search_space]", "optimizer = { uniform = [0, 1] }"),
        "search_space.optimizer",
        6,
        "takes an optimizer name: use choice, grid or a plain value, not uniform",
    ),
    case(
        "boolean-hyperparameter-text",
        with_minimal("[search_space]", 'batch_norm = "yes"'),
        "search_space.batch_norm",
        6,
        "'batch_norm' takes true or false (got 'yes')",
    ),
    case(
        "numeric-hyperparameter-text",
        with_minimal("[search_space]", 'lr = { choice = [1e-3, "fast"] }'),
        "search_space.lr",
        6,
        "'lr' takes a number (got string 'fast')",
    ),
    # [search]
    case(
        "algorithm-unknown",
        with_minimal("[search]", 'algorithm = "hyperop"'),
        "search.algorithm",
        6,
        "unknown algorithm 'hyperop' (did you mean 'hyperopt'?)",
    ),
    case(
        "grid-with-hyperopt",
        with_minimal("[search_space]", "lr = 1e-3", "batch_norm = { grid = [true, false] }"),
        "search_space.batch_norm",
        7,
        'HyperOpt cannot search a grid: use algorithm "grid" or "random"',
    ),
    case(
        "grid-without-grid-parameter",
        with_minimal(
            "[search_space]", "lr = { loguniform = [1e-4, 1e-2] }", "[search]", 'algorithm = "grid"'
        ),
        "search.algorithm",
        8,
        'algorithm "grid" needs at least one { grid = [...] } parameter',
    ),
    case(
        "points-with-random",
        with_minimal(
            "[search_space]",
            "lr = { loguniform = [1e-4, 1e-2] }",
            "[search]",
            'algorithm = "random"',
            "points_to_evaluate = [{ lr = 1e-3 }]",
        ),
        "search.points_to_evaluate",
        9,
        'only used by algorithms "hyperopt" and "optuna" (algorithm is \'random\')',
    ),
    case(
        "point-unknown-parameter",
        with_minimal(
            "[search_space]",
            "lr = { loguniform = [1e-4, 1e-2] }",
            "[search]",
            "points_to_evaluate = [{ lrr = 1e-3 }]",
        ),
        "search.points_to_evaluate[0].lrr",
        8,
        "unknown parameter 'lrr' (did you mean 'lr'?)",
    ),
    case(
        "point-missing-tuned",
        with_minimal(
            "[search_space]",
            "lr = { loguniform = [1e-4, 1e-2] }",
            "dropout = { uniform = [0.1, 0.5] }",
            "[search]",
            "points_to_evaluate = [",
            "  { lr = 1e-3, dropout = 0.2 },",
            "  { lr = 1e-3 },",
            "]",
        ),
        "search.points_to_evaluate[1]",
        9,
        "the point has no value for tuned parameter(s) dropout",
    ),
    case(
        "point-outside-choice",
        with_minimal(
            "[search_space]",
            "start_filters = { choice = [16, 32] }",
            "[search]",
            "points_to_evaluate = [{ start_filters = 64 }]",
        ),
        "search.points_to_evaluate[0].start_filters",
        8,
        "64 is not a possible value of 'start_filters' (choice [16, 32])",
    ),
    case(
        "point-outside-range",
        with_minimal(
            "[search_space]",
            "dropout = { uniform = [0.1, 0.5] }",
            "[search]",
            "points_to_evaluate = [{ dropout = 0.9 }]",
        ),
        "search.points_to_evaluate[0].dropout",
        8,
        "0.9 is not a possible value of 'dropout' (uniform [0.1, 0.5])",
    ),
    case(
        "point-names-constant",
        with_minimal(
            "[search_space]",
            "dropout = { uniform = [0.1, 0.5] }",
            'optimizer = "adam"',
            "[search]",
            'points_to_evaluate = [{ dropout = 0.2, optimizer = "adam" }]',
        ),
        "search.points_to_evaluate[0].optimizer",
        9,
        "'optimizer' is a constant ('adam'): leave it out of the point",
    ),
    case(
        "points-not-tables",
        with_minimal("[search]", "points_to_evaluate = [1, 2]"),
        "search.points_to_evaluate",
        6,
        "expected an array of tables, got an array [1, 2]",
    ),
    case(
        "n-initial-points-zero",
        with_minimal("[search]", "n_initial_points = 0"),
        "search.n_initial_points",
        6,
        "must be at least 1",
    ),
    # [scheduler]
    case(
        "scheduler-unknown",
        with_minimal("[scheduler]", 'name = "hyperband"'),
        "scheduler.name",
        6,
        "unknown scheduler 'hyperband'; use one of asha, median, fifo",
    ),
    case(
        "max-t-zero",
        with_minimal("[scheduler]", 'name = "asha"', "max_t = 0"),
        "scheduler.max_t",
        7,
        "must be at least 1 (got 0)",
    ),
    case(
        "grace-period-zero",
        with_minimal("[scheduler]", 'name = "asha"', "grace_period = 0"),
        "scheduler.grace_period",
        7,
        "must be at least 1 (got 0)",
    ),
    case(
        "grace-period-above-max-t",
        with_minimal("[scheduler]", 'name = "asha"', "max_t = 4", "grace_period = 5"),
        "scheduler.grace_period",
        8,
        "5 is above max_t (4): ASHA could never stop a trial",
    ),
    case(
        "grace-period-above-epochs",
        with_minimal(
            "[trainable]", "epochs = 3", "[scheduler]", 'name = "asha"', "grace_period = 4"
        ),
        "scheduler.grace_period",
        9,
        "4 is above max_t (3)",
    ),
    case(
        "reduction-factor-one",
        with_minimal("[scheduler]", 'name = "asha"', "reduction_factor = 1"),
        "scheduler.reduction_factor",
        7,
        "must be greater than 1 (got 1)",
    ),
    case(
        "max-t-above-epochs",
        with_minimal("[trainable]", "epochs = 10", "[scheduler]", 'name = "asha"', "max_t = 20"),
        "scheduler.max_t",
        9,
        "20 can never be reached: trainable.epochs is 10",
    ),
    case(
        "min-samples-zero",
        with_minimal("[scheduler]", 'name = "median"', "min_samples_required = 0"),
        "scheduler.min_samples_required",
        7,
        "must be at least 1",
    ),
    # [[hypotheses]]
    *(
        case(
            f"hypothesis-no-{missing}",
            with_minimal(
                "[search_space]",
                "dropout = { uniform = [0.1, 0.5] }",
                "[[hypotheses]]",
                *(
                    line
                    for line in (
                        'id = "H1"',
                        'statement = "s"',
                        'parameter = "dropout"',
                        'expected = "lower"',
                    )
                    if not line.startswith(missing)
                ),
            ),
            f"hypotheses[0].{missing}",
            7,
            "required key is missing",
        )
        for missing in ("id", "statement", "parameter", "expected")
    ),
    case(
        "hypothesis-unknown-key",
        with_minimal("[[hypotheses]]", 'id = "H1"', 'statment = "s"'),
        "hypotheses[0].statment",
        7,
        "unknown key 'statment' (did you mean 'statement'?)",
    ),
    case(
        "hypothesis-empty-id",
        with_minimal(
            "[search_space]",
            "dropout = { uniform = [0.1, 0.5] }",
            "[[hypotheses]]",
            'id = " "',
            'statement = "s"',
            'parameter = "dropout"',
            'expected = "lower"',
        ),
        "hypotheses[0].id",
        8,
        "must not be empty",
    ),
    case(
        "hypothesis-duplicate-id",
        with_minimal(
            "[search_space]",
            "dropout = { uniform = [0.1, 0.5] }",
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "s"',
            'parameter = "dropout"',
            'expected = "lower"',
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "t"',
            'parameter = "dropout"',
            'expected = "higher"',
        ),
        "hypotheses[1].id",
        13,
        "duplicate id 'H1' (also used by hypotheses[0])",
    ),
    case(
        "hypothesis-parameter-not-in-space",
        with_minimal(
            "[search_space]",
            "dropout = { uniform = [0.1, 0.5] }",
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "s"',
            'parameter = "dropuot"',
            'expected = "lower"',
        ),
        "hypotheses[0].parameter",
        10,
        "'dropuot' is not in [search_space] (did you mean 'dropout'?)",
    ),
    case(
        "hypothesis-parameter-constant",
        with_minimal(
            "[search_space]",
            "dropout = 0.1",
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "s"',
            'parameter = "dropout"',
            'expected = "lower"',
        ),
        "hypotheses[0].parameter",
        10,
        "'dropout' is a constant (0.1), so the sweep cannot test it",
    ),
    case(
        "hypothesis-expected-impossible",
        with_minimal(
            "[search_space]",
            "batch_norm = { choice = [true, false] }",
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "s"',
            'parameter = "batch_norm"',
            "expected = 1",
        ),
        "hypotheses[0].expected",
        11,
        "1 is not a possible value of 'batch_norm' (choice [true, false])",
    ),
    case(
        "hypothesis-higher-not-numeric",
        with_minimal(
            "[search_space]",
            'optimizer = { choice = ["sgd", "adam"] }',
            "[[hypotheses]]",
            'id = "H1"',
            'statement = "s"',
            'parameter = "optimizer"',
            'expected = "higher"',
        ),
        "hypotheses[0].expected",
        11,
        "'higher' needs a numeric parameter, not choice ['sgd', 'adam']",
    ),
    case(
        "hypotheses-as-table",
        with_minimal("[hypotheses]", 'id = "H1"'),
        "hypotheses",
        5,
        "expected [[hypotheses]] tables",
    ),
    # What Ray, the searchers or the file system would refuse only after the sweep started
    case(
        "seed-negative",
        with_minimal("seed = -1"),
        "experiment.seed",
        5,
        "must be from 0 to 4294967295 (2**32 - 1), which the search algorithms and NumPy accept"
        " as a seed (got -1)",
    ),
    case(
        "search-seed-2-to-the-32",
        with_minimal("[search]", "seed = 4294967296"),
        "search.seed",
        6,
        "(got 4294967296)",
    ),
    case(
        "num-samples-beyond-64-bits",
        with_minimal("num_samples = 9223372036854775808"),
        "experiment.num_samples",
        5,
        "9223372036854775808 is beyond TOML's 64-bit integers: use one from"
        " -9223372036854775808 to 9223372036854775807",
    ),
    case(
        "choice-value-beyond-64-bits",
        with_minimal("[search_space]", "start_filters = { choice = [16, -9223372036854775809] }"),
        "search_space.start_filters.choice[1]",
        6,
        "-9223372036854775809 is beyond TOML's 64-bit integers",
    ),
    case(
        "reduction-factor-inf",
        with_minimal("[scheduler]", 'name = "asha"', "reduction_factor = inf"),
        "scheduler.reduction_factor",
        7,
        "must be a finite number (got inf)",
    ),
    case(
        "gpu-nan",
        with_minimal("[resources]", "gpu = nan"),
        "resources.gpu",
        6,
        "must be a finite number (got nan)",
    ),
    case(
        "gpu-minus-one-echoed-as-written",
        with_minimal("[resources]", "gpu = -1"),
        "resources.gpu",
        6,
        "must not be negative (got -1)",
    ),
    case(
        "too-many-samples-without-a-budget",
        with_minimal("num_samples = 100001"),
        "experiment.num_samples",
        5,
        "100001 trials would keep the sweep going for days: use at most 100000, or set"
        " experiment.time_budget_s",
    ),
    case(
        "too-many-grid-trials-without-a-budget",
        with_minimal(
            "num_samples = 10000",
            "[search_space]",
            "start_filters = { grid = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192] }",
            "[search]",
            'algorithm = "grid"',
        ),
        "experiment.num_samples",
        5,
        "10000 samples x 11 grid points = 110000 trials",
    ),
    case(
        "time-budget-zero",
        with_minimal("time_budget_s = 0"),
        "experiment.time_budget_s",
        5,
        "must be more than 0 seconds (got 0)",
    ),
    case(
        "unknown-key-lists-the-valid-ones",
        with_minimal("[scheduler]", "zzz = 1"),
        "scheduler.zzz",
        6,
        "unknown key 'zzz'; the keys of [scheduler] are name, max_t, grace_period,"
        " reduction_factor, min_samples_required",
    ),
    case(
        "bidirectional-override-in-a-key",
        with_minimal('"seed\u202e" = 1'),
        "experiment.seed\u202e",
        5,
        "unknown key 'seed\\u202e' (did you mean 'seed'?)",
    ),
    # TOML syntax, in plain words on the line of the mistake
    case(
        "unterminated-string",
        ["[experiment]", 'name = "t', 'metric = "accuracy"', 'mode = "max"'],
        "",
        2,
        "invalid TOML: unterminated string: close the quote on this line",
    ),
    case(
        "inline-table-trailing-comma",
        with_minimal("[search_space]", "lr = { loguniform = [1e-4, 1e-2], }"),
        "",
        6,
        "invalid TOML: trailing comma in an inline table: remove the ',' before '}'",
    ),
    case(
        "inline-table-across-lines",
        with_minimal("[search_space]", "lr = { loguniform = [1e-4, 1e-2],", "}"),
        "",
        6,
        "invalid TOML: an inline table { ... } must be on one line",
    ),
    case(
        "table-twice",
        with_minimal("[experiment]", "seed = 1"),
        "",
        5,
        "invalid TOML: a table [experiment] appears twice (first at line 1): merge them into one",
    ),
    case(
        "array-never-closed",
        with_minimal("[search]", "points_to_evaluate = [", "  { lr = 1e-3 },", ""),
        "",
        6,
        "invalid TOML: unclosed array: the '[' opened at line 6 has no ']'",
    ),
]


@pytest.mark.parametrize(("text", "key", "line", "fragment"), ERROR_CASES)
def test_invalid_config_is_one_located_error(
    tmp_path: Path, text: str, key: str, line: int | None, fragment: str
) -> None:
    path = write(tmp_path, text)
    error = load_error(path)
    assert (error.file, error.key, error.line) == (str(path), key, line)
    assert fragment.replace("TMP", str(tmp_path)) in error.message
    assert "\n" not in str(error)
    assert "Traceback" not in str(error)


def test_error_string_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path, "\n".join(with_minimal("[search_space]", "lr = { loguniform = [0.0, 1] }"))
    )
    assert str(load_error(path)) == (
        f"{path}:6: search_space.lr: loguniform lower bound must be > 0 (got 0.0)"
    )


def test_error_string_without_line_or_key() -> None:
    assert str(ConfigError("--set", "a.b", None, "bad")) == "--set: a.b: bad"
    assert str(ConfigError("x.toml", "", 3, "bad")) == "x.toml:3: bad"
    assert str(ConfigError("x.toml", "", None, "bad")) == "x.toml: bad"


def test_error_message_is_one_line_and_pickles() -> None:
    error = ConfigError("x.toml", "k", 2, "first\nsecond")
    assert error.message == "first second"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.key, copy.line, copy.message) == ("x.toml", "k", 2, "first second")


def test_missing_file(tmp_path: Path) -> None:
    error = load_error(tmp_path / "absent.toml")
    assert str(error) == f"{tmp_path / 'absent.toml'}: no such file"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in load_error(tmp_path).message


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[experiment]\nname = "caf\xe9"\n'.encode("latin-1"))
    error = load_error(path)
    assert (error.line, error.key) == (2, "")
    assert "not valid UTF-8 (byte 0xe9" in error.message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(MINIMAL).encode())
    assert load_config(path).experiment.name == "t"


def test_toml_error_keeps_tomllib_message_and_column(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "[experiment]\nname = \n"))
    assert error.line == 2
    assert error.message.startswith("invalid TOML: ")
    assert "(column" in error.message
    assert "at line" not in error.message


def test_config_from_dict_names_its_source_and_has_no_line() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"experiment": {"name": "t"}}, source="run/config.json")
    assert (caught.value.file, caught.value.key, caught.value.line) == (
        "run/config.json",
        "experiment.metric",
        None,
    )


# Good paths ---------------------------------------------------------------------------------


def test_minimal_config_takes_every_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "\n".join(MINIMAL)))
    assert (config.trainable.name, config.trainable.epochs, config.trainable.is_builtin) == (
        "cnn",
        10,
        True,
    )
    assert config.dataset.name == "digits" and config.dataset.root is None
    assert (config.search.algorithm, config.scheduler.name) == ("hyperopt", "fifo")
    assert (config.resources.cpu, config.resources.gpu) == (1.0, 0.0)
    assert config.experiment.num_samples == 1
    assert config.search_space == () and config.hypotheses == () and config.tuned_names == ()


def test_distributions_are_read_into_params(tmp_path: Path) -> None:
    text = """
        [search_space]
        num_conv_layers = { randint = [2, 4] }
        start_filters = { choice = [16, 32, 64] }
        dropout = { uniform = [0.1, 0.5] }
        lr = { loguniform = [1e-4, 1e-2] }
        fc_units = { quniform = [64, 256, 64] }
        kernel_size = { randint = [3, 3] }
        optimizer = "adam"
    """
    config = load_config(write(tmp_path, "\n".join(MINIMAL) + textwrap.dedent(text)))
    assert config.search_space == (
        Param("num_conv_layers", "randint", (2, 4)),
        Param("start_filters", "choice", (16, 32, 64)),
        Param("dropout", "uniform", (0.1, 0.5)),
        Param("lr", "loguniform", (1e-4, 1e-2)),
        Param("fc_units", "quniform", (64, 256, 64)),
        Param("kernel_size", "randint", (3, 3)),
        Param("optimizer", "constant", ("adam",)),
    )
    assert config.tuned_names == (
        "num_conv_layers",
        "start_filters",
        "dropout",
        "lr",
        "fc_units",
        "kernel_size",
    )
    assert config.param("optimizer") == Param("optimizer", "constant", ("adam",))
    assert config.param("momentum") is None


def test_randint_bounds_are_both_inclusive() -> None:
    param = Param("num_conv_layers", "randint", (2, 4))
    assert [param.admits(value) for value in (1, 2, 4, 5, 3.0)] == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_true_is_not_one_when_checking_choices() -> None:
    assert not Param("x", "choice", (1, 2)).admits(True)
    assert Param("x", "choice", (True, False)).admits(True)


def test_fractional_gpu_and_whole_cpus(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join(with_minimal("[resources]", "cpu = 2", "gpu = 0.5")))
    assert load_config(path).resources == ResourceSpec(cpu=2.0, gpu=0.5)


def test_dataset_root_is_expanded_and_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    lines = with_minimal("[dataset]", 'name = "mnist"', 'root = "~/data"')
    assert load_config(write(tmp_path, "\n".join(lines))).dataset.root == str(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    lines = with_minimal("[dataset]", 'name = "image_folder"', 'root = "data"', "image_size = 64")
    dataset = load_config(write(tmp_path, "\n".join(lines))).dataset
    assert (dataset.root, dataset.image_size) == (str(tmp_path / "data"), 64)


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module in a fresh working directory, importable only through the cwd on sys.path."""
    name = f"user_trainable_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        "def train(config):\n    pass\n\nNOT_CALLABLE = 3\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    yield name
    sys.modules.pop(name, None)


def test_user_trainable_is_imported_from_the_working_directory(
    tmp_path: Path, user_module: str
) -> None:
    lines = [
        "[experiment]",
        'name = "t"',
        'metric = "mean_loss"',  # not a built-in metric: checked at the first result instead
        'mode = "min"',
        "[trainable]",
        f'name = "{user_module}:train"',
        "[search_space]",
        "width = { choice = [1, 2] }",
    ]
    config = load_config(write(tmp_path, "\n".join(lines)))
    assert not config.trainable.is_builtin
    assert config.tuned_names == ("width",)
    assert sys.path[0] == str(tmp_path)


def test_user_trainable_attribute_must_be_callable(tmp_path: Path, user_module: str) -> None:
    lines = with_minimal("[trainable]", f'name = "{user_module}:NOT_CALLABLE"')
    error = load_error(write(tmp_path, "\n".join(lines)))
    assert (error.key, error.line) == ("trainable.name", 6)
    assert "is not callable (it is a int)" in error.message


def test_user_trainable_import_failure_is_one_line(tmp_path: Path, user_module: str) -> None:
    (tmp_path / f"{user_module}_broken.py").write_text(
        "raise ValueError('bad\\nthings')\n", encoding="utf-8"
    )
    lines = with_minimal("[trainable]", f'name = "{user_module}_broken:train"')
    error = load_error(write(tmp_path, "\n".join(lines)))
    sys.modules.pop(f"{user_module}_broken", None)
    assert error.message == f"cannot import '{user_module}_broken' (ValueError: bad things)"


def test_to_dict_omits_unset_keys_and_round_trips(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "\n".join(MINIMAL)))
    data = config.to_dict()
    assert data["experiment"] == {
        "name": "t",
        "metric": "accuracy",
        "mode": "max",
        "num_samples": 1,
    }
    assert "max_t" not in data["scheduler"]
    assert config_from_dict(data) == config


# The shipped configs ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_is_valid_and_round_trips(name: str) -> None:
    config = load_config(CONFIGS / f"{name}.toml")
    assert config.dataset.name == "digits"
    assert config.experiment.metric in BUILTIN_METRICS
    data = json.loads(json.dumps(config.to_dict()))
    assert config_from_dict(data, source=name) == config


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_documents_and_accepts_other_data_sets(tmp_path: Path, name: str) -> None:
    text = (CONFIGS / f"{name}.toml").read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert '#   name = "fashion_mnist"' in text and '#   root = "~/data"' in text
    assert '#   name = "image_folder"' in text and '#   root = "~/data/flowers"' in text
    assert "#   image_size = 64" in text
    overrides = ("dataset.name=image_folder", f"dataset.root={tmp_path}", "dataset.image_size=64")
    dataset = load_config(CONFIGS / f"{name}.toml", overrides).dataset
    assert (dataset.name, dataset.root) == ("image_folder", str(tmp_path))


def test_default_config() -> None:
    config = load_config(CONFIGS / "default.toml")
    assert config.experiment.name == "cnn-asha-digits"
    assert (config.experiment.num_samples, config.experiment.max_concurrent_trials) == (10, 2)
    assert (config.experiment.metric, config.experiment.mode) == ("accuracy", "max")
    scheduler = config.scheduler
    assert (scheduler.name, scheduler.max_t, scheduler.grace_period) == ("asha", 10, 2)
    assert scheduler.reduction_factor == 3
    assert (config.search.algorithm, config.search.seed) == ("hyperopt", 0)
    assert len(config.search.points_to_evaluate) == 1
    assert config.tuned_names == (
        "num_conv_layers",
        "start_filters",
        "fc_units",
        "dropout",
        "lr",
        "batch_size",
    )
    assert config.param("num_conv_layers") == Param("num_conv_layers", "randint", (2, 4))
    assert config.param("lr") == Param("lr", "loguniform", (1e-4, 1e-2))
    assert (config.trainable.name, config.trainable.epochs, config.resources.cpu) == ("cnn", 10, 1)
    assert [h.parameter for h in config.hypotheses] == ["num_conv_layers", "lr"]


def test_batchnorm_lr_config() -> None:
    config = load_config(CONFIGS / "batchnorm_lr.toml")
    assert (config.search.algorithm, config.scheduler.name) == ("random", "fifo")
    assert config.experiment.num_samples == 20
    assert config.param("batch_norm") == Param("batch_norm", "grid", (True, False))
    assert config.param("lr") == Param("lr", "loguniform", (1e-4, 1e-1))
    assert any(h.parameter == "batch_norm" and h.expected is True for h in config.hypotheses)


def test_mlp_grid_config_covers_every_optimizer() -> None:
    config = load_config(CONFIGS / "mlp_grid.toml")
    assert (config.trainable.name, config.trainable.epochs) == ("mlp", 5)
    assert (config.search.algorithm, config.scheduler.name) == ("grid", "fifo")
    sizes = [len(p.values) for p in config.search_space if p.kind == "grid"]
    assert sizes == [3, 3, 2, 2, 4]
    optimizer = config.param("optimizer")
    assert optimizer is not None and optimizer.values == OPTIMIZERS


def test_tpe_median_config() -> None:
    config = load_config(CONFIGS / "tpe_median.toml")
    assert (config.search.algorithm, config.scheduler.name) == ("hyperopt", "median")
    assert config.experiment.num_samples == 16
    assert config.experiment.objectives == (("accuracy", "max"), ("val_loss", "min"))
    assert config.param("kernel_size") == Param("kernel_size", "choice", (3, 5))
    weight_decay = config.param("weight_decay")
    assert weight_decay is not None and weight_decay.kind == "loguniform"
    expected = {"num_conv_layers", "start_filters", "fc_units", "lr", "batch_size", "dropout"}
    assert expected <= set(config.tuned_names)


def test_factorial_config_has_a_hypothesis_per_factor() -> None:
    config = load_config(CONFIGS / "factorial.toml")
    assert (config.search.algorithm, config.trainable.epochs) == ("grid", 5)
    factors = [p.name for p in config.search_space if p.kind == "grid"]
    assert factors == ["dropout", "batch_norm", "pooling"]
    assert sorted(h.parameter for h in config.hypotheses) == sorted(factors)


def test_complete_example_in_the_docs_is_valid(tmp_path: Path) -> None:
    docs = (CONFIGS.parent / "docs" / "config.md").read_text(encoding="utf-8")
    examples = [block for block in docs.split("```toml\n")[1:] if "[experiment]" in block]
    assert len(examples) == 1
    config = load_config(write(tmp_path, examples[0].split("```")[0]))
    assert config.experiment.name == "cnn-asha" and len(config.hypotheses) == 1


def test_builtin_hyperparameters_are_the_documented_contract() -> None:
    shared = {"lr": 1e-3, "batch_size": 32, "optimizer": "adam", "weight_decay": 0.0}
    documented = {
        "cnn": {
            "num_conv_layers": 2,
            "start_filters": 32,
            "kernel_size": 3,
            "fc_units": 128,
            "dropout": 0.25,
            "batch_norm": False,
            "pooling": True,
            **shared,
            "momentum": 0.9,
        },
        "mlp": {
            "hidden_units": 128,
            "num_layers": 2,
            "dropout": 0.0,
            "batch_norm": False,
            **shared,
            "momentum": 0.9,
        },
    }
    assert documented == BUILTIN_HYPERPARAMETERS


# Overrides ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("experiment.num_samples=4", ("experiment.num_samples", 4)),
        ("search_space.optimizer = sgd", ("search_space.optimizer", "sgd")),
        ('search_space.optimizer="sgd"', ("search_space.optimizer", "sgd")),
        ("search_space.start_filters=[8, 16]", ("search_space.start_filters", [8, 16])),
        (
            "search_space.lr={ loguniform = [1e-4, 1e-2] }",
            ("search_space.lr", {"loguniform": [1e-4, 1e-2]}),
        ),
        ("dataset.root=~/data", ("dataset.root", "~/data")),
        ("trainable.name=pkg.mod:fn", ("trainable.name", "pkg.mod:fn")),
        ("search_space.batch_norm=true", ("search_space.batch_norm", True)),
        ("experiment.name=a=b", ("experiment.name", "a=b")),
        ("experiment.name=1\nx = 2", ("experiment.name", "1\nx = 2")),
    ],
)
def test_parse_override(override: str, expected: tuple[str, Any]) -> None:
    assert parse_override(override) == expected


def test_overrides_are_applied_in_order(tmp_path: Path) -> None:
    lines = with_minimal("[search_space]", "lr = { uniform = [0.001, 0.01] }")
    overrides = (
        "experiment.num_samples=4",
        "experiment.num_samples=6",
        "search_space.lr.loguniform=[1e-5, 1e-3]",
        "search_space.start_filters={ choice = [8, 16] }",
        "scheduler.name=median",
        "dataset.name=synthetic",
    )
    config = load_config(write(tmp_path, "\n".join(lines)), overrides)
    assert config.experiment.num_samples == 6
    assert config.param("lr") == Param("lr", "loguniform", (1e-5, 1e-3))
    assert config.param("start_filters") == Param("start_filters", "choice", (8, 16))
    assert (config.scheduler.name, config.dataset.name) == ("median", "synthetic")


def test_apply_override_returns_the_key_it_replaced() -> None:
    data: dict[str, Any] = {"search_space": {"lr": {"uniform": [0.1, 0.2]}}}
    assert apply_override(data, "search_space.lr.loguniform=[1e-3, 1e-2]") == "search_space.lr"
    assert data == {"search_space": {"lr": {"loguniform": [1e-3, 1e-2]}}}


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        (
            "experiment.num_sample=4",
            "experiment.num_sample",
            "unknown key 'num_sample' (did you mean 'num_samples'?)",
        ),
        ("experimnt.name=x", "experimnt", "unknown table 'experimnt' (did you mean 'experiment'?)"),
        (
            "search_space.lr.normal=[0, 1]",
            "search_space.lr.normal",
            "unknown distribution 'normal'",
        ),
        ("scheduler.asha.max_t=3", "scheduler.asha.max_t", "too many parts"),
        ("scheduler=asha", "scheduler", "name a key inside [scheduler]"),
        ("hypotheses.id=H2", "hypotheses.id", "edit [[hypotheses]]"),
        ("experiment.num_samples", "", "expected KEY=VALUE, got 'experiment.num_samples'"),
        ("=4", "", "no key before '='"),
        ("experiment.name=", "experiment.name", "no value after '='"),
        ("experiment.num_samples=0", "experiment.num_samples", "must be at least 1 (got 0)"),
        (
            "search_space.lr.loguniform=[0, 1]",
            "search_space.lr",
            "loguniform lower bound must be > 0",
        ),
        ("search_space.lrr=0.1", "search_space.lrr", "(did you mean 'lr'?)"),
        ("experiment.mode=maximum", "experiment.mode", "unknown mode 'maximum'"),
    ],
)
def test_bad_override_is_reported_against_set(
    tmp_path: Path, override: str, key: str, fragment: str
) -> None:
    lines = with_minimal("[search_space]", "lr = { uniform = [0.001, 0.01] }")
    error = load_error(write(tmp_path, "\n".join(lines)), (override,))
    assert (error.file, error.key, error.line) == ("--set", key, None)
    assert fragment in error.message


def test_error_outside_the_overrides_still_points_into_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join(with_minimal("[resources]", "cpu = 0")))
    error = load_error(path, ("experiment.num_samples=3",))
    assert (error.file, error.key, error.line) == (str(path), "resources.cpu", 6)


# Locating keys ------------------------------------------------------------------------------

LOCATOR_TEXT = """\
experiment.name = "dotted"
[search_space]
lr = { loguniform = [1e-4, 1e-2] }
width = { choice = [
  [64],
  128,
] }
note = '''
[scheduler]
'''
[search_space.depth]
randint = [1, 3]
[scheduler]  # a comment
name = "asha"
[[hypotheses]]
id = "H1"
[[hypotheses]]
  "id" = "H2"
"""


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("experiment.name", 1),
        ("experiment.metric", None),
        ("search_space", 2),
        ("search_space.lr", 3),
        ("search_space.lr.loguniform", 3),
        ("search_space.width", 4),
        ("search_space.depth", 11),
        ("search_space.depth.randint", 12),
        ("scheduler", 13),
        ("scheduler.name", 14),
        ("scheduler.max_t", 13),
        ("hypotheses[0].id", 16),
        ("hypotheses[1].id", 18),
        ("hypotheses[1].statement", 17),
        ("resources.cpu", None),
    ],
)
def test_locate_key(key: str, line: int | None) -> None:
    assert locate_key(LOCATOR_TEXT, key) == line


def test_model_imports_no_runtime_library() -> None:
    code = (
        "import sys, tuneterm.domain.config.spec; "
        "print([m for m in ('ray', 'textual', 'rich', 'torch', 'numpy') if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
