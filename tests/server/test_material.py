"""Material flow: receiving, split, merge, rework, serials, shipping — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.events import material as me
from server import models as m
from server.apply.pipeline import EventResult
from server.models_genealogy import LotOrigin, SerialUnit, Shipment
from server.trace.query import trace, upstream_lots
from tests.support import event, finish, ingest_one

DOCK = "L2-PACK"  # receiving and shipping happen at the pack-out station in the demo plant


def post(
    engine: Engine, payload: ev.Payload, station: str = DOCK, operator: str = "EMP1001"
) -> EventResult:
    return ingest_one(engine, event(payload, station=station, operator=operator), station)


def applied(engine: Engine, payload: ev.Payload, **kw: Any) -> dict[str, Any]:
    result = post(engine, payload, **kw)
    assert result.status == "applied", result.reason
    return result.outcome


def rejected(engine: Engine, payload: ev.Payload, needle: str, **kw: Any) -> str:
    result = post(engine, payload, **kw)
    assert result.status == "rejected", result.outcome
    assert result.reason is not None and needle in result.reason, result.reason
    return result.reason


def lot(engine: Engine, lot_id: str) -> m.Lot:
    with Session(engine) as s:
        row = s.get(m.Lot, lot_id)
        assert row is not None, lot_id
        return row


def edges(engine: Engine, child: str) -> list[tuple[str, float, str]]:
    with Session(engine) as s:
        rows = s.execute(
            select(m.GenealogyEdge).where(m.GenealogyEdge.child_lot == child)
        ).scalars()
        return sorted((e.parent_lot, e.qty, e.kind) for e in rows)


def hold(engine: Engine, target: str, target_type: str = "lot") -> None:
    applied(
        engine,
        ev.HoldPlaced(
            hold_id=uuid.uuid4(),
            target_type=target_type,
            target=target,  # type: ignore[arg-type]
            reason="suspect",
        ),
        operator="EMP1009",
    )


def saw_job(engine: Engine, output: str, bar_qty: float = 8.0, good: float = 48) -> None:
    job = uuid.uuid4()
    for payload in (
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=bar_qty),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=155.0, unit="mm"),
        ev.JobCompleted(job_id=job, output_lot=output, good_qty=good),
    ):
        applied(engine, payload, station="L1-SAW")


def test_receiving_records_supplier_and_supplier_lot(engine: Engine) -> None:
    out = applied(
        engine,
        me.LotReceived(
            lot="LOT-BRG-R1",
            part="BRG-6201",
            qty=200,
            supplier="SUP-BEARING",
            supplier_lot="KR-777",
            purchase_order="PO-4411",
        ),
    )
    assert out["lot"] == "LOT-BRG-R1"
    received = lot(engine, "LOT-BRG-R1")
    assert (received.part, received.qty, received.status) == ("BRG-6201", 200, "available")
    assert (received.supplier_id, received.supplier_lot) == ("SUP-BEARING", "KR-777")
    assert received.rev > 0
    with Session(engine) as s:
        origin = s.get(LotOrigin, "LOT-BRG-R1")
        assert (
            origin is not None and origin.kind == "received" and origin.purchase_order == "PO-4411"
        )
    node = trace(engine, "LOT-BRG-R1").lots[0]
    assert (node.supplier, node.supplier_lot, node.origin, node.operator) == (
        "SUP-BEARING",
        "KR-777",
        "received",
        "EMP1001",
    )
    rejected(
        engine,
        me.LotReceived(
            lot="LOT-BRG-R1", part="BRG-6201", qty=1, supplier="SUP-BEARING", supplier_lot="X"
        ),
        "already exists",
    )
    rejected(
        engine,
        me.LotReceived(
            lot="LOT-X1", part="NO-PART", qty=1, supplier="SUP-BEARING", supplier_lot="X"
        ),
        "part NO-PART is unknown",
    )
    rejected(
        engine,
        me.LotReceived(
            lot="LOT-X1", part="BRG-6201", qty=1, supplier="SUP-NOBODY", supplier_lot="X"
        ),
        "supplier SUP-NOBODY is unknown",
    )


def test_split_moves_quantity_and_keeps_supplier_lot(engine: Engine) -> None:
    before = lot(engine, "LOT-BRG-261101").rev
    out = applied(
        engine,
        me.LotSplit(
            lot="LOT-BRG-261101",
            new_lots=[me.LotQty(lot="LOT-BRG-A", qty=100), me.LotQty(lot="LOT-BRG-B", qty=150)],
        ),
    )
    assert out["remaining"] == 250
    source = lot(engine, "LOT-BRG-261101")
    assert source.qty == 250 and source.status == "available" and source.rev > before
    for piece, qty in (("LOT-BRG-A", 100), ("LOT-BRG-B", 150)):
        new = lot(engine, piece)
        assert (new.qty, new.part, new.supplier_lot) == (qty, "BRG-6201", "KR6201-88412")
        assert edges(engine, piece) == [("LOT-BRG-261101", qty, "split")]
    # Splitting all that is left consumes the source.
    applied(
        engine, me.LotSplit(lot="LOT-BRG-261101", new_lots=[me.LotQty(lot="LOT-BRG-C", qty=250)])
    )
    assert lot(engine, "LOT-BRG-261101").status == "consumed"


def test_split_rejections(engine: Engine) -> None:
    rejected(
        engine,
        me.LotSplit(lot="LOT-NOPE", new_lots=[me.LotQty(lot="N1", qty=1)]),
        "LOT-NOPE does not exist",
    )
    rejected(
        engine,
        me.LotSplit(
            lot="LOT-BRG-261101",
            new_lots=[me.LotQty(lot="N1", qty=300), me.LotQty(lot="N2", qty=300)],
        ),
        "has 500 left; the split asks for 600",
    )
    rejected(
        engine,
        me.LotSplit(lot="LOT-BRG-261101", new_lots=[me.LotQty(lot="LOT-SEAL-261101", qty=1)]),
        "LOT-SEAL-261101 already exists",
    )
    hold(engine, "LOT-BRG-261101")
    rejected(
        engine,
        me.LotSplit(lot="LOT-BRG-261101", new_lots=[me.LotQty(lot="N1", qty=1)]),
        "is on hold (suspect)",
    )
    assert lot(engine, "LOT-BRG-261101").qty == 500
    # A payload that makes no sense never reaches the handler.
    raw = event(
        me.LotSplit(lot="LOT-SEAL-261101", new_lots=[me.LotQty(lot="N3", qty=1)]), station=DOCK
    )
    raw["payload"]["new_lots"] = [{"lot": "N3", "qty": 1}, {"lot": "N3", "qty": 2}]
    result = ingest_one(engine, raw, DOCK)
    assert result.status == "rejected" and "new lot listed more than once: N3" in (
        result.reason or ""
    )


def test_merge_combines_lots_of_one_part(engine: Engine) -> None:
    applied(
        engine,
        me.LotReceived(
            lot="LOT-SEAL-R2",
            part="SEAL-NBR-32",
            qty=50,
            supplier="SUP-SEAL",
            supplier_lot="DW-32-1187",
        ),
    )
    out = applied(
        engine,
        me.LotMerged(
            sources=[
                me.LotQty(lot="LOT-SEAL-261101", qty=30),
                me.LotQty(lot="LOT-SEAL-R2", qty=50),
            ],
            new_lot="LOT-SEAL-M",
        ),
    )
    assert out["qty"] == 80
    merged = lot(engine, "LOT-SEAL-M")
    assert merged.qty == 80 and merged.supplier_lot == "DW-32-1187"  # shared by both sources
    assert edges(engine, "LOT-SEAL-M") == [
        ("LOT-SEAL-261101", 30, "merge"),
        ("LOT-SEAL-R2", 50, "merge"),
    ]
    assert (
        lot(engine, "LOT-SEAL-R2").status == "consumed"
        and lot(engine, "LOT-SEAL-261101").qty == 370
    )
    assert upstream_lots(engine, ["LOT-SEAL-M"], include_self=False) == {
        "LOT-SEAL-261101",
        "LOT-SEAL-R2",
    }


def test_merge_rejections(engine: Engine) -> None:
    rejected(
        engine,
        me.LotMerged(
            sources=[
                me.LotQty(lot="LOT-SEAL-261101", qty=1),
                me.LotQty(lot="LOT-BRG-261101", qty=1),
            ],
            new_lot="M1",
        ),
        "different parts (BRG-6201, SEAL-NBR-32)",
    )
    rejected(
        engine,
        me.LotMerged(
            sources=[me.LotQty(lot="LOT-SEAL-261101", qty=1), me.LotQty(lot="LOT-GONE", qty=1)],
            new_lot="M1",
        ),
        "source lot LOT-GONE does not exist",
    )
    applied(
        engine, me.LotSplit(lot="LOT-SEAL-261101", new_lots=[me.LotQty(lot="LOT-SEAL-P", qty=10)])
    )
    rejected(
        engine,
        me.LotMerged(
            sources=[me.LotQty(lot="LOT-SEAL-261101", qty=1), me.LotQty(lot="LOT-SEAL-P", qty=11)],
            new_lot="M1",
        ),
        "LOT-SEAL-P has 10 left, 11 cannot be merged",
    )
    hold(engine, "LOT-SEAL-P")
    rejected(
        engine,
        me.LotMerged(
            sources=[me.LotQty(lot="LOT-SEAL-261101", qty=1), me.LotQty(lot="LOT-SEAL-P", qty=1)],
            new_lot="M1",
        ),
        "on hold",
    )
    assert lot(engine, "LOT-SEAL-261101").qty == 390  # nothing moved by the refused merges


def test_rework_keeps_the_history_of_the_reworked_lot(engine: Engine) -> None:
    saw_job(engine, "LOT-SHAFT-W1")
    hold(engine, "LOT-SHAFT-W1")
    rework = me.ReworkRecorded(
        lot="LOT-SHAFT-W1",
        new_lot="LOT-SHAFT-W1-RW",
        qty=20,
        reason="re-cut burrs",
        components=[me.LotQty(lot="LOT-BAR-261102", qty=1.5)],
    )
    rejected(
        engine, rework, "needs a supervisor, quality engineer or MRB member", operator="EMP1001"
    )
    out = applied(engine, rework, operator="EMP1010")
    assert out["new_lot"] == "LOT-SHAFT-W1-RW" and out["remaining"] == 28
    assert edges(engine, "LOT-SHAFT-W1-RW") == [
        ("LOT-BAR-261102", 1.5, "consume"),
        ("LOT-SHAFT-W1", 20, "rework"),
    ]
    new = lot(engine, "LOT-SHAFT-W1-RW")
    assert (new.part, new.qty, new.status) == ("SHAFT-12", 20, "available")
    old = lot(engine, "LOT-SHAFT-W1")
    assert old.qty == 28 and old.status == "on_hold"  # the hold stays until it is released
    # The reworked lot traces back through the original lot to both bars.
    back = trace(engine, "LOT-SHAFT-W1-RW", "backward")
    assert {(n.lot, n.depth) for n in back.lots} == {
        ("LOT-SHAFT-W1-RW", 0),
        ("LOT-SHAFT-W1", 1),
        ("LOT-BAR-261102", 1),
        ("LOT-BAR-261101", 2),
    }
    assert back.lots[0].origin == "rework" and back.lots[0].note == "re-cut burrs"
    rejected(
        engine,
        me.ReworkRecorded(lot="LOT-SHAFT-W1", new_lot="RW2", qty=29, reason="x"),
        "has 28 left, 29 cannot be reworked",
        operator="EMP1010",
    )


def test_serials_are_units_inside_a_lot(engine: Engine) -> None:
    saw_job(engine, "LOT-SHAFT-S1", good=3)
    finish(engine, "LOT-SHAFT-S1")  # turned, ground and inspected: only a finished lot gets serials
    applied(engine, me.SerialsAssigned(lot="LOT-SHAFT-S1", serials=["SN-001", "SN-002"]))
    with Session(engine) as s:
        units = s.execute(select(SerialUnit).order_by(SerialUnit.serial)).scalars().all()
        assert [(u.serial, u.lot, u.part, u.status) for u in units] == [
            ("SN-001", "LOT-SHAFT-S1", "SHAFT-12", "in_stock"),
            ("SN-002", "LOT-SHAFT-S1", "SHAFT-12", "in_stock"),
        ]
        assert all(u.rev > 0 for u in units)
    rejected(
        engine,
        me.SerialsAssigned(lot="LOT-SHAFT-S1", serials=["SN-002"]),
        "serial SN-002 already exists",
    )
    rejected(
        engine,
        me.SerialsAssigned(lot="LOT-SHAFT-S1", serials=["SN-003", "SN-004"]),
        "holds 3 units and 2 already have serials",
    )
    rejected(
        engine, me.SerialsAssigned(lot="LOT-SHAFT-S1", serials=["LOT-BAR-261101"]), "is a lot id"
    )
    rejected(
        engine,
        me.LotReceived(
            lot="SN-001", part="BRG-6201", qty=1, supplier="SUP-BEARING", supplier_lot="X"
        ),
        "already a serial number",
    )
    back = trace(engine, "SN-001", "backward")
    assert [(n.lot, n.kind, n.depth) for n in back.lots] == [
        ("SN-001", "serial", 0),
        ("LOT-SHAFT-S1", "lot", 1),
        ("LOT-BAR-261101", "lot", 2),
    ]
    assert back.lots[0].in_lot == "LOT-SHAFT-S1" and back.lots[0].work_order == "WO-1001"


def test_shipping_to_a_customer_order(engine: Engine) -> None:
    saw_job(engine, "LOT-SHAFT-F1", good=10)
    finish(engine, "LOT-SHAFT-F1")  # only a lot through its whole routing can ship
    applied(engine, me.SerialsAssigned(lot="LOT-SHAFT-F1", serials=["SN-1", "SN-2", "SN-3"]))
    out = applied(
        engine,
        me.LotShipped(
            lot="LOT-SHAFT-F1",
            qty=2,
            serials=["SN-1", "SN-2"],
            customer="ACME",
            customer_order="SO-9001",
            delivery_note="DN-1",
        ),
    )
    assert out["remaining"] == 8 and out["lot_status"] == "available"
    with Session(engine) as s:
        shipment = s.execute(select(Shipment)).scalar_one()
        assert (shipment.lot, shipment.qty, shipment.customer, shipment.customer_order) == (
            "LOT-SHAFT-F1",
            2,
            "ACME",
            "SO-9001",
        )
        assert s.get(SerialUnit, "SN-1").status == "shipped"  # type: ignore[union-attr]
        assert s.get(SerialUnit, "SN-3").status == "in_stock"  # type: ignore[union-attr]
    rejected(
        engine,
        me.LotShipped(
            lot="LOT-SHAFT-F1", qty=1, serials=["SN-1"], customer="ACME", customer_order="SO-2"
        ),
        "serial SN-1 is shipped",
    )
    rejected(
        engine,
        me.LotShipped(
            lot="LOT-SHAFT-F1", qty=1, serials=["SN-404"], customer="ACME", customer_order="SO-2"
        ),
        "serial SN-404 is not in lot LOT-SHAFT-F1",
    )
    rejected(
        engine,
        me.LotShipped(lot="LOT-SHAFT-F1", qty=9, customer="ACME", customer_order="SO-2"),
        "has 8 left, 9 cannot be shipped",
    )
    hold(engine, "SN-3", "unit")
    rejected(
        engine,
        me.LotShipped(
            lot="LOT-SHAFT-F1", qty=1, serials=["SN-3"], customer="ACME", customer_order="SO-2"
        ),
        "serial SN-3 is on hold",
    )
    applied(
        engine, me.LotShipped(lot="LOT-SHAFT-F1", qty=8, customer="BETA", customer_order="SO-7")
    )
    assert lot(engine, "LOT-SHAFT-F1").status == "shipped"
    forward = trace(engine, "LOT-BAR-261101", "forward")
    assert [(c.customer, c.customer_order, c.qty) for c in forward.customers] == [
        ("ACME", "SO-9001", 2),
        ("BETA", "SO-7", 8),
    ]
    shipped_lot = next(n for n in forward.lots if n.lot == "LOT-SHAFT-F1")
    assert [s.customer for s in shipped_lot.shipments] == ["ACME", "BETA"]
    sn1 = next(n for n in forward.lots if n.lot == "SN-1")
    assert [(s.customer, s.customer_order) for s in sn1.shipments] == [("ACME", "SO-9001")]


def test_shipping_held_or_scrapped_lots_is_refused(engine: Engine) -> None:
    hold(engine, "LOT-COVER-261020")
    rejected(
        engine,
        me.LotShipped(lot="LOT-COVER-261020", qty=1, customer="ACME", customer_order="SO-1"),
        "LOT-COVER-261020 is on hold (suspect): it cannot be shipped",
    )
    with Session(engine) as s:
        row = s.get(m.Lot, "LOT-SHAFT-261020")
        assert row is not None
        row.status = "scrapped"
        s.add(row)
        s.commit()
    rejected(
        engine,
        me.LotShipped(lot="LOT-SHAFT-261020", qty=1, customer="ACME", customer_order="SO-1"),
        "LOT-SHAFT-261020 is scrapped",
    )
    rejected(
        engine,
        me.LotShipped(lot="LOT-NOWHERE", qty=1, customer="ACME", customer_order="SO-1"),
        "lot LOT-NOWHERE does not exist",
    )
    raw = event(
        me.LotShipped(lot="LOT-COVER-261020", qty=1, customer="A", customer_order="B"), station=DOCK
    )
    raw["payload"]["serials"] = ["SN-1", "SN-2"]
    result = ingest_one(engine, raw, DOCK)
    assert result.status == "rejected" and "2 serials listed but qty is 1" in (result.reason or "")


@pytest.mark.parametrize(
    "payload",
    [
        me.LotReceived(
            lot="LOT-FEED-1", part="BRG-6201", qty=5, supplier="SUP-BEARING", supplier_lot="F"
        ),
        me.LotSplit(lot="LOT-BRG-261101", new_lots=[me.LotQty(lot="LOT-FEED-1", qty=5)]),
    ],
)
def test_new_lots_reach_the_station_feed(engine: Engine, payload: ev.Payload) -> None:
    from server.services.feed import station_feed

    cursor = station_feed(engine, "L2-PRESS", 0).cursor
    applied(engine, payload)
    page = station_feed(engine, "L2-PRESS", cursor)
    assert "LOT-FEED-1" in {lot.id for lot in page.lots}
