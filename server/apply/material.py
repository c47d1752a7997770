"""Material flow beyond a job: receiving, split, merge, rework, serials, shipping.

Every handler checks the event against what the server knows, raises
``Rejected`` with a reason a person can read, and otherwise changes lots,
adds genealogy edges (each carrying the quantity that moved) and touches
every lot it changes so the station feed passes the change on.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from core import routing as rt
from core import status as st
from core.events import material as me
from core.outcomes import Outcome
from core.permissions import Action, may, refusal
from server import models as m
from server.apply import wip
from server.apply.context import ApplyContext, Rejected
from server.models_genealogy import LotOrigin, SerialUnit, Shipment
from server.quality import holds, lots

_EPS = lots.EPS


def _lot(session: Session, lot_id: str, what: str = "lot") -> m.Lot:
    lot = session.get(m.Lot, lot_id)
    if lot is None:
        raise Rejected(f"{what} {lot_id} does not exist")
    return lot


def _usable(ctx: ApplyContext, lot: m.Lot, doing: str) -> None:
    """The lot may be moved: it exists in stock and is not held."""
    reason = holds.lot_held(ctx, lot)
    if reason is not None:
        raise Rejected(f"lot {lot.id} is on hold ({reason}): it cannot be {doing}")
    if lot.status not in ("available", "wip"):
        raise Rejected(f"lot {lot.id} is {lot.status.replace('_', ' ')}: it cannot be {doing}")
    if lot.status == "wip":
        busy = wip.running_on(ctx, lot.id)
        if busy is not None:
            raise Rejected(
                f"op {busy.operation_seq} is running on lot {lot.id} at {busy.station_id}: "
                f"it cannot be {doing} until the operation is completed"
            )


def _unfinished(ctx: ApplyContext, lot: m.Lot) -> str:
    """``lot X (PART) is half-made: op 30 (...) still to do``."""
    ops = ctx.session.execute(
        select(m.Operation).where(m.Operation.product == lot.part).order_by(m.Operation.seq)
    ).scalars()
    return rt.use_problem(lot.id, lot.part, wip.steps(list(ops)), lot.ops_done or [], None) or (
        f"lot {lot.id} is in process"
    )


def _enough(lot: m.Lot, qty: float, doing: str) -> None:
    if qty > lot.qty + _EPS:
        raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {qty:g} cannot be {doing}")


def _new_id(session: Session, lot_id: str) -> None:
    if session.get(m.Lot, lot_id) is not None:
        raise Rejected(f"lot {lot_id} already exists")
    if session.get(SerialUnit, lot_id) is not None:
        raise Rejected(f"{lot_id} is already a serial number; a lot needs an id of its own")


def _create_lot(
    ctx: ApplyContext,
    lot_id: str,
    part: str,
    qty: float,
    kind: str,
    *,
    supplier: str | None = None,
    supplier_lot: str | None = None,
    purchase_order: str | None = None,
    note: str = "",
    status: str = "available",
    work_order: str | None = None,
    ops_done: list[int] | tuple[int, ...] = (),
) -> m.Lot:
    session = ctx.session
    lot = m.Lot(
        id=lot_id,
        part=part,
        qty=qty,
        initial_qty=qty,
        status=status,
        supplier_id=supplier,
        supplier_lot=supplier_lot,
        station_id=ctx.station_id,
        created_at=ctx.occurred_at,
        work_order=work_order,
        ops_done=list(ops_done),
    )
    ctx.touch(lot)
    ctx.batch.remember(lot, lot_id)
    session.flush()
    session.add(
        LotOrigin(
            lot=lot_id,
            kind=kind,
            event_id=str(ctx.event.id),
            station_id=ctx.station_id,
            operator_id=ctx.operator_id,
            occurred_at=ctx.occurred_at,
            purchase_order=purchase_order,
            note=note,
        )
    )
    return lot


def _edge(ctx: ApplyContext, parent: str, child: str, qty: float, kind: str) -> None:
    ctx.session.add(
        m.GenealogyEdge(
            parent_lot=parent, child_lot=child, qty=qty, kind=kind, event_id=str(ctx.event.id)
        )
    )


def on_lot_received(ctx: ApplyContext, p: me.LotReceived) -> Outcome:
    session = ctx.session
    _new_id(session, p.lot)
    if session.get(m.Part, p.part) is None:
        raise Rejected(f"part {p.part} is unknown")
    if session.get(m.Supplier, p.supplier) is None:
        raise Rejected(f"supplier {p.supplier} is unknown")
    lot = _create_lot(
        ctx,
        p.lot,
        p.part,
        p.qty,
        "received",
        supplier=p.supplier,
        supplier_lot=p.supplier_lot,
        purchase_order=p.purchase_order,
    )
    return Outcome(lot=lot.id, part=lot.part, qty=lot.qty, supplier_lot=p.supplier_lot)


def on_lot_split(ctx: ApplyContext, p: me.LotSplit) -> Outcome:
    session = ctx.session
    source = _lot(session, p.lot)
    _usable(ctx, source, "split")
    total = sum(n.qty for n in p.new_lots)
    if total > source.qty + _EPS:
        raise Rejected(f"lot {source.id} has {source.qty:g} left; the split asks for {total:g}")
    for new in p.new_lots:
        _new_id(session, new.lot)
    was_wip = source.status == "wip"
    lots.take(ctx, source, total, "split off", st.SPLIT)
    for new in p.new_lots:
        # A split keeps the supplier lot, so a recall finds the pieces directly.
        _create_lot(
            ctx,
            new.lot,
            source.part,
            new.qty,
            "split",
            supplier=source.supplier_id,
            supplier_lot=source.supplier_lot,
            # Work in process splits into work in process: each piece carries the routing on.
            status="wip" if was_wip else "available",
            work_order=source.work_order,
            ops_done=list(source.ops_done or []),
        )
        _edge(ctx, source.id, new.lot, new.qty, "split")
    return Outcome(
        lot=source.id,
        remaining=source.qty,
        lot_status=source.status,
        new_lots=[n.lot for n in p.new_lots],
    )


def on_lot_merged(ctx: ApplyContext, p: me.LotMerged) -> Outcome:
    session = ctx.session
    _new_id(session, p.new_lot)
    sources = [(_lot(session, s.lot, "source lot"), s.qty) for s in p.sources]
    parts = sorted({lot.part for lot, _ in sources})
    if len(parts) > 1:
        raise Rejected(
            f"lots of different parts ({', '.join(parts)}) cannot be merged into one lot"
        )
    for lot, qty in sources:  # every source checked before any is touched
        _usable(ctx, lot, "merged")
        _enough(lot, qty, "merged")
    stages = {(lot.work_order, tuple(lot.ops_done or [])) for lot, _ in sources}
    if len(stages) > 1:
        raise Rejected(
            "lots at different points of their routing cannot be merged: "
            + "; ".join(
                f"{lot.id} has done {', '.join(map(str, lot.ops_done or [])) or 'nothing'}"
                for lot, _ in sources
            )
        )
    work_order, done = stages.pop()
    in_process = any(lot.status == "wip" for lot, _ in sources)
    for lot, qty in sources:
        lots.take(ctx, lot, qty, "merged", st.MERGE)
    suppliers = {lot.supplier_id for lot, _ in sources}
    supplier_lots = {lot.supplier_lot for lot, _ in sources}
    merged = _create_lot(
        ctx,
        p.new_lot,
        parts[0],
        sum(q for _, q in sources),
        "merge",
        # The merged lot names a supplier lot only when all its sources share it.
        supplier=suppliers.pop() if len(suppliers) == 1 else None,
        supplier_lot=supplier_lots.pop() if len(supplier_lots) == 1 else None,
        status="wip" if in_process else "available",
        work_order=work_order,
        ops_done=list(done),
    )
    for lot, qty in sources:
        _edge(ctx, lot.id, merged.id, qty, "merge")
    return Outcome(lot=merged.id, qty=merged.qty, sources=[lot.id for lot, _ in sources])


def on_rework_recorded(ctx: ApplyContext, p: me.ReworkRecorded) -> Outcome:
    session = ctx.session
    source = _lot(session, p.lot)
    _new_id(session, p.new_lot)
    if source.status not in ("available", "on_hold"):
        raise Rejected(f"lot {source.id} is {source.status}: it cannot be reworked")
    held = holds.lot_held(ctx, source)
    if held is not None:
        # Reworking held material is a disposition: it needs someone allowed to make one.
        operator = session.get(m.Operator, ctx.operator_id or "")
        role = operator.role if operator is not None and operator.active else None
        if not may(role, Action.REWORK_HELD):
            raise Rejected(
                f"lot {source.id} is on hold ({held}): "
                + refusal(Action.REWORK_HELD, ctx.operator_id, role)
            )
    if p.qty > source.qty + _EPS:
        raise Rejected(f"lot {source.id} has {source.qty:g} left, {p.qty:g} cannot be reworked")
    components = [(_lot(session, c.lot, "component lot"), c.qty) for c in p.components]
    for lot, qty in components:  # every component checked before any is touched
        _usable(ctx, lot, "used in a rework")
        _enough(lot, qty, "used in a rework")
    for lot, qty in components:
        lots.take(ctx, lot, qty, "used in a rework", st.CONSUME)
    # Take from the reworked lot without touching its hold: the hold stays open until released.
    lots.take(ctx, source, p.qty, "reworked", st.REWORK)
    new = _create_lot(
        ctx,
        p.new_lot,
        source.part,
        p.qty,
        "rework",
        supplier=source.supplier_id,
        supplier_lot=source.supplier_lot,
        note=p.reason,
    )
    _edge(ctx, source.id, new.id, p.qty, "rework")
    for lot, qty in components:
        _edge(ctx, lot.id, new.id, qty, "consume")
    return Outcome(
        lot=source.id,
        new_lot=new.id,
        qty=p.qty,
        remaining=source.qty,
        components=[lot.id for lot, _ in components],
    )


def on_serials_assigned(ctx: ApplyContext, p: me.SerialsAssigned) -> Outcome:
    """Serial numbers for a lot's units (in process too: parts are often marked at their first operation)."""
    session = ctx.session
    lot = _lot(session, p.lot)
    if lot.status not in ("available", "on_hold", "wip"):
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
            event_id=str(ctx.event.id),
            created_at=ctx.occurred_at,
        )
        ctx.touch(unit)
        _edge(ctx, lot.id, serial, 1.0, "serial")
    return Outcome(lot=lot.id, serials=len(p.serials))


