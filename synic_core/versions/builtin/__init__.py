"""The built-in MSHV versions, one TOML patch file each (package data)."""
