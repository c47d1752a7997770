"""Applying material-flow events (receiving, split, merge, rework, serials, shipping).

Every handler checks the event against what the server knows, raises
``Rejected`` with a reason a person can read, and otherwise changes lots,
adds genealogy edges (each carrying the quantity that moved) and bumps the
``rev`` of every lot it touches so the station feed passes the change on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from core import events as ev
from core import material_events as me
from server import models as m
from server.models_genealogy import LotOrigin, SerialUnit, Shipment
from server.services.apply import Outcome, Rejected, open_holds, register_handlers
from server.services.revs import next_rev

_EPS = 1e-9
# Roles that may disposition held material (rework a held lot).
_DISPOSITION_ROLES = ("supervisor", "quality_engineer", "mrb", "admin")


def _touch(session: Session, row: Any) -> None:
    row.rev = next_rev(session)
    session.add(row)


def _lot(session: Session, lot_id: str, what: str = "lot") -> m.Lot:
    lot = session.get(m.Lot, lot_id)
    if lot is None:
        raise Rejected(f"{what} {lot_id} does not exist")
    return lot


def _held_reason(session: Session, lot: m.Lot) -> str | None:
    holds = open_holds(session, "lot", lot.id)
    if holds or lot.status == "on_hold":
        return "; ".join(h.reason for h in holds) or "on hold"
    return None


def _usable(session: Session, lot: m.Lot, doing: str) -> None:
    """The lot may be moved: it exists in stock and is not held."""
    reason = _held_reason(session, lot)
    if reason is not None:
        raise Rejected(f"lot {lot.id} is on hold ({reason}): it cannot be {doing}")
    if lot.status != "available":
        raise Rejected(f"lot {lot.id} is {lot.status}: it cannot be {doing}")


def _enough(lot: m.Lot, qty: float, doing: str) -> None:
    if qty > lot.qty + _EPS:
        raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {qty:g} cannot be {doing}")


def _take(session: Session, lot: m.Lot, qty: float, doing: str) -> None:
    _enough(lot, qty, doing)
    lot.qty = max(0.0, lot.qty - qty)
    if lot.qty <= _EPS:
        lot.qty = 0.0
        lot.status = "consumed"
    _touch(session, lot)


def _new_id(session: Session, lot_id: str) -> None:
    if session.get(m.Lot, lot_id) is not None:
        raise Rejected(f"lot {lot_id} already exists")
    if session.get(SerialUnit, lot_id) is not None:
        raise Rejected(f"{lot_id} is already a serial number; a lot needs an id of its own")


def _create_lot(
    session: Session,
    event: ev.Event,
    lot_id: str,
    part: str,
    qty: float,
    kind: str,
    *,
    supplier: str | None = None,
    supplier_lot: str | None = None,
    purchase_order: str | None = None,
    note: str = "",
) -> m.Lot:
    lot = m.Lot(
        id=lot_id,
        part=part,
        qty=qty,
        initial_qty=qty,
        status="available",
        supplier_id=supplier,
        supplier_lot=supplier_lot,
        station_id=event.station_id,
        created_at=event.occurred_at,
        rev=next_rev(session),
    )
    session.add(lot)
    session.flush()
    session.add(
        LotOrigin(
            lot=lot_id,
            kind=kind,
            event_id=str(event.id),
            station_id=event.station_id,
            operator_id=event.operator_id,
            occurred_at=event.occurred_at,
            purchase_order=purchase_order,
            note=note,
        )
    )
    return lot


def _edge(
    session: Session, event: ev.Event, parent: str, child: str, qty: float, kind: str
) -> None:
    session.add(
        m.GenealogyEdge(
            parent_lot=parent, child_lot=child, qty=qty, kind=kind, event_id=str(event.id)
        )
    )


def _lot_received(session: Session, event: ev.Event, p: me.LotReceived) -> Outcome:
    _new_id(session, p.lot)
    if session.get(m.Part, p.part) is None:
        raise Rejected(f"part {p.part} is unknown")
    if session.get(m.Supplier, p.supplier) is None:
        raise Rejected(f"supplier {p.supplier} is unknown")
    lot = _create_lot(
        session,
        event,
        p.lot,
        p.part,
        p.qty,
        "received",
        supplier=p.supplier,
        supplier_lot=p.supplier_lot,
        purchase_order=p.purchase_order,
    )
    return {"lot": lot.id, "part": lot.part, "qty": lot.qty, "supplier_lot": p.supplier_lot}


def _lot_split(session: Session, event: ev.Event, p: me.LotSplit) -> Outcome:
    source = _lot(session, p.lot)
    _usable(session, source, "split")
    total = sum(n.qty for n in p.new_lots)
    if total > source.qty + _EPS:
        raise Rejected(f"lot {source.id} has {source.qty:g} left; the split asks for {total:g}")
    for new in p.new_lots:
        _new_id(session, new.lot)
    _take(session, source, total, "split off")
    for new in p.new_lots:
        # A split keeps the supplier lot, so a recall finds the pieces directly.
        _create_lot(
            session,
            event,
            new.lot,
            source.part,
            new.qty,
            "split",
            supplier=source.supplier_id,
            supplier_lot=source.supplier_lot,
        )
        _edge(session, event, source.id, new.lot, new.qty, "split")
    return {
        "lot": source.id,
        "remaining": source.qty,
        "lot_status": source.status,
        "new_lots": [n.lot for n in p.new_lots],
    }


def _lot_merged(session: Session, event: ev.Event, p: me.LotMerged) -> Outcome:
    _new_id(session, p.new_lot)
    sources = [(_lot(session, s.lot, "source lot"), s.qty) for s in p.sources]
    parts = sorted({lot.part for lot, _ in sources})
    if len(parts) > 1:
        raise Rejected(
            f"lots of different parts ({', '.join(parts)}) cannot be merged into one lot"
        )
    for lot, qty in sources:  # every source checked before any is touched
        _usable(session, lot, "merged")
        _enough(lot, qty, "merged")
    for lot, qty in sources:
        _take(session, lot, qty, "merged")
    suppliers = {lot.supplier_id for lot, _ in sources}
    supplier_lots = {lot.supplier_lot for lot, _ in sources}
    merged = _create_lot(
        session,
        event,
        p.new_lot,
        parts[0],
        sum(q for _, q in sources),
        "merge",
        # The merged lot names a supplier lot only when all its sources share it.
        supplier=suppliers.pop() if len(suppliers) == 1 else None,
        supplier_lot=supplier_lots.pop() if len(supplier_lots) == 1 else None,
    )
    for lot, qty in sources:
        _edge(session, event, lot.id, merged.id, qty, "merge")
    return {"lot": merged.id, "qty": merged.qty, "sources": [lot.id for lot, _ in sources]}


def _rework(session: Session, event: ev.Event, p: me.ReworkRecorded) -> Outcome:
    source = _lot(session, p.lot)
    _new_id(session, p.new_lot)
    if source.status not in ("available", "on_hold"):
        raise Rejected(f"lot {source.id} is {source.status}: it cannot be reworked")
    held = _held_reason(session, source)
    if held is not None:
        # Reworking held material is a disposition: it needs someone allowed to make one.
        operator = session.get(m.Operator, event.operator_id or "")
        if operator is None or operator.role not in _DISPOSITION_ROLES:
            raise Rejected(
                f"lot {source.id} is on hold ({held}): reworking it needs a supervisor, "
                "quality engineer or MRB badge"
            )
    if p.qty > source.qty + _EPS:
        raise Rejected(f"lot {source.id} has {source.qty:g} left, {p.qty:g} cannot be reworked")
    components = [(_lot(session, c.lot, "component lot"), c.qty) for c in p.components]
    for lot, qty in components:  # every component checked before any is touched
        _usable(session, lot, "used in a rework")
        _enough(lot, qty, "used in a rework")
    for lot, qty in components:
        _take(session, lot, qty, "used in a rework")
    # Take from the reworked lot without touching its hold: the hold stays open until released.
    source.qty = max(0.0, source.qty - p.qty)
    if source.qty <= _EPS:
        source.qty = 0.0
        source.status = "consumed"
    _touch(session, source)
    new = _create_lot(
        session,
        event,
        p.new_lot,
        source.part,
        p.qty,
        "rework",
        supplier=source.supplier_id,
        supplier_lot=source.supplier_lot,
        note=p.reason,
    )
    _edge(session, event, source.id, new.id, p.qty, "rework")
    for lot, qty in components:
        _edge(session, event, lot.id, new.id, qty, "consume")
    return {
        "lot": source.id,
        "new_lot": new.id,
        "qty": p.qty,
        "remaining": source.qty,
        "components": [lot.id for lot, _ in components],
    }


def _serials_assigned(session: Session, event: ev.Event, p: me.SerialsAssigned) -> Outcome:
    lot = _lot(session, p.lot)
    if lot.status not in ("available", "on_hold"):
        raise Rejected(f"lot {lot.id} is {lot.status}: its units cannot get serial numbers")
    taken = (
        session.execute(
            select(SerialUnit.serial).where(SerialUnit.serial.in_(p.serials))  # type: ignore[attr-defined]
        )
        .scalars()
        .all()
    )
    if taken:
        raise Rejected(f"serial {', '.join(sorted(taken)[:5])} already exists")
    clashes = session.execute(select(m.Lot.id).where(m.Lot.id.in_(p.serials))).scalars().all()  # type: ignore[attr-defined]
    if clashes:
        raise Rejected(
            f"{', '.join(sorted(clashes)[:5])} is a lot id; a serial needs an id of its own"
        )
    in_stock = session.execute(
        select(func.count())
        .select_from(SerialUnit)
        .where(SerialUnit.lot == lot.id, SerialUnit.status == "in_stock")
    ).scalar_one()
    if in_stock + len(p.serials) > lot.qty + _EPS:
        raise Rejected(
            f"lot {lot.id} holds {lot.qty:g} units and {in_stock} already have serials: "
            f"{len(p.serials)} more do not fit"
        )
    for serial in p.serials:
        unit = SerialUnit(
            serial=serial,
            lot=lot.id,
            part=lot.part,
            event_id=str(event.id),
            created_at=event.occurred_at,
        )
        _touch(session, unit)
        _edge(session, event, lot.id, serial, 1.0, "serial")
    return {"lot": lot.id, "serials": len(p.serials)}


def _lot_shipped(session: Session, event: ev.Event, p: me.LotShipped) -> Outcome:
    lot = _lot(session, p.lot)
    _usable(session, lot, "shipped")
    if p.qty > lot.qty + _EPS:
        raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {p.qty:g} cannot be shipped")
    units: list[SerialUnit] = []
    if p.serials:
        found = {
            u.serial: u
            for u in session.execute(
                select(SerialUnit).where(SerialUnit.serial.in_(p.serials))  # type: ignore[attr-defined]
            ).scalars()
        }
        for serial in p.serials:
            unit = found.get(serial)
            if unit is None or unit.lot != lot.id:
                raise Rejected(f"serial {serial} is not in lot {lot.id}")
            if unit.status != "in_stock":
                raise Rejected(f"serial {serial} is {unit.status}")
            holds = open_holds(session, "unit", serial)
            if holds:
                raise Rejected(f"serial {serial} is on hold ({'; '.join(h.reason for h in holds)})")
            units.append(unit)
    shipment = Shipment(
        event_id=str(event.id),
        lot=lot.id,
        qty=p.qty,
        customer=p.customer,
        customer_order=p.customer_order,
        delivery_note=p.delivery_note,
        station_id=event.station_id,
        operator_id=event.operator_id,
        shipped_at=event.occurred_at,
    )
    _touch(session, shipment)
    session.flush()
    for unit in units:
        unit.status = "shipped"
        unit.shipment_id = shipment.id
        _touch(session, unit)
    lot.qty = max(0.0, lot.qty - p.qty)
    if lot.qty <= _EPS:
        lot.qty = 0.0
        lot.status = "shipped"
    _touch(session, lot)
    return {
        "lot": lot.id,
        "shipment": shipment.id,
        "remaining": lot.qty,
        "lot_status": lot.status,
        "customer": p.customer,
        "customer_order": p.customer_order,
    }


register_handlers(
    {
        me.LotReceived: _lot_received,
        me.LotSplit: _lot_split,
        me.LotMerged: _lot_merged,
        me.ReworkRecorded: _rework,
        me.SerialsAssigned: _serials_assigned,
        me.LotShipped: _lot_shipped,
    }
)
