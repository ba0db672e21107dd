"""rollcall: volunteer sign-ups from web forms and spreadsheets, deduplicated into one central
database, and a roster per site pushed back to each coordinator.

One import name for the whole distribution. The repository keeps one folder per layer at its
top (``models/``, ``transforms/``, ``connectors/``, ``flows/``, ``cli/``, ``migrations/``,
``deployments/``); ``pyproject.toml`` maps each to a subpackage of ``rollcall`` (setuptools'
``package-dir``), so an install adds ``rollcall`` and nothing else to site-packages.
"""
