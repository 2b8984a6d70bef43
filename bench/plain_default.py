"""The default sweep (configs/default.toml) written as a plain Ray Tune script, for benchmark (b).

Same trainable, search space, searcher, scheduler, seeds and concurrency as tuneterm runs it.
"""

from __future__ import annotations

import os
import sys
import tempfile

# The same logger set as tuneterm's driver (JSON and CSV, no TensorBoardX), so that the ratio
# measures tuneterm itself rather than a different choice of Ray loggers.
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")

import ray
from ray import tune
from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.hyperopt import HyperOptSearch

from tuneterm.trainables import train_builtin

SPACE = {
    "num_conv_layers": tune.randint(2, 5),
    "start_filters": tune.choice([16, 32, 64]),
    "fc_units": tune.choice([64, 128, 256]),
    "dropout": tune.uniform(0.1, 0.5),
    "lr": tune.loguniform(1e-4, 1e-2),
    "batch_size": tune.choice([16, 32]),
    "optimizer": "adam",
}
DATASET = {
    "name": "digits",
    "root": None,
    "val_fraction": 0.2,
    "image_size": 28,
    "samples": 512,
    "num_classes": 10,
    "limit": None,
}


def main(num_samples: int) -> None:
    ray.init(address="local", log_to_driver=False, include_dashboard=False, logging_level="ERROR")
    trainable = tune.with_resources(
        tune.with_parameters(train_builtin, kind="cnn", dataset=DATASET, epochs=10, seed=0),
        {"cpu": 1, "gpu": 0},
    )
    with tempfile.TemporaryDirectory() as storage:
        tuner = tune.Tuner(
            trainable,
            param_space=SPACE,
            tune_config=tune.TuneConfig(
                metric="accuracy",
                mode="max",
                num_samples=num_samples,
                max_concurrent_trials=2,
                search_alg=HyperOptSearch(
                    random_state_seed=0,
                    points_to_evaluate=[
                        {
                            "num_conv_layers": 2,
                            "start_filters": 32,
                            "fc_units": 128,
                            "dropout": 0.25,
                            "lr": 1e-3,
                            "batch_size": 32,
                        }
                    ],
                ),
                scheduler=ASHAScheduler(max_t=10, grace_period=2, reduction_factor=3),
            ),
            run_config=tune.RunConfig(
                storage_path=storage,
                name="plain",
                verbose=0,
                callbacks=[JsonLoggerCallback(), CSVLoggerCallback()],
                checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
            ),
        )
        grid = tuner.fit()
        best = grid.get_best_result()
        print(f"best accuracy {best.metrics['accuracy']:.4f}")
    ray.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
