"""The model: registers, partitions, profiles, driver sequences, the engine, findings and sessions.

Imports nothing else of the project, and neither rich nor pydantic (`.importlinter`). A session's
MSHV version is a value (`MshvVersion`) handed in by the caller; the model never looks a name up."""
