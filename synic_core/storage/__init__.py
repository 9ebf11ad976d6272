"""Writing safely: atomic saves, the save guard, crash reports."""
