"""`lineside server`: run the sync server, or migrate its database."""

from __future__ import annotations

import argparse

from cli.common import add_database_option, database_url


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("server", help="run the sync server (or `server migrate`)")
    add_database_option(p)
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8470)")
    p.add_argument("--demo", action="store_true", help="accept the default admin token (demo only)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (PostgreSQL; each applies batches on its own)",
    )
    p.add_argument("action", nargs="?", choices=["run", "migrate"], default="run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server.db import is_sqlite, make_engine
    from server.migrate import current_revision, head_revision, upgrade
    from server.settings import Settings

    url = database_url(args)
    engine = make_engine(url)
    if args.action == "migrate":
        before = current_revision(engine)
        upgrade(engine)
        print(f"database migrated from {before or 'empty'} to {head_revision(engine)}")
        return 0
    settings = Settings()
    if args.demo:
        settings.demo = True
    settings.check_secrets()
    if is_sqlite(url) and current_revision(engine) != head_revision(engine):
        upgrade(engine)  # the embedded database looks after itself
    import uvicorn

    from server.app import create_app

    try:
        app = create_app(settings, engine)
    except RuntimeError as exc:
        print(f"lineside server: {exc}")
        return 2
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"lineside server listening on http://{host}:{port} (database {engine.url.render_as_string(hide_password=True)})"
    )
    if settings.reports_dir:
        print(
            f"daily report every night at {settings.report_at} (plant time) into {settings.reports_dir}"
        )
    if args.workers > 1:
        if is_sqlite(url):
            print("lineside server: --workers needs PostgreSQL (SQLite takes one writer)")
            return 2
        import os

        os.environ["LINESIDE_DATABASE_URL"] = url
        if settings.demo:
            os.environ["LINESIDE_DEMO"] = "true"
        engine.dispose()
        uvicorn.run(
            "server.app:app_from_environment", factory=True, host=host, port=port,
            workers=args.workers, log_level="warning",
        )  # fmt: skip
        return 0
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
