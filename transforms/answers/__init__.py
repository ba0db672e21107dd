"""Flatten a web form's stored submission into ``{key: text}`` for the field mapping.

One module per provider, each with ``flatten(payload) -> dict[str, str]``. Keys are every
name a mapping may use for a question (its id, its ref, its title) and the provider's fixed
fields. Pure: no I/O.
"""
