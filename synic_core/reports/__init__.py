"""What a run prints: the JSON report, Markdown, the text grid and grouped findings in words."""
