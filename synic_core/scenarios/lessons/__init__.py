"""The built-in lessons, one JSON file each (package data)."""
