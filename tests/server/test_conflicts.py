"""Conflicts are facts: consumptions decided from a stale cache become quality escapes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import ledger
from server import models as m
from server.models_quality import Ncr, Notification
from server.quality import actions as qe
from server.services.feed import station_feed
from tests.support import ingest_batch, through


def run(
    engine: Engine, station: str, *payloads: ev.Payload, operator: str = "EMP1001"
) -> list[Any]:
    from tests.support import event

    return ingest_batch(
        engine, [event(p, station=station, operator=operator) for p in payloads], station
    )


def start(engine: Engine, station: str, wo: str, op: int, lot_out: str) -> uuid.UUID:
    job = uuid.uuid4()
    wip = through(engine, wo, op, lot=lot_out)
    [r] = run(
        engine,
        station,
        ev.JobStarted(job_id=job, work_order=wo, operation=op, output_lot=lot_out, lot=wip),
    )
    assert r.status == "applied", r.reason
    return job


def assert_escape(engine: Engine, result: Any, lot_out: str, conflict: str) -> None:
    assert result.status == "applied", result.reason
    assert conflict in result.outcome["escape"]
    with Session(engine) as s:
        hold = s.execute(select(m.Hold).where(m.Hold.target == lot_out)).scalar_one()
        assert hold.source == "offline_escape" and hold.status == "open"
        ncr = s.get(Ncr, result.outcome["ncr"])
        assert ncr is not None and "quality escape" in ncr.description
        assert (
            s.execute(select(Notification).where(Notification.kind == "offline_escape"))
            .scalars()
            .first()
        )


def test_lot_held_after_the_terminal_last_synced(engine: Engine) -> None:
    known = station_feed(engine, "L2-PRESS", 0).cursor
    job = start(engine, "L2-PRESS", "WO-2001", 10, "LOT-PRESS-A")
    r = qe.place_hold(
        engine, target_type="lot", target="LOT-BRG-261101", reason="wrong grease", badge="EMP1010"
    )
    assert r.status == "applied"
    [res] = run(
        engine,
        "L2-PRESS",
        ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=40, known_rev=known),
    )
    assert_escape(engine, res, "LOT-PRESS-A", "on hold: wrong grease")
    with Session(engine) as s:  # applied as history: consumption and quantity recorded
        assert s.get(m.Lot, "LOT-BRG-261101").qty == 460  # type: ignore[union-attr]
        assert (
            s.execute(select(m.Consumption).where(m.Consumption.lot == "LOT-BRG-261101"))
            .scalar_one()
            .qty
            == 40
        )
    assert ledger.verify(engine).ok


def test_terminal_that_knew_of_the_hold_is_refused(engine: Engine) -> None:
    job = start(engine, "L2-PRESS", "WO-2001", 10, "LOT-PRESS-B")
    qe.place_hold(
        engine, target_type="lot", target="LOT-BRG-261101", reason="wrong grease", badge="EMP1010"
    )
    known = station_feed(engine, "L2-PRESS", 0).cursor
    [res] = run(
        engine,
        "L2-PRESS",
        ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=1, known_rev=known),
    )
    assert res.status == "rejected" and "on hold" in res.reason


def test_lot_scrapped_meanwhile(engine: Engine) -> None:
    known = station_feed(engine, "L2-PRESS", 0).cursor
    ncr, _ = qe.open_ncr(
        engine, title="bearings corroded", badge="EMP1010", lots=["LOT-BRG-261101"]
    )
    assert (
        ncr
        and qe.sign_disposition(engine, ncr, kind="scrap", badge="EMP1010", pin="1010").status
        == "applied"
    )
    job = start(engine, "L2-PRESS", "WO-2001", 10, "LOT-PRESS-C")
    [res] = run(
        engine,
        "L2-PRESS",
        ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=5, known_rev=known),
    )
    assert_escape(engine, res, "LOT-PRESS-C", "scrapped")


def test_two_offline_stations_consume_more_than_the_lot_held(engine: Engine) -> None:
    known = station_feed(engine, "L2-ASSY", 0).cursor
    a = start(engine, "L2-ASSY", "WO-2001", 20, "LOT-ASSY-A")
    b = start(engine, "L2-ASSY", "WO-2002", 20, "LOT-ASSY-B")
    [first] = run(
        engine,
        "L2-ASSY",
        ev.LotConsumed(
            job_id=a, lot="LOT-COVER-261020", part="COVER-P200", qty=30, known_rev=known
        ),
    )
    assert first.status == "applied" and "escape" not in first.outcome
    [second] = run(
        engine,
        "L2-ASSY",
        ev.LotConsumed(
            job_id=b, lot="LOT-COVER-261020", part="COVER-P200", qty=20, known_rev=known
        ),
    )
    assert_escape(engine, second, "LOT-ASSY-B", "short: 10 left, 20 consumed")
    with Session(engine) as s:
        lot = s.get(m.Lot, "LOT-COVER-261020")
        assert lot is not None and lot.qty == 0 and lot.status == "consumed"


def test_lot_consumed_elsewhere_meanwhile(engine: Engine) -> None:
    known = station_feed(engine, "L2-ASSY", 0).cursor
    a = start(engine, "L2-ASSY", "WO-2001", 20, "LOT-ASSY-C")
    b = start(engine, "L2-ASSY", "WO-2002", 20, "LOT-ASSY-D")
    run(
        engine,
        "L2-ASSY",
        ev.LotConsumed(
            job_id=a, lot="LOT-COVER-261020", part="COVER-P200", qty=40, known_rev=known
        ),
    )
    [res] = run(
        engine,
        "L2-ASSY",
        ev.LotConsumed(job_id=b, lot="LOT-COVER-261020", part="COVER-P200", qty=5, known_rev=known),
    )
    assert_escape(engine, res, "LOT-ASSY-D", "consumed")
