"""The dashboard's state without widgets: display, playback, descriptions, lesson text, opening, exports and the session controller.

Never imports textual (`.importlinter`), so all of it is tested without a terminal."""