def on_lot_shipped(ctx: ApplyContext, p: me.LotShipped) -> Outcome:
    session = ctx.session
    lot = _lot(session, p.lot)
    _usable(ctx, lot, "shipped")
    if lot.status == "wip":  # work in process goes to a customer only once its routing is done
        raise Rejected(f"{_unfinished(ctx, lot)}: it cannot be shipped")
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
            unit_holds = holds.open_for(ctx, "unit", serial)
            if unit_holds:
                raise Rejected(f"serial {serial} is on hold ({holds.reasons(unit_holds)})")
            units.append(unit)
    shipment = Shipment(
        event_id=str(ctx.event.id),
        lot=lot.id,
        qty=p.qty,
        customer=p.customer,
        customer_order=p.customer_order,
        delivery_note=p.delivery_note,
        station_id=ctx.station_id,
        operator_id=ctx.operator_id,
        shipped_at=ctx.occurred_at,
    )
    ctx.touch(shipment)
    session.flush()
    for unit in units:
        unit.status = "shipped"
        unit.shipment_id = shipment.id
        ctx.touch(unit)
    left = lot.qty - p.qty
    if left <= _EPS:
        lot.qty = 0.0
        lots.set_status(ctx, lot, "shipped", st.SHIP)
    else:
        lot.qty = left
        ctx.touch(lot)
    return Outcome(
        lot=lot.id,
        shipment=shipment.id,
        remaining=lot.qty,
        lot_status=lot.status,
        customer=p.customer,
        customer_order=p.customer_order,
    )
