"""A lot moving through its routing on the server: order, holds, components, quantities.

The demo plant's SHAFT-12 is sawn (10, L1-SAW), turned (20, L1-TURN), ground (30,
L1-GRIND) and inspected (40, L1-INSP); PUMP-P200 presses a finished shaft with a
bearing (10, L2-PRESS) and is assembled (20, L2-ASSY).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import models as m
from server.quality import actions as qe
from server.services.feed import station_feed
from server.trace.query import trace
from server.trace.recall import recall_hold
from tests.support import event, ingest_batch

STATIONS = {10: "L1-SAW", 20: "L1-TURN", 30: "L1-GRIND", 40: "L1-INSP"}


def run(
    engine: Engine, station: str, *payloads: ev.Payload, operator: str = "EMP1001"
) -> list[Any]:
    return ingest_batch(
        engine, [event(p, station=station, operator=operator) for p in payloads], station
    )


def start(
    engine: Engine, seq: int, lot: str | None, wo: str = "WO-1001", **kw: Any
) -> tuple[uuid.UUID, Any]:
    job = uuid.uuid4()
    [r] = run(
        engine,
        STATIONS[seq],
        ev.JobStarted(
            job_id=job,
            work_order=wo,
            operation=seq,
            output_lot=kw.pop("output", lot),
            lot=lot,
            **kw,
        ),
    )
    return job, r


def complete(
    engine: Engine, seq: int, job: uuid.UUID, lot: str, good: float, scrap: float = 0, **kw: Any
) -> Any:
    [r] = run(
        engine,
        STATIONS[seq],
        ev.JobCompleted(job_id=job, output_lot=lot, good_qty=good, scrap_qty=scrap, **kw),
    )
    return r


def saw(engine: Engine, lot: str, good: float = 50, bar: float = 8.0) -> None:
    job, r = start(engine, 10, None, output=lot)
    assert r.status == "applied", r.reason
    [c] = run(
        engine,
        "L1-SAW",
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=bar),
    )
    assert c.status == "applied", c.reason
    assert complete(engine, 10, job, lot, good).status == "applied"


def operation(engine: Engine, seq: int, lot: str, good: float, scrap: float = 0) -> None:
    job, r = start(engine, seq, lot)
    assert r.status == "applied", r.reason
    done = complete(engine, seq, job, lot, good, scrap)
    assert done.status == "applied", done.reason


def lot_row(engine: Engine, lot: str) -> m.Lot:
    with Session(engine) as s:
        row = s.get(m.Lot, lot)
        assert row is not None
        return row


def test_the_lot_keeps_its_id_and_records_each_operation(engine: Engine) -> None:
    saw(engine, "LOT-S1", 50)
    assert lot_row(engine, "LOT-S1").status == "wip"
    operation(engine, 20, "LOT-S1", 49, 1)
    operation(engine, 30, "LOT-S1", 48, 1)
    operation(engine, 40, "LOT-S1", 48)
    lot = lot_row(engine, "LOT-S1")
    assert (lot.status, lot.qty, lot.ops_done, lot.work_order) == (
        "available",
        48,
        [10, 20, 30, 40],
        "WO-1001",
    )
    with Session(engine) as s:
        ops = (
            s.execute(
                select(m.LotOperation)
                .where(m.LotOperation.lot == "LOT-S1")
                .order_by(m.LotOperation.operation_seq)
            )
            .scalars()
            .all()
        )
        assert [
            (o.operation_seq, o.station_id, o.qty_in, o.good_qty, o.scrap_qty) for o in ops
        ] == [
            (10, "L1-SAW", 50, 50, 0),
            (20, "L1-TURN", 50, 49, 1),
            (30, "L1-GRIND", 49, 48, 1),
            (40, "L1-INSP", 48, 48, 0),
        ]
        # Stock counts each shaft once: one lot of 48, nothing else made by these jobs.
        made = s.execute(
            select(func.count())
            .select_from(m.Lot)
            .where(m.Lot.work_order == "WO-1001", m.Lot.job_id.is_not(None))  # type: ignore[union-attr]
        ).scalar_one()
        assert made == 1
        assert s.get(m.WorkOrder, "WO-1001").completed_qty == 48  # type: ignore[union-attr]


def test_an_operation_waits_for_the_one_before_and_cannot_run_twice(engine: Engine) -> None:
    saw(engine, "LOT-S2")
    _, r = start(engine, 30, "LOT-S2")
    assert r.status == "rejected" and "op 20 (Turn" in r.reason and "not done yet" in r.reason
    _, r = start(engine, 20, None)
    assert r.status == "rejected" and "scan that lot's traveler" in r.reason
    job, r = start(engine, 20, "LOT-S2")
    assert r.status == "applied"
    _, r = start(engine, 20, "LOT-S2")
    assert r.status == "rejected" and "op 20 is running on lot LOT-S2 at L1-TURN" in r.reason
    assert complete(engine, 20, job, "LOT-S2", 50).status == "applied"
    _, r = start(engine, 20, "LOT-S2")
    assert r.status == "rejected" and "already done on lot LOT-S2" in r.reason


def test_a_held_lot_is_refused_at_the_next_operation_with_who_clears_it(engine: Engine) -> None:
    saw(engine, "LOT-S3")
    ncr, _ = qe.open_ncr(engine, title="blank too long", badge="EMP1010", lots=["LOT-S3"])
    _, r = start(engine, 20, "LOT-S3")
    assert (
        r.status == "rejected"
        and "on hold" in r.reason
        and ncr in r.reason
        and "disposition" in r.reason
    )
    with Session(engine) as s:
        assert (
            s.execute(
                select(func.count()).select_from(m.Job).where(m.Job.input_lot == "LOT-S3")
            ).scalar_one()
            == 0
        )


def test_a_half_made_component_is_refused_at_assembly(engine: Engine) -> None:
    saw(engine, "LOT-S4")
    operation(engine, 20, "LOT-S4", 50)
    job = uuid.uuid4()
    [s, c] = run(
        engine, "L2-PRESS",
        ev.JobStarted(job_id=job, work_order="WO-2001", operation=10, output_lot="LOT-P1"),
        ev.LotConsumed(job_id=job, lot="LOT-S4", part="SHAFT-12", qty=40),
    )  # fmt: skip
    assert s.status == "applied"
    assert (
        c.status == "rejected"
        and "half-made" in c.reason
        and "op 30 (Grind" in c.reason
        and "op 40" in c.reason
    )
    assert lot_row(engine, "LOT-S4").qty == 50


def test_good_and_scrap_cannot_exceed_what_came_in(engine: Engine) -> None:
    saw(engine, "LOT-S5", 50)
    job, _ = start(engine, 20, "LOT-S5")
    r = complete(engine, 20, job, "LOT-S5", 49, 2)
    assert r.status == "rejected" and "more than the 50 that came in on lot LOT-S5" in r.reason
    r = complete(engine, 20, job, "LOT-OTHER", 50)
    assert r.status == "rejected" and "keeps lot LOT-S5" in r.reason


def test_an_over_run_needs_a_supervisor_present(engine: Engine) -> None:
    saw(engine, "LOT-S6", 50)  # WO-1001 is for 50
    job, r = start(engine, 10, None, output="LOT-S7")
    assert r.status == "applied"
    r = complete(engine, 10, job, "LOT-S7", 5)
    assert r.status == "rejected" and "over-run" in r.reason and "supervisor" in r.reason
    r = complete(engine, 10, job, "LOT-S7", 5, overrun_approved_by="EMP1009")
    assert r.status == "rejected" and "must badge in at L1-SAW" in r.reason
    [p] = run(
        engine, "L1-SAW", ev.PersonPresent(badge="EMP1009", purpose="approval"), operator="EMP1009"
    )
    assert p.status == "applied", p.reason
    r = complete(engine, 10, job, "LOT-S7", 5, overrun_approved_by="EMP1009")
    assert r.status == "applied", r.reason
    with Session(engine) as s:
        row = s.execute(select(m.LotOperation).where(m.LotOperation.lot == "LOT-S7")).scalar_one()
        assert row.approved_by == "EMP1009" and row.good_qty == 5


def test_skipping_an_operation_needs_approval_and_a_reason(engine: Engine) -> None:
    saw(engine, "LOT-S8")
    operation(engine, 20, "LOT-S8", 50)
    _, r = start(engine, 40, "LOT-S8", skip=[30], skip_reason="", approved_by="EMP1009")
    assert r.status == "rejected" and "reason" in r.reason
    _, r = start(
        engine,
        40,
        "LOT-S8",
        skip=[30],
        skip_reason="grinder down, engineering deviation D-12",
        approved_by="EMP1001",
    )
    assert r.status == "rejected" and "EMP1001" in r.reason
    run(
        engine, "L1-INSP", ev.PersonPresent(badge="EMP1009", purpose="approval"), operator="EMP1009"
    )
    _, r = start(
        engine,
        40,
        "LOT-S8",
        skip=[30],
        skip_reason="grinder down, engineering deviation D-12",
        approved_by="EMP1009",
    )
    assert r.status == "applied", r.reason
    with Session(engine) as s:
        row = s.execute(
            select(m.LotOperation).where(
                m.LotOperation.lot == "LOT-S8", m.LotOperation.operation_seq == 30
            )
        ).scalar_one()
        assert row.skipped and row.approved_by == "EMP1009" and "D-12" in (row.reason or "")


def test_traces_and_recalls_reach_through_every_operation_to_the_pump(engine: Engine) -> None:
    saw(engine, "LOT-S9", 40)
    for seq in (20, 30, 40):
        operation(engine, seq, "LOT-S9", 40)
    job = uuid.uuid4()
    results = run(
        engine, "L2-PRESS",
        ev.JobStarted(job_id=job, work_order="WO-2001", operation=10, output_lot="LOT-PUMP-1"),
        ev.LotConsumed(job_id=job, lot="LOT-S9", part="SHAFT-12", qty=40),
        ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=40),
        ev.JobCompleted(job_id=job, output_lot="LOT-PUMP-1", good_qty=40),
    )  # fmt: skip
    assert [r.status for r in results] == ["applied"] * 4, [r.reason for r in results]
    back = {n.lot for n in trace(engine, "LOT-PUMP-1", "backward").lots}
    assert {"LOT-S9", "LOT-BAR-261101", "LOT-BRG-261101"} <= back
    forward = {n.lot for n in trace(engine, "LOT-BAR-261101", "forward").lots}
    assert {"LOT-S9", "LOT-PUMP-1"} <= forward
    bar = lot_row(engine, "LOT-BAR-261101")
    held = recall_hold(engine, bar.supplier_lot or "", "supplier notice: wrong alloy", "EMP1010")
    assert held is not None
    with Session(engine) as s:
        targets = set(s.execute(select(m.Hold.target).where(m.Hold.source == "recall")).scalars())
    assert {"LOT-PUMP-1"} <= targets


def test_a_start_made_offline_on_a_lot_held_meanwhile_is_a_quality_escape(engine: Engine) -> None:
    saw(engine, "LOT-S10")
    known = station_feed(engine, "L1-TURN", 0).cursor
    qe.place_hold(
        engine, target_type="lot", target="LOT-S10", reason="saw blade chipped", badge="EMP1010"
    )
    _, r = start(engine, 20, "LOT-S10", known_rev=known)
    assert r.status == "applied", r.reason
    assert r.outcome.get("escape") and r.outcome.get("ncr")
    with Session(engine) as s:
        holds = (
            s.execute(select(m.Hold).where(m.Hold.target == "LOT-S10", m.Hold.status == "open"))
            .scalars()
            .all()
        )
        assert {h.source for h in holds} == {"manual", "offline_escape"}
    _, again = start(engine, 20, "LOT-S10")  # a terminal that knew is refused
    assert again.status == "rejected"


def test_a_work_order_shows_per_operation_what_is_done_running_waiting_and_left(
    engine: Engine,
) -> None:
    from server.services.progress import work_order_progress

    saw(engine, "LOT-A", 20)
    saw(engine, "LOT-B", 20)
    operation(engine, 20, "LOT-A", 19, 1)
    start(engine, 20, "LOT-B")  # running now
    with Session(engine) as s:
        wo = s.get(m.WorkOrder, "WO-1001")
        assert wo is not None
        rows = {r.seq: r for r in work_order_progress(s, wo)}
    assert (rows[10].good, rows[10].remaining) == (40, 10)
    assert (rows[20].good, rows[20].scrap, rows[20].in_process, rows[20].remaining) == (
        19,
        1,
        20,
        31,
    )
    assert (rows[30].waiting, rows[30].good, rows[30].remaining) == (19, 0, 50)
    qe.place_hold(engine, target_type="lot", target="LOT-A", reason="suspect", badge="EMP1010")
    with Session(engine) as s:
        wo = s.get(m.WorkOrder, "WO-1001")
        assert wo is not None
        rows = {r.seq: r for r in work_order_progress(s, wo)}
    assert (rows[30].waiting, rows[30].held) == (0, 19)


def test_a_half_made_lot_is_not_shipped(engine: Engine) -> None:
    from core.events import material as me

    saw(engine, "LOT-H1", 40)
    [r] = run(
        engine,
        "L1-INSP",
        me.LotShipped(lot="LOT-H1", qty=1, customer="ACME", customer_order="PO-1"),
    )
    assert r.status == "rejected" and "half-made" in r.reason and "cannot be shipped" in r.reason
    assert lot_row(engine, "LOT-H1").qty == 40
