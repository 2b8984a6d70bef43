"""Event sources the dashboard reads: the store, and plain Ray Tune directories."""
