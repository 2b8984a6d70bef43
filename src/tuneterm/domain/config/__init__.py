"""An experiment's config: its spec, the checks on parsed TOML data, the search space, TOML text."""
