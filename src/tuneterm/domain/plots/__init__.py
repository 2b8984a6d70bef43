"""The geometry of the sweep's plots, without drawing: where a value sits on an axis (linear, log
or one slot per category), jitter, bins of a heat grid, trials ranked, axes paged to a width, and
the braille raster of many polylines."""
