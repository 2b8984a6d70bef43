"""Bad configs through the real command line: one located line, exit code 2, nothing started.

Each case is a small edit of a valid config, run by `python -m tuneterm run` in its own process,
so that what the user sees (stderr, the exit code, the experiments' root) is what is checked.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import tuneterm
from tuneterm.domain.config.spec import SECTIONS
from tuneterm.storage.config_file import load_config

TINY = """\
[experiment]
name = "tiny"
metric = "accuracy"
mode = "max"
num_samples = 3
seed = 0

[trainable]
name = "cnn"
epochs = 3

[dataset]
name = "synthetic"
samples = 96
image_size = 8

[search_space]
lr = { loguniform = [1e-3, 1e-2] }
start_filters = { choice = [4, 8] }

[search]
algorithm = "random"
seed = 0

[scheduler]
name = "asha"
grace_period = 1
reduction_factor = 2

[resources]
cpu = 1
gpu = 0
"""
"""A valid config (32 lines); every case changes one thing in it."""

USER_TRAINABLES = """\
def train(config):
    pass

def no_argument():
    pass

def two_arguments(config, data):
    pass

class Trainer:
    pass
"""
"""user_train.py, next to each case's config: a proper trainable and three Ray cannot call."""

SHAPE = "a trainable is a function of one argument, the config dict, as in def train(config)"


@dataclass(frozen=True)
class Bad:
    """A bad config and the one error line it must give."""

    text: str
    """The config; TMP stands for the case's directory, "\\udcff" for a byte that is no UTF-8."""
    where: str
    """How the line starts after "error: ": FILE:LINE: KEY: (FILE is the config's path)."""
    says: str
    """What follows `where` on the line, or the start of it."""
    overrides: tuple[str, ...] = ()
    """--set arguments."""


def edit(old: str, new: str) -> str:
    """TINY with its one `old` replaced by `new`."""
    assert TINY.count(old) == 1, old
    return TINY.replace(old, new)


def in_experiment(line: str) -> str:
    """TINY with `line` added to [experiment], as line 7."""
    return edit("seed = 0\n\n[trainable]", f"seed = 0\n{line}\n\n[trainable]")


def trainable(entry_point: str) -> str:
    return edit('name = "cnn"', f'name = "{entry_point}"')


def bad(case_id: str, text: str, where: str, says: str, *overrides: str) -> Any:
    # pytest's ParameterSet is not public API
    return pytest.param(Bad(text, where, says, overrides), id=case_id)


BIG = 2**63
TOO_BIG = f"is beyond TOML's 64-bit integers: use one from {-BIG} to {BIG - 1}"
SEED_RANGE = (
    "must be from 0 to 4294967295 (2**32 - 1), which the search algorithms and NumPy accept"
    " as a seed"
)
ONE_LINE_TABLE = "an inline table { ... } must be on one line: close it with '}' on this line"

