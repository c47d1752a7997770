"""The station shows the plant's clock: the feed names the plant's time zone, the cache keeps it
(so an offline restart still knows it), and the server's feed sends what the plant file said."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from kiosk.app import build_app
from kiosk.config import KioskConfig
from server.services.feed import station_feed
from tests.kiosk.conftest import offline_app


def test_the_cache_keeps_the_plants_time_zone_across_a_restart(tmp_path: Path) -> None:
    app = offline_app(tmp_path, station="L1-TURN")
    assert app.service.cache.plant_zone() == ZoneInfo("Europe/Berlin")
    again = build_app(
        KioskConfig(
            station_id="L1-TURN", server_url="http://127.0.0.1:9", data_dir=tmp_path, sync=False
        )
    )
    assert again.service.cache.plant_zone() == ZoneInfo("Europe/Berlin")


def test_the_feed_names_the_plants_time_zone(engine: Engine) -> None:
    assert station_feed(engine, "L1-TURN", 0).timezone == "Europe/Berlin"
