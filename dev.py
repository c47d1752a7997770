#!/usr/bin/env python3
"""Set up the development environment and run lineside from a fresh clone.

    python3 dev.py demo     # the demo plant: server + kiosk in this terminal
    python3 dev.py test     # the whole test suite (SQLite and PostgreSQL)
    python3 dev.py lint     # ruff (lint and format), import layering, mypy on core/

Creates ``.venv`` and installs the project with its test extras the first time
(and again whenever pyproject.toml changes). Needs only Python 3.11 or newer.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".lineside-installed"


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 there is
        sys.exit(f"lineside needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "lineside").exists():
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print(
        "dev.py: installing lineside and its test dependencies (first run takes a minute)",
        flush=True,
    )
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "setup", "lint"):
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "setup":
        return 0
    if command == "lint":
        return lint()
    if command == "demo":
        args = [str(BIN / "lineside"), "demo", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    os.execv(args[0], args)
    return 0  # not reached


LINT = (
    ("ruff", "check", "."),
    ("ruff", "format", "--check", "."),
    ("lint-imports",),
    ("mypy",),
)


def lint() -> int:
    """Every gate, each named as it runs; the first failure stops with its exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for tool, *args in LINT:
        print(f"dev.py lint: {tool} {' '.join(args)}", flush=True)
        code = subprocess.run([str(BIN / tool), *args], cwd=ROOT, env=env).returncode
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
