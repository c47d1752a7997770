"""Which database a command works on, found without creating one.

In order: ``--database-url``; ``$LINESIDE_DATABASE_URL``; the database of a
running ``lineside demo``; the server's embedded database
(``~/.local/share/lineside/lineside.db``) if it holds a lineside schema; the
database a stopped demo left. Otherwise the command is refused with the
variable to set. A SQLite file that does not exist is never created here,
except by a command that fills it (``plant import``), which says so.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_VAR = "LINESIDE_DATABASE_URL"


class NoDatabase(Exception):
    """No database to work on; the message says what to set."""


@dataclass(frozen=True, slots=True)
class DatabaseChoice:
    url: str
    #: Said on stderr when the database was not named by the user.
    note: str | None = None
    #: The SQLite file does not exist yet (only when the caller may create it).
    new: bool = False


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def has_schema(path: Path) -> bool:
    """The SQLite file exists and carries a lineside (Alembic) revision; opened read-only."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None


def how_to_choose() -> str:
    return (
        f"set {ENV_VAR} (e.g. {ENV_VAR}=postgresql://lineside@db-host/lineside or "
        f"{ENV_VAR}=sqlite:////srv/lineside/lineside.db) or pass --database-url; "
        "while `lineside demo` runs, commands use its database"
    )


def choose_database(explicit: str | None, *, may_create: bool = False) -> DatabaseChoice:
    """The database to open, or ``NoDatabase`` saying what to set."""
    from cli.demo_state import default_demo_dir, demo_database_url, read_state
    from server.settings import Settings

    settings = Settings()
    named = explicit or settings.database_url
    if named:
        path = sqlite_path(named)
        if path is not None and not path.exists():
            if may_create:
                return DatabaseChoice(named, f"creating a new database at {path}", new=True)
            origin = "--database-url" if explicit else ENV_VAR
            raise NoDatabase(
                f"there is no database at {path} (named by {origin}); nothing was created. "
                f"Check the path, or {how_to_choose()}"
            )
        return DatabaseChoice(named)
    demo = read_state()
    if demo is not None and demo.running and demo.database_path.exists():
        return DatabaseChoice(
            demo.database_url,
            f"using the running demo's database {demo.database_url} "
            f"(server {demo.server_url}); {ENV_VAR} or --database-url picks another",
        )
    server_url = settings.resolved_database_url()
    server_path = sqlite_path(server_url)
    if server_path is not None and has_schema(server_path):
        return DatabaseChoice(server_url)
    left = Path(demo.database_path) if demo is not None else default_demo_dir() / "server.db"
    if has_schema(left):
        return DatabaseChoice(
            demo_database_url(left.parent),
            f"using the database the demo left at {left} (the demo is not running); "
            f"{ENV_VAR} or --database-url picks another",
        )
    if may_create:
        return DatabaseChoice(server_url, f"creating a new database at {server_path}", new=True)
    empty = (
        f" ({server_path} holds no lineside database: an empty file an earlier version "
        "made, safe to delete)"
        if server_path is not None and server_path.exists()
        else ""
    )
    raise NoDatabase(f"no database is configured{empty}: {how_to_choose()}")
