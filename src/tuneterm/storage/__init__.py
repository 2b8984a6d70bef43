"""Where a sweep is kept: the SQLite store, the experiment directory, files, the journal service.

Event sources live in `sources/`. No Ray, no Textual.
"""
