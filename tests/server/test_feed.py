"""The station change feed: snapshot, cursor, paging, long poll."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.plant import load_plant
from server import models as m
from server.services.feed import station_feed
from tests.conftest import DEMO_PLANT, LiveServer
from tests.support import event


def test_first_page_has_everything_the_station_needs(engine: Engine) -> None:
    feed = station_feed(engine, "L1-TURN", 0)
    assert feed.full and not feed.more and feed.cursor > 0
    assert feed.station is not None and feed.station.id == "L1-TURN"
    assert {w.number for w in feed.work_orders} == {"WO-1001", "WO-1002"}  # only orders routed here
    shaft = next(r for r in feed.routings if r.product == "SHAFT-12")
    op = shaft.operation_for("L1-TURN")
    assert op is not None and op.seq == 20
    dia = next(c for c in op.characteristics if c.id == "SHAFT-DIA")
    assert (dia.lsl, dia.usl, dia.unit) == (11.98, 12.02, "mm")
    assert len(feed.operators) == 12 and all(
        o.pin_hash and o.pin_hash.startswith("pbkdf2$") for o in feed.operators
    )
    assert {d.code for d in feed.defect_codes} >= {"DEF-SCRATCH", "DEF-CRACK"}
    assert any(lot.id == "LOT-BAR-261101" for lot in feed.lots)


def test_cursor_returns_only_changes(engine: Engine) -> None:
    first = station_feed(engine, "L1-TURN", 0)
    # barcodes, quality and production are plant settings the station gets on every page
    assert station_feed(engine, "L1-TURN", first.cursor).model_dump(
        exclude={"cursor", "full", "barcodes", "quality", "production", "timezone"}
    ) == {
        "more": False,
        "station": None,
        "routings": [],
        "work_orders": [],
        "lots": [],
        "holds": [],
        "operators": [],
        "defect_codes": [],
        "spc_signals": [],
        "spc_limits": [],
    }
    from tests.support import ingest_one

    hold = event(
        ev.HoldPlaced(
            hold_id=uuid.uuid4(),
            target_type="lot",
            target="LOT-SHAFT-261020",
            reason="suspect runout",
        ),
        station="L1-INSP",
        operator="EMP1007",
    )
    assert ingest_one(engine, hold, "L1-INSP").status == "applied"
    second = station_feed(engine, "L1-TURN", first.cursor)
    assert second.cursor > first.cursor
    assert [(h.target, h.status, h.reason) for h in second.holds] == [
        ("LOT-SHAFT-261020", "open", "suspect runout")
    ]
    assert [(lot.id, lot.status) for lot in second.lots] == [("LOT-SHAFT-261020", "on_hold")]
    assert station_feed(engine, "L1-TURN", second.cursor).holds == []


def test_paging_covers_every_change_exactly_once(engine: Engine) -> None:
    with Session(engine) as s:
        from server.services.revs import next_rev

        for i in range(25):
            s.add(
                m.Lot(
                    id=f"LOT-PAGE-{i:03}", part="BRG-6201", qty=10, initial_qty=10, rev=next_rev(s)
                )
            )
        s.commit()
    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = station_feed(engine, "L1-TURN", cursor, limit=7)
        seen += [lot.id for lot in page.lots]
        pages += 1
        assert page.cursor >= cursor
        cursor = page.cursor
        if not page.more:
            break
    assert pages > 3
    assert sorted(seen) == sorted(set(seen))  # no duplicates
    assert {f"LOT-PAGE-{i:03}" for i in range(25)} <= set(seen)
    opening = load_plant(DEMO_PLANT).lots  # the demo plant's opening stock and work in process
    assert len(seen) == 25 + len(opening) and {lot.id for lot in opening} <= set(seen)


def test_feed_over_http_with_long_poll(live_server: LiveServer) -> None:
    headers = live_server.headers("L1-TURN")
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as http:
        first = http.get("/api/v1/stations/L1-TURN/feed").json()
        assert first["cursor"] > 0
        other = http.get("/api/v1/stations/L1-SAW/feed")
        assert other.status_code == 403

        def place_hold() -> None:
            time.sleep(0.5)
            login = event(
                ev.OperatorLoggedIn(badge="EMP1009"), station="L2-PRESS", operator="EMP1009"
            )
            raw = event(
                ev.HoldPlaced(
                    hold_id=uuid.uuid4(),
                    target_type="lot",
                    target="LOT-BRG-261101",
                    reason="wrong grease",
                ),
                station="L2-PRESS",
                operator="EMP1009",
            )
            httpx.post(
                f"{live_server.url}/api/v1/events",
                json={"events": [login, raw]},
                headers=live_server.headers("L2-PRESS"),
                timeout=10,
            )

        t = threading.Thread(target=place_hold)
        t.start()
        started = time.monotonic()
        page = http.get(
            "/api/v1/stations/L1-TURN/feed", params={"since": first["cursor"], "wait": 8}
        ).json()
        waited = time.monotonic() - started
        t.join()
        assert [h["reason"] for h in page["holds"]] == ["wrong grease"]
        assert waited < 8  # returned on the change, not at the end of the wait


# --- SPC: limits and signals reach the station that charts them ------------------------------


def _freeze_shaft_len(engine: Engine) -> None:
    from core.spc import parse_rules, standard_limits
    from server.spc import service as spc

    limits = standard_limits("imr", center=150.0, sigma=0.01, subgroup_size=1)
    done = spc.freeze_limits(
        engine, "SHAFT-LEN", limits, badge="EMP1010", reason="study", rules=parse_rules("we")
    )
    assert done.status == "applied", done.reason


def _trip_signal(engine: Engine) -> str:
    """A job at L1-TURN measures SHAFT-LEN far above its frozen limits: one SPC signal."""
    from tests.support import ingest_batch, through

    job = uuid.uuid4()
    wip = through(engine, "WO-1002", 20, lot="LOT-SPC-FEED")  # sawn at op 10 first
    raws = [
        event(
            ev.JobStarted(
                job_id=job, work_order="WO-1002", operation=20, output_lot="LOT-SPC-FEED", lot=wip
            ),
            station="L1-TURN",
            operator="EMP1002",
        ),
        event(
            ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-LEN", value=150.05, unit="mm"),
            station="L1-TURN",
            operator="EMP1002",
        ),
    ]
    results = ingest_batch(engine, raws, "L1-TURN")
    assert [r.status for r in results] == ["applied", "applied"], [r.reason for r in results]
    signal = results[1].outcome["spc"]["signal"]
    assert signal is not None
    return str(signal["id"])


def test_spc_limits_and_signals_page_like_holds(engine: Engine) -> None:
    from server.spc import service as spc

    first = station_feed(engine, "L1-TURN", 0)
    assert first.spc_limits == [] and first.spc_signals == []
    _freeze_shaft_len(engine)
    page = station_feed(engine, "L1-TURN", first.cursor)
    [limits] = page.spc_limits
    assert (limits.characteristic, limits.version, limits.chart, limits.active) == (
        "SHAFT-LEN",
        1,
        "imr",
        True,
    )
    assert [(ln.part, ln.center) for ln in limits.lines][0] == ("i", 150.0)
    assert limits.lines[0].ucl == pytest.approx(150.03)
    assert station_feed(engine, "L1-SAW", first.cursor).spc_limits == []  # not routed to the saw

    signal_id = _trip_signal(engine)
    second = station_feed(engine, "L1-TURN", page.cursor)
    [signal] = second.spc_signals
    assert (signal.id, signal.characteristic, signal.rules, signal.acknowledged_at) == (
        signal_id,
        "SHAFT-LEN",
        ["we-1"],
        None,
    )
    assert station_feed(engine, "L1-SAW", page.cursor).spc_signals == []  # another station's signal
    assert station_feed(engine, "L1-TURN", second.cursor).spc_signals == []

    done = spc.acknowledge(engine, signal_id, badge="EMP1009", note="insert chipped, replaced")
    assert done.status == "applied", done.reason
    third = station_feed(engine, "L1-TURN", second.cursor)
    assert [(s.id, s.acknowledged_by, s.note) for s in third.spc_signals] == [
        (signal_id, "EMP1009", "insert chipped, replaced")
    ]

    # A new version retires the old one: both changes reach the station in one page.
    _freeze_shaft_len(engine)
    fourth = station_feed(engine, "L1-TURN", third.cursor)
    assert sorted((r.version, r.active) for r in fourth.spc_limits) == [(1, False), (2, True)]


def test_spc_pages_are_cut_at_the_cursor(engine: Engine) -> None:
    first = station_feed(engine, "L1-TURN", 0)
    for _ in range(3):
        _freeze_shaft_len(engine)  # versions 1..3; 1 and 2 retired again by the next one
    seen: list[tuple[int, bool]] = []
    cursor = first.cursor
    while True:
        page = station_feed(engine, "L1-TURN", cursor, limit=1)
        seen += [(r.version, r.active) for r in page.spc_limits]
        assert all(r.rev <= page.cursor for r in page.spc_limits)
        cursor = page.cursor
        if not page.more:
            break
    assert dict(seen) == {1: False, 2: False, 3: True}  # the latest change of each version


def test_has_content_counts_spc() -> None:
    from core.events.spc import SpcLimitLine, SpcLimitsRef, SpcSignalRef
    from core.reference import Feed
    from server.api.feed import _has_content

    assert not _has_content(Feed(cursor=5))
    signal = SpcSignalRef(
        id="s",
        characteristic="SHAFT-LEN",
        station_id="L1-TURN",
        point=3,
        rules=["we-1"],
        message="m",
        limits_version=1,
        suspect_from=3,
    )
    assert _has_content(Feed(cursor=5, spc_signals=[signal]))
    line = SpcLimitLine(part="i", center=150.0, lcl=149.97, ucl=150.03, sigma=0.01)
    limits = SpcLimitsRef(
        characteristic="SHAFT-LEN",
        version=1,
        chart="imr",
        subgroup_size=1,
        lines=[line],
        rules=["we-1"],
    )
    assert _has_content(Feed(cursor=5, spc_limits=[limits]))


def _long_poll(live_server: LiveServer, change: Callable[[], None]) -> tuple[dict[str, Any], bool]:
    """Long-poll L1-TURN's feed while ``change`` runs in a thread: (page, woke before the end)."""
    headers = live_server.headers("L1-TURN")
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as http:
        cursor = http.get("/api/v1/stations/L1-TURN/feed").json()["cursor"]

        def later() -> None:
            time.sleep(0.3)  # let the long poll start waiting first
            change()

        t = threading.Thread(target=later)
        t.start()
        clock = time.monotonic()
        page = http.get(
            "/api/v1/stations/L1-TURN/feed", params={"since": cursor, "wait": 20}
        ).json()
        waited = time.monotonic() - clock
        t.join()
    return page, waited < 20


def test_new_limits_wake_the_long_poll(live_server: LiveServer) -> None:
    page, woke = _long_poll(live_server, lambda: _freeze_shaft_len(live_server.engine))
    assert woke
    assert [(r["characteristic"], r["version"]) for r in page["spc_limits"]] == [("SHAFT-LEN", 1)]


def test_a_signal_change_wakes_the_long_poll(live_server: LiveServer) -> None:
    from server.spc import service as spc

    _freeze_shaft_len(live_server.engine)
    signal_id = _trip_signal(live_server.engine)

    def acknowledge() -> None:
        done = spc.acknowledge(live_server.engine, signal_id, badge="EMP1009", note="tool changed")
        assert done.status == "applied", done.reason

    page, woke = _long_poll(live_server, acknowledge)
    assert woke
    assert [(s["id"], s["acknowledged_by"]) for s in page["spc_signals"]] == [
        (signal_id, "EMP1009")
    ]
    assert (
        page["holds"] == [] and page["lots"] == []
    )  # only the signal changed: it alone woke the poll
