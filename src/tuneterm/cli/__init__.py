"""The `tuneterm` commands: one module per command family, and the headless printer."""
