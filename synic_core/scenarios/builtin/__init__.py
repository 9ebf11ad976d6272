"""The built-in scenarios, one JSON file each (package data)."""
