"""Real traces of SynIC MSR writes: the text formats, export from the model, import, attribution,
findings on real writes and conformance to a version (docs/traces.md)."""
