"""The dashboard's state without widgets: display, playback, descriptions, lesson text, opening and exports.

Never imports textual (`.importlinter`), so all of it is tested without a terminal."""
