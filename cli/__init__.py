"""The ``rollcall`` command line."""
