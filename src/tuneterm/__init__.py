"""tuneterm: a terminal experiment monitor for Ray Tune hyperparameter sweeps."""

__version__ = "0.1.0"
