"""core/ must stay importable without any framework or device library."""

import json
import subprocess
import sys

FORBIDDEN = [
    "textual",
    "fastapi",
    "sqlmodel",
    "sqlalchemy",
    "httpx",
    "serial",
    "evdev",
    "pymodbus",
    "escpos",
    "starlette",
]


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


def test_the_station_side_never_loads_the_server() -> None:
    """A kiosk runs on a line-side terminal: its packages (and the trace it shows) must not
    pull in the server or its database layer."""
    code = (
        "import sys, pkgutil, importlib, kiosk, screens\n"
        "for pkg in (kiosk, screens):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "import json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    server = sorted(m for m in loaded if m == "server" or m.startswith("server."))
    assert server == [], f"the kiosk imported {server}"
    assert not {"sqlalchemy", "sqlmodel", "fastapi"} & loaded
    assert "kiosk.lookup" in loaded and "screens.trace" in loaded and "core.trace_result" in loaded
