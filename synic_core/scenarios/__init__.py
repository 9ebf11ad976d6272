"""Scenarios, lessons and replay: the built-in ones ship as JSON in `builtin/` and `lessons/`."""
