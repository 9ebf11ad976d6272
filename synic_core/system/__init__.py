"""What the operating system tells about this process: /proc fields, memory, dying with the parent."""
