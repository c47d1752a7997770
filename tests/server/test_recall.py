"""Recall scope of a supplier lot and holding what is still in the plant — SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.events import material as me
from server import ledger
from server import models as m
from server.app import create_app
from server.services.stations import enroll
from server.settings import Settings
from server.trace import recall as rc
from tests.support import event, finish, ingest_one

ADMIN = "recall-admin-token"


def post(
    engine: Engine, payload: ev.Payload, station: str = "L2-PACK", operator: str = "EMP1001"
) -> dict[str, Any]:
    result = ingest_one(engine, event(payload, station=station, operator=operator), station)
    assert result.status == "applied", result.reason
    return result.outcome


def saw(engine: Engine, bar: str, output: str, good: float) -> None:
    job = uuid.uuid4()
    for payload in (
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        ev.LotConsumed(job_id=job, lot=bar, part="BAR-C45-16", qty=4.0),
        ev.JobCompleted(job_id=job, output_lot=output, good_qty=good),
    ):
        post(engine, payload, station="L1-SAW")
    finish(engine, output)  # turned, ground, inspected: a shaft lot that can be split and shipped


def plant_history(engine: Engine) -> None:
    """Supplier lot HEAT-9 arrives twice; it ends up in stock, held, shipped and in serials.

    HEAT-9 -> LOT-R9A (received) -> LOT-S9 (saw job) -> SN-91..SN-93, two shipped to ACME
                                  -> LOT-S9B (split of LOT-S9, held for another reason)
           -> LOT-R9B (received) -> LOT-S10 (saw job), shipped whole to BETA

    Each sawn lot keeps its id through the rest of its routing before anything ships.
    """
    for lot in ("LOT-R9A", "LOT-R9B"):
        post(
            engine,
            me.LotReceived(
                lot=lot, part="BAR-C45-16", qty=20, supplier="SUP-STEEL", supplier_lot="HEAT-9"
            ),
        )
    saw(engine, "LOT-R9A", "LOT-S9", 10)
    saw(engine, "LOT-R9B", "LOT-S10", 5)
    post(engine, me.SerialsAssigned(lot="LOT-S9", serials=["SN-91", "SN-92", "SN-93"]))
    post(engine, me.LotSplit(lot="LOT-S9", new_lots=[me.LotQty(lot="LOT-S9B", qty=4)]))
    post(
        engine,
        me.LotShipped(
            lot="LOT-S9", qty=2, serials=["SN-91", "SN-92"], customer="ACME", customer_order="SO-1"
        ),
    )
    post(engine, me.LotShipped(lot="LOT-S10", qty=5, customer="BETA", customer_order="SO-2"))
    post(
        engine,
        ev.HoldPlaced(hold_id=uuid.uuid4(), target_type="lot", target="LOT-S9B", reason="dented"),
        operator="EMP1009",
    )


def test_scope_lists_every_lot_and_serial_and_where_it_is(engine: Engine) -> None:
    plant_history(engine)
    scope = rc.recall_scope(engine, "HEAT-9")
    assert [s.lot for s in scope.sources] == ["LOT-R9A", "LOT-R9B"]
    states = {lot.lot: (lot.state, lot.finished) for lot in scope.lots}
    assert states == {
        "LOT-R9A": ("in_stock", False),
        "LOT-R9B": ("in_stock", False),
        "LOT-S9": ("in_stock", False),
        "LOT-S9B": ("held", True),
        "LOT-S10": ("shipped", True),
    }
    assert scope.lots_total == 5 and scope.in_plant == 4
    assert scope.lots_by_state == {"in_stock": 3, "held": 1, "shipped": 1}
    assert scope.finished_by_state == {"held": 1, "shipped": 1}
    assert [lot.lot for lot in scope.lots][:2] == ["LOT-S10", "LOT-S9B"]  # finished lots first
    assert {u.serial: (u.state, u.customer, u.customer_order) for u in scope.units} == {
        "SN-91": ("shipped", "ACME", "SO-1"),
        "SN-92": ("shipped", "ACME", "SO-1"),
        "SN-93": ("in_stock", None, None),
    }
    assert scope.units_by_state == {"shipped": 2, "in_stock": 1}
    assert [(c.customer, c.customer_order, c.lots, c.qty) for c in scope.customers] == [
        ("ACME", "SO-1", 1, 2),
        ("BETA", "SO-2", 1, 5),
    ]
    shipped = next(lot for lot in scope.lots if lot.lot == "LOT-S10")
    assert [(s.customer, s.qty) for s in shipped.shipments] == [("BETA", 5)]
    assert next(lot for lot in scope.lots if lot.lot == "LOT-S9B").open_holds == ["dented"]
    only_shipped = rc.recall_scope(engine, "HEAT-9", state="shipped")
    assert [lot.lot for lot in only_shipped.lots] == ["LOT-S10"] and only_shipped.lots_total == 5
    paged = rc.recall_scope(engine, "HEAT-9", limit=2, offset=2)
    assert [lot.lot for lot in paged.lots] == [lot.lot for lot in scope.lots][2:4]


def test_scope_of_an_unknown_supplier_lot(engine: Engine) -> None:
    with pytest.raises(rc.UnknownSupplierLot, match="no lot was received with supplier lot NOPE"):
        rc.recall_scope(engine, "NOPE")
    with pytest.raises(rc.UnknownSupplierLot, match="from supplier SUP-SEAL"):
        rc.recall_scope(engine, "H58821", "SUP-SEAL")


def test_hold_stops_everything_still_in_the_plant(engine: Engine) -> None:
    plant_history(engine)
    with pytest.raises(rc.RecallError, match="a recall hold needs a supervisor.*is an operator"):
        rc.recall_hold(engine, "HEAT-9", "mill cert wrong", "EMP1001")
    with pytest.raises(rc.RecallError, match="badge NOBODY is not an active person here"):
        rc.recall_hold(engine, "HEAT-9", "mill cert wrong", "NOBODY")
    with pytest.raises(rc.RecallError, match="needs a reason"):
        rc.recall_hold(engine, "HEAT-9", "  ", "EMP1010")
    result = rc.recall_hold(engine, "HEAT-9", "mill cert wrong", "EMP1010")
    assert (
        sorted(result.placed) == ["LOT-R9A", "LOT-R9B", "LOT-S9", "LOT-S9B"] and not result.rejected
    )
    with Session(engine) as s:
        holds = (
            s.execute(
                select(m.Hold).where(m.Hold.reason.startswith("recall of supplier lot HEAT-9"))
            )
            .scalars()
            .all()
        )  # type: ignore[attr-defined]
        assert sorted(h.target for h in holds) == sorted(result.placed)
        assert {(h.placed_by, h.source, h.status) for h in holds} == {("EMP1010", "recall", "open")}
        logged = (
            s.execute(select(m.EventLog).where(m.EventLog.station_id == "SERVER")).scalars().all()
        )
        assert [row.type for row in logged] == ["HoldPlaced"] * 4 and {
            row.status for row in logged
        } == {"applied"}
        assert [row.seq for row in logged] == [1, 2, 3, 4]
        assert s.get(m.Lot, "LOT-S9").status == "on_hold"  # type: ignore[union-attr]
        assert s.get(m.Lot, "LOT-S10").status == "shipped"  # type: ignore[union-attr]
    assert ledger.verify(engine).ok
    after = rc.recall_scope(engine, "HEAT-9")
    assert after.lots_by_state == {"held": 4, "shipped": 1} and after.units_by_state == {
        "shipped": 2,
        "held": 1,
    }
    again = rc.recall_hold(engine, "HEAT-9", "mill cert wrong", "EMP1010")
    assert again.placed == [] and sorted(again.already_held) == sorted(result.placed)


def test_recall_api(engine: Engine) -> None:
    plant_history(engine)
    client = TestClient(
        create_app(Settings(database_url=str(engine.url), admin_token=ADMIN), engine)
    )
    station = {"Authorization": f"Bearer {enroll(engine, 'L2-PACK')}"}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    r = client.get("/api/v1/recall/HEAT-9", headers=station)
    assert r.status_code == 200, r.text
    assert r.json()["lots_total"] == 5 and r.json()["in_plant"] == 4
    assert client.get("/api/v1/recall/NOPE", headers=station).status_code == 404
    body = {"reason": "mill cert wrong", "operator": "EMP1009"}
    assert client.post("/api/v1/recall/HEAT-9/hold", json=body, headers=station).status_code == 403
    refused = client.post(
        "/api/v1/recall/HEAT-9/hold", json={**body, "operator": "EMP1002"}, headers=admin
    )
    assert refused.status_code == 422 and "is an operator" in refused.json()["detail"]
    held = client.post("/api/v1/recall/HEAT-9/hold", json=body, headers=admin)
    assert held.status_code == 200, held.text
    assert len(held.json()["placed"]) == 4
    assert client.get("/api/v1/recall/HEAT-9", headers=station).json()["lots_by_state"] == {
        "held": 4,
        "shipped": 1,
    }
