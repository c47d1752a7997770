"""core/ must stay importable without any framework or device library."""

import json
import subprocess
import sys

FORBIDDEN = ["textual", "fastapi", "sqlmodel", "sqlalchemy", "httpx", "serial", "evdev", "pymodbus", "escpos", "starlette"]


def test_core_imports_no_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "import json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    leaked = [name for name in FORBIDDEN if name in loaded]
    assert leaked == [], f"core imported {leaked}"
    assert "core.events" in loaded and "core.barcodes" in loaded
