"""core.msa must stay importable without UI, web, database or device libraries (or scipy)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "fastapi", "sqlmodel", "httpx", "serial", "evdev", "pymodbus", "scipy")


def test_core_msa_imports_no_adapters() -> None:
    code = f"import sys, core.msa; print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
