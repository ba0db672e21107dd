"""``python -m rollcall``: the same command line as ``rollcall``."""

from rollcall.cli.main import app

app(prog_name="rollcall")
