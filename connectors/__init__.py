"""Connectors: I/O with outside systems, no decisions."""
