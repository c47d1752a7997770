"""The station change feed: snapshot, cursor, paging, long poll."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import models as m
from server.services.feed import station_feed
from tests.conftest import LiveServer
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
    assert len(feed.operators) == 12 and all(o.pin_hash and o.pin_hash.startswith("pbkdf2$") for o in feed.operators)
    assert {d.code for d in feed.defect_codes} >= {"DEF-SCRATCH", "DEF-CRACK"}
    assert any(lot.id == "LOT-BAR-261101" for lot in feed.lots)


def test_cursor_returns_only_changes(engine: Engine) -> None:
    first = station_feed(engine, "L1-TURN", 0)
    assert station_feed(engine, "L1-TURN", first.cursor).model_dump(exclude={"cursor", "full", "barcodes", "quality"}) == {
        "more": False, "station": None, "routings": [], "work_orders": [], "lots": [], "holds": [],
        "operators": [], "defect_codes": [],
    }
    from server.services.ingest import ingest_one

    hold = event(ev.HoldPlaced(hold_id=uuid.uuid4(), target_type="lot", target="LOT-SHAFT-261020",
                               reason="suspect runout"), station="L1-INSP", operator="EMP1007")
    assert ingest_one(engine, hold, "L1-INSP").status == "applied"
    second = station_feed(engine, "L1-TURN", first.cursor)
    assert second.cursor > first.cursor
    assert [(h.target, h.status, h.reason) for h in second.holds] == [("LOT-SHAFT-261020", "open", "suspect runout")]
    assert [(lot.id, lot.status) for lot in second.lots] == [("LOT-SHAFT-261020", "on_hold")]
    assert station_feed(engine, "L1-TURN", second.cursor).holds == []


def test_paging_covers_every_change_exactly_once(engine: Engine) -> None:
    with Session(engine) as s:
        from server.services.revs import next_rev

        for i in range(25):
            s.add(m.Lot(id=f"LOT-PAGE-{i:03}", part="BRG-6201", qty=10, initial_qty=10, rev=next_rev(s)))
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
    assert len(seen) == 25 + 9  # plus the demo plant's opening stock


def test_feed_over_http_with_long_poll(live_server: LiveServer) -> None:
    headers = live_server.headers("L1-TURN")
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as http:
        first = http.get("/api/v1/stations/L1-TURN/feed").json()
        assert first["cursor"] > 0
        other = http.get("/api/v1/stations/L1-SAW/feed")
        assert other.status_code == 403

        def place_hold() -> None:
            time.sleep(0.5)
            raw = event(ev.HoldPlaced(hold_id=uuid.uuid4(), target_type="lot", target="LOT-BRG-261101",
                                      reason="wrong grease"), station="L2-PRESS", operator="EMP1009")
            httpx.post(f"{live_server.url}/api/v1/events", json={"events": [raw]},
                       headers=live_server.headers("L2-PRESS"), timeout=10)

        t = threading.Thread(target=place_hold)
        t.start()
        started = time.monotonic()
        page = http.get("/api/v1/stations/L1-TURN/feed", params={"since": first["cursor"], "wait": 8}).json()
        waited = time.monotonic() - started
        t.join()
        assert [h["reason"] for h in page["holds"]] == ["wrong grease"]
        assert waited < 8  # returned on the change, not at the end of the wait
