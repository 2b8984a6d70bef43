"""Where a sweep is kept: the SQLite store, the experiment directory, files, the journal service, event sources. No Ray, no Textual."""
