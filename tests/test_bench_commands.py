"""The README's benchmark commands start as written (each with ``--help``, which runs nothing).

They are run by hand, rarely: when a move of files broke one (``fakes/`` is importable from
the repository's root, not from ``bench/``), nothing said so until someone tried.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def readme_bench_commands() -> list[str]:
    """The module of each ``.venv/bin/python -m bench.<name>`` line of the README's Benchmarks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Benchmarks", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\.venv/bin/python -m (bench\.\w+)", section, flags=re.MULTILINE)


def test_the_readme_lists_every_benchmark() -> None:
    scripts = {f"bench.{p.stem}" for p in (ROOT / "bench").glob("*.py") if "def main(" in p.read_text(encoding="utf-8")}
    scripts.discard("bench.generate")  # a helper the benchmarks run, with its own --help
    assert set(readme_bench_commands()) == scripts


@pytest.mark.parametrize("module", readme_bench_commands())
def test_a_readme_benchmark_command_starts(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:")
