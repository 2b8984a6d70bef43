"""The only package that imports Ray: the driver, its callback, schedulers and controls."""
