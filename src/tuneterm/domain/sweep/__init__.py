"""The live state of a sweep, rebuilt from its events: trials, histories, ordering."""
