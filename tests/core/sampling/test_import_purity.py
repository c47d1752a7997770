"""core.sampling is pure Python: no UI, web, database or device library, not even numpy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("textual", "fastapi", "sqlmodel", "sqlalchemy", "httpx", "serial", "evdev",
             "pymodbus", "numpy", "cli")  # fmt: skip
ROOT = Path(__file__).resolve().parents[3]


def test_core_sampling_imports_only_the_standard_library() -> None:
    code = (
        f"import sys, core.sampling; print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""
