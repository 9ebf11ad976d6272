"""Reading what users give: bounded reads, one-line errors, pydantic's errors in words, the user config."""
