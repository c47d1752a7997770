"""Alembic migrations, driven from code (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


class NotMigrated(RuntimeError):
    pass


def require_migrated(engine: Engine) -> None:
    """Raise ``NotMigrated`` with what to run when the schema is not at head."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        url = engine.url.render_as_string(hide_password=True)
        state = "empty" if current is None else f"at revision {current}"
        raise NotMigrated(
            f"database {url} is {state}, lineside needs revision {head}: "
            f"run `lineside server migrate --database-url {url}` first."
        )
