"""core.spc must stay importable without UI, web, database or device libraries."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "fastapi", "sqlmodel", "httpx", "serial", "evdev", "pymodbus")


def test_core_spc_imports_no_adapters() -> None:
    code = (
        "import sys, core.spc, core.spc.stream, core.spc.capability; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
