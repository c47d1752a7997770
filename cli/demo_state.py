"""Where the demo is: its server URL and database, for other terminals to find.

``lineside demo`` writes ``~/.local/share/lineside/demo.json`` as it starts and
marks it stopped when it ends; ``lineside demo --codes`` shows it and the
database commands fall back to the demo's database when none is configured.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path


def state_path() -> Path:
    from server.settings import default_data_dir

    return default_data_dir() / "demo.json"


def default_demo_dir() -> Path:
    from server.settings import default_data_dir

    return default_data_dir() / "demo"


def demo_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'server.db'}"


@dataclass(frozen=True, slots=True)
class DemoState:
    server_url: str
    database_url: str
    data_dir: str
    station: str
    #: The demo's process while it runs; None once it has stopped.
    pid: int | None

    @property
    def database_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def running(self) -> bool:
        return self.pid is not None and _alive(self.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def write_state(state: DemoState) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_state() -> DemoState | None:
    """The last demo started on this account, or None if none ever was."""
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
        return DemoState(**data)
    except (OSError, ValueError, TypeError):
        return None


def mark_stopped(pid: int) -> None:
    """Record that the demo in process ``pid`` ended (unless a newer demo took over)."""
    state = read_state()
    if state is not None and state.pid == pid:
        write_state(replace(state, pid=None))
