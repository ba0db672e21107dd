"""Write the campaign dashboard (an HTML string made by ``transforms.dashboard``) to disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_dashboard(path: Path, page: str) -> Path:
    """Replace the file at ``path`` in one step: someone who has it open, or a sync killed
    mid-write, never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dashboard-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(page)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from whoever reads the rosters
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
