"""A shaft through its whole routing at the right stations, then into a pump: kiosks on a
real server (SQLite and PostgreSQL), one station after another, as the demo walk-through
in docs/demo.md runs it.

The lot keeps its id from the saw to final inspection; a failed check at the lathe holds
it, and grinding and the bearing press refuse it; a half-made shaft is refused at the
press; the pump traces back to the bar it was sawn from, and a recall of that bar
reaches the pump.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.app import build_app
from screens.widgets import MessageBar
from server import models as m
from server.trace.query import trace
from server.trace.recall import lots_in_plant
from tests.conftest import LiveServer
from tests.kiosk.conftest import live_config, rows, scan, synced, until


async def at_station(
    live_server: LiveServer, tmp_path: Path, station: str, *entries: str
) -> dict[str, Any]:
    """Run ``entries`` at ``station``'s kiosk; what the operator read after each, and the last
    output lot."""
    app = build_app(live_config(live_server, tmp_path / station, station=station))
    said: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        await pilot.pause(0.3)
        for entry in entries:
            await scan(app, pilot, entry)
            said.append(
                str(app.screen.query_one(MessageBar).render())
                if app.screen.query(MessageBar)
                else ""
            )
            said[-1] += " " + app.service.state.prompt.describe(app.service.state).detail
        await synced(app, pilot)
        last = app.service.state.last_completed
        assert app.service.rejections() == [], app.service.rejections()
    return {"said": said, "lot": last.output_lot if last else None}


def lot(live_server: LiveServer, lot_id: str) -> m.Lot:
    (row,) = rows(live_server, m.Lot, m.Lot.id == lot_id)
    return row


async def test_a_shaft_goes_through_every_operation_into_a_pump_that_traces_to_its_bar(
    live_server: LiveServer, tmp_path: Path
) -> None:
    sawn = await at_station(
        live_server,
        tmp_path,
        "L1-SAW",
        "EMP1001",
        "WO-1002",
        "LOT-BAR-261102",
        "155.0",
        "#DONE",
        "40",
        "0",
    )
    shaft = sawn["lot"]
    assert shaft and lot(live_server, shaft).status == "wip"
    turned = await at_station(
        live_server, tmp_path, "L1-TURN", "EMP1002", shaft, "12.0", "150.0", "#DONE", "40", "0"
    )
    assert turned["lot"] == shaft and "on lot " + shaft in turned["said"][1]
    await at_station(
        live_server, tmp_path, "L1-GRIND", "EMP1003", shaft, "12.006", "0.4", "#DONE", "40", "0"
    )
    await at_station(live_server, tmp_path, "L1-INSP", "EMP1007", shaft, "0.0", "#DONE", "40", "0")
    done = lot(live_server, shaft)
    assert (done.status, done.qty, done.ops_done) == ("available", 40, [10, 20, 30, 40])
    # Each shaft counted once: one lot of 40, the same id from the saw to inspection.
    assert [
        r.id for r in rows(live_server, m.Lot, m.Lot.job_id.is_not(None), m.Lot.part == "SHAFT-12")
    ] == [shaft]  # type: ignore[union-attr]
    pressed = await at_station(
        live_server,
        tmp_path,
        "L2-PRESS",
        "EMP1004",
        "WO-2001",
        shaft,
        "LOT-BRG-261101",
        "3.2",
        "#DONE",
        "40",
        "0",
    )
    pump = pressed["lot"]
    assert pump and pump.startswith("LOT-L2-PRESS-")
    back = {n.lot for n in trace(live_server.engine, pump, "backward").lots}
    assert {shaft, "LOT-BAR-261102", "LOT-BRG-261101"} <= back
    bar = lot(live_server, "LOT-BAR-261102")
    assert pump in lots_in_plant(live_server.engine, bar.supplier_lot or "")


async def test_a_shaft_held_at_the_lathe_is_refused_downstream_and_a_half_made_one_at_the_press(
    live_server: LiveServer, tmp_path: Path
) -> None:
    sawn = await at_station(
        live_server,
        tmp_path,
        "L1-SAW",
        "EMP1001",
        "WO-1002",
        "LOT-BAR-261102",
        "155.0",
        "#DONE",
        "40",
        "0",
    )
    shaft = sawn["lot"]
    assert shaft
    # Two lots of WO-1002 wait at the lathe (the opening one and this): the traveler says which.
    turn = await at_station(
        live_server,
        tmp_path,
        "L1-TURN",
        "EMP1002",
        "WO-1002",
        shaft,
        "12.05",
        "",
        "150.0",
        "#DONE",
        "40",
        "0",
    )
    assert "Several lots of WO-1002" in turn["said"][1]
    assert "HELD" in turn["said"][-1]
    held = lot(live_server, shaft)
    assert held.status == "on_hold" and held.ops_done == [10, 20]
    grind = await at_station(live_server, tmp_path, "L1-GRIND", "EMP1003", shaft)
    assert "ON HOLD" in grind["said"][1] and "12.05" in grind["said"][1]
    press = await at_station(
        live_server, tmp_path, "L2-PRESS", "EMP1004", "WO-2001", shaft, "LOT-SHAFT-261105"
    )
    assert "ON HOLD" in press["said"][2]
    assert "half-made" in press["said"][3] and "op 20" in press["said"][3]
    assert lot(live_server, "LOT-SHAFT-261105").qty == 100  # nothing was consumed
    assert rows(live_server, m.Job, m.Job.input_lot == shaft, m.Job.operation_seq == 30) == []
