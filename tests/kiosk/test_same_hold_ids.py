"""A hold the kiosk places at once (offline if need be) has the id the server gives it.

The flow names the failing measurement's event id, and both sides derive the hold's id
from it with ``core.quality.reactions.hold_id``: the notice the operator acknowledged at
the station is the server's hold, not a second one.
"""

from __future__ import annotations

from pathlib import Path

from core import events as ev
from core.flow import RecordEvent
from core.quality.reactions import hold_id
from kiosk.app import build_app
from server import models as m
from tests.conftest import LiveServer
from tests.core.flow.test_quality_flow import Station
from tests.kiosk.conftest import live_config, rows, scan, synced, until


def test_offline_the_local_hold_is_named_after_the_failing_measurement() -> None:
    saw = Station("L1-SAW")
    result = saw.scan("EMP1001", "WO-1001", "LOT-BAR-261101", "156.2")
    (measured,) = [
        a
        for a in result.actions
        if isinstance(a, RecordEvent) and isinstance(a.payload, ev.MeasurementRecorded)
    ]
    assert measured.event_id is not None
    lot = saw.state.job.output_lot  # type: ignore[union-attr]
    (local,) = saw.state.extras["local_holds"]
    assert local["id"] == str(hold_id(measured.event_id, "lot", lot))


async def test_the_kiosk_and_the_server_name_the_same_hold(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """The operator acknowledges the notice at once; when the server's hold reaches the
    station it is the same hold, so no second notice asks again."""
    app = build_app(live_config(live_server, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101", "156.2", ""):
            await scan(app, pilot, entry)
        lot = app.service.state.job.output_lot  # type: ignore[union-attr]
        await synced(app, pilot)
        await until(pilot, lambda: app.service.cache.open_holds("lot", lot))
        await pilot.pause(0.3)
        assert app.service.state.prompt.kind != "hold_notice"
        acked = set(app.service.state.extras.get("ack_holds", ()))
        from_feed = {h.id for h in app.service.cache.open_holds("lot", lot)}
    (measured,) = rows(live_server, m.EventLog, m.EventLog.type == "MeasurementRecorded")
    on_server = {h.id for h in rows(live_server, m.Hold, m.Hold.target == lot)}
    assert on_server == from_feed == {str(hold_id(measured.event_id, "lot", lot))}
    assert on_server <= acked