CORPUS = [
    # An experiment name the file system cannot take, or says may not
    bad(
        "name-too-long-for-a-directory",
        edit('"tiny"', '"' + "n" * 236 + '"'),
        "FILE:2: experiment.name: ",
        "is 236 characters long: use at most 235, so that the experiment's directory (the name,"
        " then -YYYYMMDD-HHMMSS) fits the file system's 255 bytes",
    ),
    bad(
        "name-not-ascii",
        edit('"tiny"', '"实验-α"'),
        "FILE:2: experiment.name: ",
        "'实验-α' may use only ASCII letters, digits, - _ . (it names a directory)",
    ),
    bad(
        "name-with-a-slash",
        edit('"tiny"', '"a/b"'),
        "FILE:2: experiment.name: ",
        "'a/b' may use only ASCII letters",
    ),
    # Seeds the searchers cannot take
    bad(
        "seed-negative",
        edit("seed = 0\n\n[trainable]", "seed = -1\n\n[trainable]"),
        "FILE:6: experiment.seed: ",
        f"{SEED_RANGE} (got -1)",
    ),
    bad(
        "search-seed-2-to-the-32",
        edit("seed = 0\n\n[scheduler]", "seed = 4294967296\n\n[scheduler]"),
        "FILE:23: search.seed: ",
        f"{SEED_RANGE} (got 4294967296)",
    ),
    bad(
        "hyperparameter-seed-negative",
        trainable("user_train:train").replace("[search_space]", "[search_space]\nseed = -3"),
        "FILE:18: search_space.seed: ",
        f"{SEED_RANGE} (got -3)",
    ),
    # Integers beyond TOML's 64 bits, in the file and in --set
    bad(
        "num-samples-2-to-the-63",
        edit("num_samples = 3", f"num_samples = {BIG}"),
        "FILE:5: experiment.num_samples: ",
        f"{BIG} {TOO_BIG}",
    ),
    bad(
        "max-concurrent-trials-beyond-64-bits",
        in_experiment("max_concurrent_trials = 99999999999999999999"),
        "FILE:7: experiment.max_concurrent_trials: ",
        f"99999999999999999999 {TOO_BIG}",
    ),
    bad(
        "seed-below-64-bits",
        edit("seed = 0\n\n[trainable]", f"seed = {-BIG - 1}\n\n[trainable]"),
        "FILE:6: experiment.seed: ",
        f"{-BIG - 1} {TOO_BIG}",
    ),
    bad(
        "choice-value-beyond-64-bits",
        edit("[4, 8]", f"[4, {BIG}]"),
        "FILE:19: search_space.start_filters.choice[1]: ",
        f"{BIG} {TOO_BIG}",
    ),
    bad(
        "integer-of-5000-digits",
        edit("num_samples = 3", "num_samples = " + "9" * 5000),
        "FILE:5: invalid TOML: ",
        f"an integer of more than 4300 digits: TOML integers are at most {BIG - 1}",
    ),
    bad(
        "set-beyond-64-bits",
        TINY,
        "--set: experiment.num_samples: ",
        f"{BIG} {TOO_BIG}",
        f"experiment.num_samples={BIG}",
    ),
    # Float settings that are not finite numbers
    bad(
        "reduction-factor-inf",
        edit("reduction_factor = 2", "reduction_factor = inf"),
        "FILE:28: scheduler.reduction_factor: ",
        "must be a finite number (got inf)",
    ),
    bad(
        "reduction-factor-nan",
        edit("reduction_factor = 2", "reduction_factor = nan"),
        "FILE:28: scheduler.reduction_factor: ",
        "must be a finite number (got nan)",
    ),
    bad(
        "cpu-minus-inf",
        edit("cpu = 1", "cpu = -inf"),
        "FILE:31: resources.cpu: ",
        "must be a finite number (got -inf)",
    ),
    bad(
        "gpu-nan",
        edit("gpu = 0", "gpu = nan"),
        "FILE:32: resources.gpu: ",
        "must be a finite number (got nan)",
    ),
    bad(
        "val-fraction-nan",
        edit("image_size = 8", "image_size = 8\nval_fraction = nan"),
        "FILE:16: dataset.val_fraction: ",
        "must be a finite number (got nan)",
    ),
    # Sweeps that would never end
    bad(
        "num-samples-above-100000",
        edit("num_samples = 3", "num_samples = 100001"),
        "FILE:5: experiment.num_samples: ",
        "100001 trials would keep the sweep going for days: use at most 100000, or set"
        " experiment.time_budget_s to the seconds after which the sweep ends",
    ),
    bad(
        "grid-times-samples-above-100000",
        edit("num_samples = 3", "num_samples = 1000")
        .replace("{ choice = [4, 8] }", "{ grid = [" + ", ".join(["4"] * 101) + "] }")
        .replace('"random"', '"grid"'),
        "FILE:5: experiment.num_samples: ",
        "1000 samples x 101 grid points = 101000 trials would keep the sweep going for days",
    ),
    bad(
        "time-budget-zero",
        in_experiment("time_budget_s = 0"),
        "FILE:7: experiment.time_budget_s: ",
        "must be more than 0 seconds (got 0)",
    ),
    bad(
        "time-budget-inf",
        in_experiment("time_budget_s = inf"),
        "FILE:7: experiment.time_budget_s: ",
        "must be a finite number (got inf)",
    ),
    # Further metrics: a table of name = "max" or "min", each one the trainable reports
    bad(
        "further-metric-bad-mode",
        in_experiment('metrics = { val_loss = "lowest" }'),
        "FILE:7: experiment.metrics.val_loss: ",
        "unknown mode 'lowest'; use one of max, min",
    ),
    bad(
        "further-metric-never-reported",
        in_experiment('metrics = { val_los = "min" }'),
        "FILE:7: experiment.metrics.val_los: ",
        "metric 'val_los' is never reported by trainable 'cnn' (it reports accuracy, train_loss,"
        " val_loss)",
    ),
    bad(
        "further-metrics-not-a-table",
        in_experiment('metrics = ["val_loss"]'),
        "FILE:7: experiment.metrics: ",
        'expected a table of metric = "max" or "min", got an array',
    ),
    # Entry points that import but are no function Ray can train
    bad(
        "entry-point-no-argument-builtin",
        trainable("os:getcwd"),
        "FILE:9: trainable.name: ",
        f"'os:getcwd' takes no positional argument: {SHAPE}",
    ),
    bad(
        "entry-point-library-class",
        trainable("collections:OrderedDict"),
        "FILE:9: trainable.name: ",
        f"'collections:OrderedDict' is a class: {SHAPE}",
    ),
    bad(
        "entry-point-builtin-without-signature",
        trainable("functools:reduce"),
        "FILE:9: trainable.name: ",
        f"the parameters of 'functools:reduce' cannot be read (a built-in?): {SHAPE}",
    ),
    bad(
        "entry-point-user-class",
        trainable("user_train:Trainer"),
        "FILE:9: trainable.name: ",
        f"'user_train:Trainer' is a class: {SHAPE}",
    ),
    bad(
        "entry-point-no-argument",
        trainable("user_train:no_argument"),
        "FILE:9: trainable.name: ",
        f"'user_train:no_argument' takes no positional argument: {SHAPE}",
    ),
    bad(
        "entry-point-two-arguments",
        trainable("user_train:two_arguments"),
        "FILE:9: trainable.name: ",
        f"'user_train:two_arguments' needs 2 arguments (config, data): {SHAPE}",
    ),
    bad(
        "entry-point-not-callable",
        trainable("json:__version__"),
        "FILE:9: trainable.name: ",
        "'json:__version__' is not callable (it is a str)",
    ),
    bad(
        "entry-point-not-importable",
        trainable("no_such_module_q:train"),
        "FILE:9: trainable.name: ",
        "cannot import 'no_such_module_q' (ModuleNotFoundError",
    ),
    # Values echoed as written
    bad(
        "gpu-minus-one",
        edit("gpu = 0", "gpu = -1"),
        "FILE:32: resources.gpu: ",
        "must not be negative (got -1)",
    ),
    bad(
        "val-fraction-as-written",
        edit("image_size = 8", "image_size = 8\nval_fraction = 1"),
        "FILE:16: dataset.val_fraction: ",
        "must be between 0 and 1 (got 1)",
    ),
    # Unknown names: the closest valid one, else all of them
    bad(
        "unknown-key-close-to-one",
        edit("reduction_factor = 2", "reduction_facter = 2"),
        "FILE:28: scheduler.reduction_facter: ",
        "unknown key 'reduction_facter' (did you mean 'reduction_factor'?)",
    ),
    bad(
        "unknown-key-close-to-none",
        edit("grace_period = 1", "grace_period = 1\nzzzzzz = 1"),
        "FILE:28: scheduler.zzzzzz: ",
        "unknown key 'zzzzzz'; the keys of [scheduler] are name, max_t, grace_period,"
        " reduction_factor, min_samples_required",
    ),
    bad(
        "unknown-table-close-to-none",
        TINY + "\n[qqqqqq]\nx = 1\n",
        "FILE:34: qqqqqq: ",
        f"unknown table 'qqqqqq'; the tables are {', '.join(SECTIONS)}",
    ),
    bad(
        "set-unknown-key-close-to-none",
        TINY,
        "--set: experiment.qqq: ",
        "unknown key 'qqq'; the keys of [experiment] are name, metric, mode, num_samples,"
        " max_concurrent_trials, seed, time_budget_s, metrics",
        "experiment.qqq=1",
    ),
    # TOML syntax in plain words, on the line of the mistake
    bad(
        "unterminated-string",
        edit('"tiny"', '"tiny'),
        "FILE:2: invalid TOML: ",
        "unterminated string: close the quote on this line",
    ),
    bad(
        "inline-table-trailing-comma",
        edit("[1e-3, 1e-2] }", "[1e-3, 1e-2], }"),
        "FILE:18: invalid TOML: ",
        "trailing comma in an inline table: remove the ',' before '}'",
    ),
    bad(
        "inline-table-across-lines",
        edit("[1e-3, 1e-2] }", "[1e-3, 1e-2],\n}"),
        "FILE:18: invalid TOML: ",
        ONE_LINE_TABLE,
    ),
    bad(
        "table-twice",
        TINY + "\n[experiment]\nseed = 1\n",
        "FILE:34: invalid TOML: ",
        "a table [experiment] appears twice (first at line 1): merge them into one",
    ),
    bad(
        "array-never-closed",
        edit("seed = 0\n\n[scheduler]", "seed = [0,\n\n[scheduler]"),
        "FILE:23: invalid TOML: ",
        "unclosed array: the '[' opened at line 23 has no ']'",
    ),
    bad(
        "key-set-twice",
        edit("epochs = 3", "epochs = 3\nepochs = 4"),
        "FILE:11: invalid TOML: ",
        "key 'epochs' is set twice in the same table: keep one",
    ),
    bad(
        "value-not-quoted",
        edit('"synthetic"', "synthetic"),
        "FILE:13: invalid TOML: ",
        'missing or invalid value: quote text ("adam")',
    ),
    bad(
        "not-utf-8",
        edit('"tiny"', '"ti\udcffny"'),
        "FILE:2: ",
        "not valid UTF-8 (byte 0xff at offset 23)",
    ),
    # Control and bidirectional characters are shown, never obeyed
    bad(
        "right-to-left-override-in-a-key",
        in_experiment('"seed\u202e" = 1'),
        "FILE:7: experiment.seed\\u202e: ",
        "unknown key 'seed\\u202e' (did you mean 'seed'?)",
    ),
    bad(
        "escaped-right-to-left-override-in-a-key",
        in_experiment('"seed\\u202e" = 1'),
        "FILE:7: experiment.seed\\u202e: ",
        "unknown key 'seed\\u202e' (did you mean 'seed'?)",
    ),
    bad(
        "bidirectional-marks-in-a-value",
        edit('"tiny"', '"ti\u2067\u200fny\u061c"'),
        "FILE:2: experiment.name: ",
        "'ti\\u2067\\u200fny\\u061c' may use only ASCII letters",
    ),
    bad(
        "escape-sequence-in-a-value",
        edit('"accuracy"', '"acc\\u001b[2J"'),
        "FILE:3: experiment.metric: ",
        "metric 'acc\\x1b[2J' is never reported by trainable 'cnn'",
    ),
    # What this machine holds: data directories, CPUs, GPUs
    bad(
        "data-directory-missing",
        edit('name = "synthetic"', 'name = "mnist"\nroot = "/nonexistent/tuneterm-data"'),
        "FILE:14: dataset.root: ",
        "/nonexistent/tuneterm-data does not exist",
    ),
    bad(
        "data-directory-without-the-files",
        edit('name = "synthetic"', 'name = "mnist"\nroot = "TMP/data"'),
        "FILE:14: dataset.root: ",
        "missing TMP/data/MNIST/raw/train-images-idx3-ubyte (or .gz); nothing is downloaded",
    ),
    bad(
        "more-cpus-than-the-machine",
        edit("cpu = 1", "cpu = 4096"),
        "FILE:31: resources.cpu: ",
        "4096 CPUs per trial, but this machine has",
    ),
    bad(
        "a-gpu-on-a-machine-without-one",
        edit("gpu = 0", "gpu = 1"),
        "FILE:32: resources.gpu: ",
        "1 GPU per trial, but this machine has no GPU (use --address to run on a cluster",
    ),
    bad(
        "set-more-cpus-than-the-machine",
        TINY,
        "--set: resources.cpu: ",
        "4096 CPUs per trial",
        "resources.cpu=4096",
    ),
    # Mistakes refused before today too
    bad(
        "no-experiment-table",
        TINY.replace("[experiment]", "[experimnt]"),
        "FILE:1: experimnt: ",
        "unknown table 'experimnt' (did you mean 'experiment'?)",
    ),
    bad(
        "unknown-trainable",
        trainable("cnnn"),
        "FILE:9: trainable.name: ",
        "unknown trainable 'cnnn' (did you mean 'cnn'?)",
    ),
    bad(
        "metric-never-reported",
        edit('"accuracy"', '"acc"'),
        "FILE:3: experiment.metric: ",
        "metric 'acc' is never reported by trainable 'cnn'",
    ),
    bad(
        "mode-against-the-metric",
        edit('"max"', '"min"'),
        "FILE:4: experiment.mode: ",
        'accuracy is better when higher: use mode = "max"',
    ),
    bad(
        "num-samples-zero",
        edit("num_samples = 3", "num_samples = 0"),
        "FILE:5: experiment.num_samples: ",
        "must be at least 1 (got 0)",
    ),
    bad(
        "num-samples-string",
        edit("num_samples = 3", 'num_samples = "3"'),
        "FILE:5: experiment.num_samples: ",
        "expected an integer, got string '3'",
    ),
    bad(
        "epochs-float",
        edit("epochs = 3", "epochs = 2.5"),
        "FILE:10: trainable.epochs: ",
        "expected an integer, got float 2.5",
    ),
    bad(
        "loguniform-from-zero",
        edit("[1e-3, 1e-2]", "[0, 1e-2]"),
        "FILE:18: search_space.lr: ",
        "loguniform lower bound must be > 0 (got 0)",
    ),
    bad(
        "grid-with-hyperopt",
        edit("choice", "grid").replace('"random"', '"hyperopt"'),
        "FILE:19: search_space.start_filters: ",
        "HyperOpt cannot search a grid",
    ),
    bad(
        "grace-period-beyond-the-epochs",
        edit("grace_period = 1", "grace_period = 5"),
        "FILE:27: scheduler.grace_period: ",
        "5 is above max_t (3)",
    ),
    bad(
        "hypothesis-about-an-unknown-parameter",
        TINY + '\n[[hypotheses]]\nid = "H1"\nstatement = "s"\nparameter = "qqq"\nexpected = 1\n',
        "FILE:37: hypotheses[0].parameter: ",
        "'qqq' is not in [search_space]; the parameters in [search_space] are lr, start_filters",
    ),
    # Earlier experiments to compare with that are not there
    bad(
        "compare-with-an-unknown-name",
        in_experiment('compare_with = ["baseline"]'),
        "FILE:7: experiment.compare_with: ",
        "no experiment named 'baseline' in TMP/runs (give its directory if it is elsewhere)",
    ),
    bad(
        "compare-with-a-directory-that-is-no-experiment",
        in_experiment('compare_with = ["TMP/data"]'),
        "FILE:7: experiment.compare_with: ",
        "TMP/data: not a tuneterm experiment directory",
    ),
    bad(
        "compare-with-a-name-not-in-an-array",
        in_experiment('compare_with = "baseline"'),
        "FILE:7: experiment.compare_with: ",
        "expected an array of strings, got string 'baseline'",
    ),
    # Storage for Ray's files that this machine cannot write to, and augmentation outside the
    # vocabulary (checked before whether torchvision imports, so the same everywhere)
    bad(
        "storage-path-under-a-file",
        TINY + '\n[storage]\npath = "TMP/user_train.py/ray"\n',
        "FILE:35: storage.path: ",
        "cannot write to TMP/user_train.py/ray: [Errno 20] Cannot create directory",
    ),
    bad(
        "storage-with-an-unknown-scheme",
        TINY + '\n[storage]\npath = "ftp://host/sweeps"\n',
        "FILE:35: storage.path: ",
        "unknown storage scheme 'ftp'; use one of s3, gs, gcs, hdfs",
    ),
    bad(
        "augmentation-outside-the-vocabulary",
        edit("image_size = 8", 'image_size = 8\naugment = ["hflip", "zoom:2"]'),
        "FILE:16: dataset.augment[1]: ",
        "unknown augmentation 'zoom:2'; use hflip, vflip, rotate:DEG, crop:PAD, jitter:AMOUNT",
    ),
    # Alerts that could never be delivered
    bad(
        "alert-webhook-not-http",
        TINY + '\n[alerts]\nwebhook = "ftp://example.com/hook"\n',
        "FILE:35: alerts.webhook: ",
        "'ftp://example.com/hook' is not an http or https URL",
    ),
    bad(
        "alert-webhook-without-a-scheme",
        TINY + '\n[alerts]\nwebhook = "hooks.slack.com/services/T0/B0/x"\n',
        "FILE:35: alerts.webhook: ",
        "'hooks.slack.com/services/T0/B0/x' is not an http or https URL",
    ),
    bad(
        "alert-unknown-event",
        TINY + '\n[alerts]\nwebhook = "https://example.com/hook"\n'
        'events = ["sweep_finished", "new_bset"]\n',
        "FILE:36: alerts.events: ",
        "unknown event 'new_bset' (did you mean 'new_best'?); the events are new_best,",
    ),
    bad(
        "alert-command-not-found",
        TINY + '\n[alerts]\ncommand = "no-such-notifier --urgent"\n',
        "FILE:35: alerts.command: ",
        "command 'no-such-notifier' not found on PATH",
    ),
    bad(
        "alert-command-not-executable",
        TINY + '\n[alerts]\ncommand = "TMP/user_train.py"\n',
        "FILE:35: alerts.command: ",
        "TMP/user_train.py is not executable",
    ),
    # Health rules the driver does not know
    bad(
        "health-unknown-rule",
        TINY + '\n[health]\npatience = 4\nstop = ["nan", "diverging"]\n',
        "FILE:36: health.stop: ",
        "unknown rule 'diverging' (did you mean 'diverged'?); the rules are nan, diverged, stalled",
    ),
    bad(
        "health-stall-factor-not-above-1",
        TINY + "\n[health]\nstall_factor = 0.5\n",
        "FILE:35: health.stall_factor: ",
        "must be greater than 1 (got 0.5)",
    ),
]


