"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: $LINESIDE_DATABASE_URL or an embedded SQLite file)",
    )


def database_url(args: argparse.Namespace) -> str:
    from server.settings import Settings

    return args.database_url or Settings().resolved_database_url()


def open_engine(args: argparse.Namespace, *, migrate_embedded: bool = True) -> Engine:
    """Engine for the chosen database; an embedded SQLite database is migrated on first use."""
    from server.db import is_sqlite, make_engine
    from server.migrate import NotMigrated, require_migrated, upgrade

    url = database_url(args)
    engine = make_engine(url)
    try:
        require_migrated(engine)
    except NotMigrated as exc:
        if migrate_embedded and is_sqlite(url):
            upgrade(engine)
        else:
            raise SystemExit(f"lineside: {exc}") from None
    return engine


def fail(message: str, code: int = 2) -> int:
    print(f"lineside: {message}", file=sys.stderr)
    return code
