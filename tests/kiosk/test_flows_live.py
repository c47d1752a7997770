"""Every flow end to end: wedge-scanner bursts into the kiosk, a real server on loopback.

Each test runs on SQLite and on PostgreSQL (the ``live_server`` fixture) and
asserts what the server then holds.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from core import events as ev
from kiosk.app import build_app
from screens.complete import CompleteScreen
from screens.hold_notice import HoldScreen
from screens.home import HomeScreen
from screens.job import JobScreen
from screens.login import LoginScreen
from screens.measure import MeasureScreen
from screens.rejections import RejectionScreen
from screens.widgets import MessageBar, VerdictPanel
from server import models as m
from tests.conftest import LiveServer
from tests.kiosk.conftest import live_config, rows, scan, synced, until
from tests.support import badge_in, event

KIOSK_EVENTS = {
    "OperatorLoggedIn",
    "OperatorLoggedOut",
    "JobStarted",
    "LotConsumed",
    "MeasurementRecorded",
    "DefectFlagged",
    "JobCompleted",
    "JobCancelled",
}


async def test_a_job_at_the_saw_lands_on_the_server(
    live_server: LiveServer, tmp_path: Path
) -> None:
    app = build_app(live_config(live_server, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        assert isinstance(app.screen, LoginScreen)
        await scan(app, pilot, "EMP1001")
        assert isinstance(app.screen, HomeScreen)
        await scan(app, pilot, "WO-1001")
        assert isinstance(app.screen, JobScreen)
        await scan(app, pilot, "LOT-BAR-261101")
        assert isinstance(app.screen, MeasureScreen)
        await scan(app, pilot, "156.2")
        panel = app.screen.query_one(VerdictPanel)
        assert panel.has_class("-fail") and not panel.has_class("-pass")
        await scan(app, pilot, "DEF-BURR")
        await scan(app, pilot, "2")
        await scan(app, pilot, "#DONE")
        await scan(app, pilot, "48")
        await scan(app, pilot, "")
        assert isinstance(app.screen, CompleteScreen)
        output = app.service.state.last_completed.output_lot  # type: ignore[union-attr]
        assert output.startswith("LOT-L1-SAW-")
        await synced(app, pilot)
        assert app.service.rejections() == []
    (job,) = rows(live_server, m.Job)
    assert (job.work_order, job.operation_seq, job.status, job.operator_id) == (
        "WO-1001",
        10,
        "completed",
        "EMP1001",
    )
    assert (job.good_qty, job.scrap_qty, job.output_lot) == (48, 2, output)
    (used,) = rows(live_server, m.Consumption)
    assert (used.lot, used.part, used.qty, used.job_id) == (
        "LOT-BAR-261101",
        "BAR-C45-16",
        8,
        job.id,
    )
    (measurement,) = rows(live_server, m.Measurement)
    assert (measurement.characteristic, measurement.value, measurement.verdict) == (
        "SHAFT-CUT-LEN",
        156.2,
        "fail",
    )
    (defect,) = rows(live_server, m.Defect)
    assert (defect.code, defect.qty) == ("DEF-BURR", 2)
    (lot,) = rows(live_server, m.Lot, m.Lot.id == output)
    assert (lot.part, lot.qty, lot.station_id) == (
        "SHAFT-12",
        48,
        "L1-SAW",
    )  # (a failed check may hold it)
    (edge,) = rows(live_server, m.GenealogyEdge)
    assert (edge.parent_lot, edge.child_lot, edge.qty) == ("LOT-BAR-261101", output, 8)
    (bar,) = rows(live_server, m.Lot, m.Lot.id == "LOT-BAR-261101")
    assert bar.qty == 112
    logged = [r.type for r in rows(live_server, m.EventLog, m.EventLog.station_id == "L1-SAW")]
    assert [t for t in logged if t in KIOSK_EVENTS] == [
        "OperatorLoggedIn",
        "JobStarted",
        "LotConsumed",
        "MeasurementRecorded",
        "DefectFlagged",
        "JobCompleted",
    ]


async def test_turning_two_characteristics_a_pass_and_a_confirmed_outlier(
    live_server: LiveServer, tmp_path: Path
) -> None:
    app = build_app(live_config(live_server, tmp_path, station="L1-TURN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        for entry in ("EMP1002", "WO-1002", "12.004"):
            await scan(app, pilot, entry)
        assert app.screen.query_one(VerdictPanel).has_class("-pass")
        await scan(app, pilot, "1501")  # slipped decimal: asks first
        assert app.service.state.prompt.kind == "confirm_measurement"
        assert "#CONFIRM" in str(app.screen.query_one(MessageBar).render())
        await scan(app, pilot, "#CONFIRM")
        assert app.screen.query_one(VerdictPanel).has_class("-fail")
        for entry in ("#DONE", "100", "0"):
            await scan(app, pilot, entry)
        await synced(app, pilot)
    verdicts = sorted(
        (r.characteristic, r.value, r.verdict) for r in rows(live_server, m.Measurement)
    )
    assert verdicts == [("SHAFT-DIA", 12.004, "pass"), ("SHAFT-LEN", 1501, "fail")]
    (job,) = rows(live_server, m.Job)
    assert job.status == "completed" and rows(live_server, m.GenealogyEdge) == []


async def test_bad_scans_are_refused_and_record_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    app = build_app(live_config(live_server, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)

        async def refused(entry: str, *words: str) -> None:
            before = app.service.outbox.last_seq()
            await scan(app, pilot, entry)
            message = app.service.last.message  # type: ignore[union-attr]
            assert message.level == "error", (entry, message)
            for word in words:
                assert word in message.text, (entry, message.text)
            assert app.service.outbox.last_seq() == before  # no event written
            assert app.screen.query_one(MessageBar).has_class("-error")

        await refused("LOT-BAR-261101", "badge first")
        await refused("WHAT-IS-THIS", "Unknown barcode")
        await scan(app, pilot, "EMP1003")
        await refused("WO-2001", "not routed to L1-SAW")
        await scan(app, pilot, "WO-1001")
        await refused("LOT-SEAL-261101", "Wrong part", "BAR-C45-16")
        # A hold placed elsewhere reaches the station through the long poll.
        hold = event(
            ev.HoldPlaced(
                hold_id=uuid.uuid4(),
                target_type="lot",
                target="LOT-BAR-261101",
                reason="mill certificate missing",
            ),
            station="L1-INSP",
            operator="EMP1007",
        )
        answer = httpx.post(
            f"{live_server.url}/api/v1/events",
            json={"events": [badge_in("L1-INSP", "EMP1007"), hold]},
            headers=live_server.headers("L1-INSP"),
            timeout=10,
        ).json()
        assert answer["applied"] == 2  # the login and the hold
        await until(pilot, lambda: app.service.cache.open_holds("lot", "LOT-BAR-261101"))
        await refused("LOT-BAR-261101", "ON HOLD", "mill certificate missing")
        await scan(app, pilot, "LOT-BAR-261102")
        await refused("abc", "not a number")
        before = app.service.outbox.last_seq()
        await scan(app, pilot, "1552")  # implausible: asks, records nothing yet
        await scan(app, pilot, "LOT-BRG-261101")  # anything else discards it
        assert app.service.outbox.last_seq() == before
        await refused("DEF-MADE-UP", "defect sheet")
        await synced(app, pilot)
    assert rows(live_server, m.Measurement) == []
    assert rows(live_server, m.Defect) == []
    assert [(c.lot, c.qty) for c in rows(live_server, m.Consumption)] == [("LOT-BAR-261102", 8)]
    types = [r.type for r in rows(live_server, m.EventLog, m.EventLog.station_id == "L1-SAW")]
    assert [t for t in types if t in KIOSK_EVENTS] == [
        "OperatorLoggedIn",
        "JobStarted",
        "LotConsumed",
    ]


async def test_offline_shift_then_reconnect_with_an_escape(
    live_server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "kiosk"
    # 1. Online once: the cache fills and stays on disk.
    app = build_app(live_config(live_server, data))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        await scan(app, pilot, "EMP1004")
        await synced(app, pilot)
    app.service.close()
    # 2. The network is gone: the station keeps working from its cache.
    offline = live_config(live_server, data)
    from dataclasses import replace

    from tests.conftest import free_port

    offline = replace(offline, server_url=f"http://127.0.0.1:{free_port()}")
    app = build_app(offline)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.status().online is False)
        assert app.service.state.operator is not None  # still logged in after the restart
        for entry in ("WO-1001", "LOT-BAR-261101", "155.1"):
            await scan(app, pilot, entry)
        assert app.service.outbox.pending_count() == 3

        def status_text() -> str:
            bars = app.screen.query("StatusBar")
            return str(bars.first().render()) if bars else ""

        await until(pilot, lambda: "3 waiting" in status_text())
        assert "OFFLINE" in status_text()
        # Meanwhile someone holds the lot the station already used.
        hold = event(
            ev.HoldPlaced(
                hold_id=uuid.uuid4(),
                target_type="lot",
                target="LOT-BAR-261101",
                reason="hardness out of spec",
            ),
            station="L1-INSP",
            operator="EMP1007",
        )
        httpx.post(
            f"{live_server.url}/api/v1/events",
            json={"events": [badge_in("L1-INSP", "EMP1007"), hold]},
            headers=live_server.headers("L1-INSP"),
            timeout=10,
        )
    app.service.close()
    # 3. Back online: the job resumes and the outbox drains. The consumption happened, so it
    #    is history, not a refusal: the server applies it and raises a quality escape that
    #    holds what the lot went into (this job's output lot).
    app = build_app(live_config(live_server, data))
    async with app.run_test(size=(80, 24)) as pilot:
        job = app.service.state.job
        assert job is not None and job.work_order == "WO-1001"
        await until(pilot, lambda: app.service.outbox.pending_count() == 0)
        assert app.service.rejections() == []
        # The escape's hold on the output lot reaches the station: its notice takes the screen.
        # Wait for it drawn, so the kiosk is not stopped halfway through the switch.
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, HoldScreen)
                and app.screen.ready
                and job.output_lot in str(app.screen.query_one("#hold-detail").render())
            ),
        )
        detail = str(app.screen.query_one("#hold-detail").render())
        assert "ON HOLD — DO NOT USE" in detail and "hardness out of spec" in detail
        action = str(app.screen.query_one("#hold-action").render())
        assert "Press Enter to acknowledge." in action
    statuses = {
        r.type: r.status for r in rows(live_server, m.EventLog, m.EventLog.station_id == "L1-SAW")
    }
    assert statuses["JobStarted"] == "applied" and statuses["LotConsumed"] == "applied"
    assert statuses["MeasurementRecorded"] == "applied"
    [escape_hold] = rows(live_server, m.Hold, m.Hold.source == "offline_escape")
    assert escape_hold.target == job.output_lot and "hardness out of spec" in escape_hold.reason


async def test_server_refusal_stays_up_until_acknowledged(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """Offline the station starts a work order that is closed meanwhile: on reconnect the
    server refuses it, and the operator sees why until they acknowledge it."""
    from dataclasses import replace

    from sqlmodel import Session

    from tests.conftest import free_port

    data = tmp_path / "kiosk"
    app = build_app(live_config(live_server, data))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.cache.ready)
        await scan(app, pilot, "EMP1004")
        await synced(app, pilot)
    app.service.close()
    offline = replace(live_config(live_server, data), server_url=f"http://127.0.0.1:{free_port()}")
    app = build_app(offline)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.status().online is False)
        await scan(app, pilot, "WO-1002")
        assert app.service.state.job is not None
    app.service.close()
    with Session(live_server.engine) as s:
        wo = s.get(m.WorkOrder, "WO-1002")
        assert wo is not None
        wo.status = "closed"
        s.add(wo)
        s.commit()
    app = build_app(live_config(live_server, data))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.service.outbox.pending_count() == 0)
        await until(
            pilot, lambda: isinstance(app.screen, RejectionScreen) and app.screen.is_mounted
        )
        await pilot.pause()
        text = str(app.screen.query_one("#rejections-list").render())
        assert "WO-1002" in text and "closed" in text
        await scan(app, pilot, "EMP1001")  # not an acknowledgement: stays up
        assert isinstance(app.screen, RejectionScreen)
        await scan(app, pilot, "")
        assert not isinstance(app.screen, RejectionScreen)
        assert app.service.rejections() == []
        assert app.service.state.job is None  # the refused start was undone locally
