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
        help=(
            "SQLAlchemy URL (default: $LINESIDE_DATABASE_URL, else a running demo's "
            "database, else ~/.local/share/lineside/lineside.db if it exists)"
        ),
    )


def database_url(args: argparse.Namespace) -> str:
    """The server's own database: named, or its embedded SQLite file (which it creates)."""
    from server.settings import Settings

    return args.database_url or Settings().resolved_database_url()


def open_engine(
    args: argparse.Namespace, *, migrate_embedded: bool = True, create: bool = False
) -> Engine:
    """Engine for the database the command works on (``cli.database``); exits with what to
    set when there is none. ``migrate_embedded`` brings an embedded SQLite database up to
    date; only with ``create`` is a missing SQLite file created (and that is said)."""
    from sqlalchemy.exc import DBAPIError

    from cli.database import NoDatabase, choose_database
    from server.db import is_sqlite, make_engine
    from server.migrate import NotMigrated, require_migrated, upgrade

    try:
        choice = choose_database(getattr(args, "database_url", None), may_create=create)
    except NoDatabase as exc:
        raise SystemExit(f"lineside: {exc}") from None
    if choice.note:
        print(f"lineside: {choice.note}", file=sys.stderr)
    engine = make_engine(choice.url)
    try:
        require_migrated(engine)
    except NotMigrated as exc:
        if (migrate_embedded or choice.new) and is_sqlite(choice.url):
            upgrade(engine)
        else:
            raise SystemExit(f"lineside: {exc}") from None
    except DBAPIError as exc:
        url = engine.url.render_as_string(hide_password=True)
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise SystemExit(f"lineside: cannot open the database {url}: {first}") from None
    return engine


def fail(message: str, code: int = 2) -> int:
    print(f"lineside: {message}", file=sys.stderr)
    return code