@pytest.mark.parametrize("case", CORPUS)
def test_a_bad_config_is_one_located_line_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Bad
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    (tmp_path / "data").mkdir()
    (tmp_path / "user_train.py").write_text(USER_TRAINABLES)
    config = tmp_path / "bad.toml"
    text = case.text.replace("TMP", str(tmp_path))
    config.write_bytes(text.encode("utf-8", "surrogateescape"))
    overrides = [argument for override in case.overrides for argument in ("--set", override)]
    started = time.monotonic()
    proc = tuneterm("run", str(config), *overrides, cwd=tmp_path, root=tmp_path / "runs")
    elapsed = time.monotonic() - started
    where = case.where.replace("FILE", str(config))
    expected = f"error: {where}{case.says.replace('TMP', str(tmp_path))}"
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n"), proc.stderr
    assert proc.stderr.startswith(expected), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(ord(char) < 32 and char != "\n" for char in proc.stderr)
    assert "\u202e" not in proc.stderr and "\u2067" not in proc.stderr
    assert not (tmp_path / "runs").exists()
    assert elapsed < 5, f"{elapsed:.1f} s: something was started before the config was checked"


def test_the_corpus_is_large_and_its_base_config_is_valid(tmp_path: Path) -> None:
    assert len(CORPUS) >= 45
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    config = load_config(path)
    assert (config.experiment.name, len(TINY.splitlines())) == ("tiny", 32)


@pytest.mark.parametrize(
    "text",
    [
        edit("num_samples = 3", "num_samples = 100001"),
        edit("[1e-3, 1e-2] }", "[1e-3, 1e-2], }"),
        trainable("os:getcwd"),
        edit("cpu = 1", "cpu = 4096"),
    ],
    ids=["validation", "toml", "user-code", "machine"],
)
def test_no_ray_torch_or_textual_is_imported_before_a_config_is_refused(
    tmp_path: Path, text: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    code = (
        "import sys\n"
        "from tuneterm.cli.main import main\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'run', sys.argv[2]])\n"
        "finally:\n"
        "    print([m for m in ('ray', 'torch', 'textual') if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "runs"), str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (2, "[]\n"), proc.stderr
    assert not (tmp_path / "runs").exists()
