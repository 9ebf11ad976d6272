"""Helpers shared by several test files (never imported from another test file)."""
