"""MSHV versions as patch files: the built-ins (`builtin/*.toml`), users' files, the registry that
maps a name to a version at the edges (CLI, loaders, dashboard), and the schema for users' files."""
