"""CLI tests run in a home of their own: no demo, no database and no PIN from the machine."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder; ``~/.local/share/lineside`` is where the demo and the embedded
    database live."""
    folder = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(folder))
    for name in ("LINESIDE_DATABASE_URL", "LINESIDE_PIN"):
        monkeypatch.delenv(name, raising=False)
    return folder
