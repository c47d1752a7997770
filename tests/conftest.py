"""Shared fixtures: a throwaway database per test, on SQLite and on PostgreSQL.

Every test that asks for ``engine`` (or ``plant_engine``) runs twice: once on
an embedded SQLite file and once on a fresh PostgreSQL database cloned from a
migrated template. PostgreSQL is found at $LINESIDE_TEST_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres). With CI=true an
unreachable PostgreSQL fails the run; elsewhere those tests are skipped.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from server.db import make_engine
from server.migrate import upgrade

DEMO_PLANT = Path(__file__).resolve().parent.parent / "provisioning" / "plants" / "demo.toml"
PG_URL = os.environ.get(
    "LINESIDE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_counter = itertools.count()


def _pg_admin_engine() -> Engine | None:
    try:
        engine = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _pg_admin_engine.error = str(exc).splitlines()[0]  # type: ignore[attr-defined]
        return None


def _need_pg() -> Engine:
    engine = _pg_admin_engine()
    if engine is None:
        reason = getattr(_pg_admin_engine, "error", "unreachable")
        message = (
            f"PostgreSQL at {PG_URL} is unreachable ({reason}). "
            "Set LINESIDE_TEST_PG_URL=postgresql+psycopg://USER@HOST:PORT/DB to run the "
            "database tests on PostgreSQL too."
        )
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return engine


def _seed_demo(engine: Engine) -> None:
    from core.plant import load_plant
    from server.services.plant_import import import_plant

    import_plant(engine, load_plant(DEMO_PLANT))


class _Templates:
    """Migrated template databases, built once per test session."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite: dict[str, Path] = {}
        self.pg: dict[str, str] = {}
        self.pg_admin: Engine | None = None

    def sqlite_template(self, kind: str) -> Path:
        if kind not in self.sqlite:
            path = self.tmp / f"template-{kind}.db"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            if kind == "demo":
                _seed_demo(engine)
            engine.dispose()  # closing the last connection folds the WAL into the file
            self.sqlite[kind] = path
        return self.sqlite[kind]

    def pg_template(self, kind: str) -> str:
        if kind not in self.pg:
            admin = self.pg_admin or _need_pg()
            self.pg_admin = admin
            name = f"lineside_tpl_{kind}_{os.getpid()}"
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = make_engine(str(make_url(PG_URL).set(database=name)))
            upgrade(engine)
            if kind == "demo":
                _seed_demo(engine)
            engine.dispose()
            self.pg[kind] = name
        return self.pg[kind]

    def close(self) -> None:
        if self.pg_admin is not None:
            with self.pg_admin.connect() as conn:
                for name in self.pg.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.pg_admin.dispose()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.close()


def _database(
    request: pytest.FixtureRequest, templates: _Templates, kind: str, tmp_path: Path
) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        path = tmp_path / "lineside.db"
        shutil.copy(templates.sqlite_template(kind), path)
        yield f"sqlite:///{path}"
        return
    template = templates.pg_template(kind)
    admin = templates.pg_admin
    assert admin is not None
    name = f"lineside_t_{os.getpid()}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield str(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(
    request: pytest.FixtureRequest, _templates: _Templates, tmp_path: Path
) -> Iterator[str]:
    """URL of a migrated, empty database (one per test)."""
    yield from _database(request, _templates, "empty", tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, _templates: _Templates, tmp_path: Path) -> Iterator[str]:
    """URL of a migrated database holding the demo plant (one per test)."""
    yield from _database(request, _templates, "demo", tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def empty_engine(empty_db_url: str) -> Iterator[Engine]:
    eng = make_engine(empty_db_url)
    yield eng
    eng.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ADMIN_TOKEN = "test-admin-token-0123456789"


class LiveServer:
    def __init__(self, engine: Engine) -> None:
        from cli.demo import ServerThread
        from server.app import create_app
        from server.settings import Settings

        self.engine = engine
        settings = Settings(database_url=str(engine.url), admin_token=ADMIN_TOKEN)
        self.app = create_app(settings, engine)
        self.thread = ServerThread(self.app, "127.0.0.1", free_port())
        self.url = self.thread.url
        self.tokens: dict[str, str] = {}

    def token(self, station_id: str) -> str:
        from server.services.stations import enroll

        if station_id not in self.tokens:
            self.tokens[station_id] = enroll(self.engine, station_id)
        return self.tokens[station_id]

    def headers(self, station_id: str | None = None) -> dict[str, str]:
        token = self.token(station_id) if station_id else ADMIN_TOKEN
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def live_server(engine: Engine) -> Iterator[LiveServer]:
    """The real server on a loopback port, over the demo-plant database."""
    server = LiveServer(engine)
    server.thread.start()
    yield server
    server.thread.stop()


#: Test files that start whole processes, live kiosks or a chaos run: the slow tier.
SLOW_FILES = {
    "tests/e2e/test_chaos.py",
    "tests/e2e/test_quality_loop_e2e.py",
    "tests/e2e/test_two_processes.py",
    "tests/kiosk/test_crash_safety.py",
    "tests/kiosk/test_devices_e2e.py",
    "tests/kiosk/test_flows_live.py",
    "tests/kiosk/test_replay.py",
    "tests/kiosk/test_routing_live.py",
    "tests/kiosk/test_spc_kiosk.py",
    "tests/server/scheduling/test_properties.py",
    "tests/server/test_routing_properties.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        if Path(str(item.path)).relative_to(root).as_posix() in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
