"""Helpers for driving the kiosk like a wedge scanner, against a real server or offline."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from textual import events
from textual.pilot import Pilot

from core.flow.memory import feed_from_plant
from core.plant import load_plant
from kiosk.app import KioskApp, build_app
from kiosk.config import KioskConfig
from tests.conftest import DEMO_PLANT, LiveServer

FIXED_NOW = datetime(2026, 11, 27, 9, 41, tzinfo=UTC)
GS = "\x1d"


def live_config(
    live_server: LiveServer, data_dir: Path, station: str = "L1-SAW", **kw: Any
) -> KioskConfig:
    """A kiosk config for ``station`` on the live server (short long polls keep teardown quick)."""
    return KioskConfig(
        station_id=station,
        server_url=live_server.url,
        token=live_server.token(station),
        data_dir=data_dir,
        feed_wait_s=1.0,
        **kw,
    )


def offline_app(data_dir: Path, station: str = "L1-SAW", **kw: Any) -> KioskApp:
    """A kiosk with no network, its cache filled from the demo plant file, on a fixed clock."""
    config = KioskConfig(
        station_id=station,
        server_url="http://127.0.0.1:9",
        token="unused",
        data_dir=data_dir,
        sync=False,
        clock=lambda: FIXED_NOW,
        display_tz=UTC,
        **kw,
    )
    app = build_app(config)
    app.service.cache.apply_page(feed_from_plant(load_plant(DEMO_PLANT), station))
    return app


async def scan(app: KioskApp, pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` the way a keyboard-wedge scanner does: a burst of keys, then Enter."""
    for ch in text:
        if ch == GS:
            app.post_message(events.Key("ctrl+right_square_bracket", GS))
        else:
            app.post_message(events.Key(ch, ch))
    app.post_message(events.Key("enter", "\r"))
    await pilot.pause()
    await pilot.pause()


async def until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


async def synced(app: KioskApp, pilot: Pilot[Any]) -> None:
    """Wait for the first feed page and for the outbox to drain."""
    await until(pilot, lambda: app.service.cache.ready)
    await until(pilot, lambda: app.service.outbox.pending_count() == 0)


def rows(live_server: LiveServer, model: Any, *where: Any) -> list[Any]:
    with Session(live_server.engine) as session:
        return list(session.execute(select(model).where(*where)).scalars())
