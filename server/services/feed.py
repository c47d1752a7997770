"""A station's change feed: everything it needs to work offline, since a cursor."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import reference as ref
from server import models as m
from server.db import one_of
from server.services.revs import current_rev
from server.spc.views import station_limits, station_signals


def _page(
    session: Session, model: Any, since: int, upto: int, limit: int, *where: Any
) -> list[Any]:
    stmt = (
        select(model)
        .where(model.rev > since, model.rev <= upto, *where)
        .order_by(model.rev)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def routing_ref(session: Session, product: str) -> ref.RoutingRef:
    part = session.get(m.Part, product)
    ops = session.execute(
        select(m.Operation).where(m.Operation.product == product).order_by(m.Operation.seq)
    ).scalars()
    out = []
    for op in ops:
        bom = session.execute(
            select(m.BomLine).where(m.BomLine.operation_id == op.id).order_by(m.BomLine.id)
        ).scalars()
        chars = session.execute(
            select(m.Characteristic)
            .where(m.Characteristic.operation_id == op.id)
            .order_by(m.Characteristic.id)
        ).scalars()
        out.append(
            ref.OperationRef(
                seq=op.seq,
                name=op.name,
                stations=list(op.stations),
                optional=op.optional,
                parallel=op.parallel,
                new_lot=op.new_lot,
                bom=[
                    ref.BomLineRef(
                        part=b.part, qty_per=b.qty_per, after_operation=b.after_operation
                    )
                    for b in bom
                ],
                characteristics=[
                    ref.CharacteristicRef(
                        id=c.id,
                        name=c.name,
                        nominal=c.nominal,
                        lsl=c.lsl,
                        usl=c.usl,
                        unit=c.unit,
                        critical=c.critical,
                        kind=c.kind,
                        subgroup_size=c.subgroup_size,
                        inspection=c.inspection,
                        reaction=c.reaction,
                    )
                    for c in chars
                ],
            )
        )
    return ref.RoutingRef(
        product=product, product_description=part.description if part else "", operations=out
    )


def lot_ref(lot: m.Lot) -> ref.LotRef:
    return ref.LotRef(
        id=lot.id,
        part=lot.part,
        qty=lot.qty,
        status=lot.status,
        supplier=lot.supplier_id,
        supplier_lot=lot.supplier_lot,
        work_order=lot.work_order,
        ops_done=list(lot.ops_done or []),
    )


def hold_ref(h: m.Hold) -> ref.HoldRef:
    return ref.HoldRef(
        id=h.id,
        target_type=h.target_type,
        target=h.target,
        reason=h.reason,
        source=h.source,
        status=h.status,
        placed_at=h.placed_at,
        placed_by=h.placed_by,
        ncr=h.ncr,
    )


def station_feed(engine: Engine, station_id: str, since: int, limit: int = 2000) -> ref.Feed:
    """One page of changes after ``since``; pass the returned cursor back as ``since``."""
    with Session(engine) as session:
        # Read the counter first: every change numbered up to it has committed.
        upto = current_rev(session)
        station = session.get(m.Station, station_id)
        pages: dict[str, list[Any]] = {
            "ops": _page(session, m.Operation, since, upto, limit),
            "work_orders": _page(session, m.WorkOrder, since, upto, limit),
            "lots": _page(session, m.Lot, since, upto, limit),
            "holds": _page(session, m.Hold, since, upto, limit),
            "operators": _page(session, m.Operator, since, upto, limit),
            "defect_codes": _page(session, m.DefectCode, since, upto, limit),
            "station": _page(session, m.Station, since, upto, limit, m.Station.id == station_id),
            # SPC refs carry their row's rev, so they are cut at the cursor like the rows above.
            "spc_signals": station_signals(session, station_id, since, upto, limit),
            "spc_limits": station_limits(session, station_id, since, upto, limit),
        }
        full_pages = [rows[-1].rev for rows in pages.values() if len(rows) >= limit]
        cursor = min(full_pages) if full_pages else upto
        for key, rows in pages.items():
            pages[key] = [r for r in rows if r.rev <= cursor]
        products = sorted({op.product for op in pages["ops"]})
        routings = [routing_ref(session, p) for p in products]
        routed_products = {
            op.product
            for op in session.execute(select(m.Operation)).scalars()
            if station_id in (op.stations or [])
        }
        made: dict[str, dict[int, float]] = {}
        if pages["work_orders"]:
            numbers = [w.number for w in pages["work_orders"]]
            for number, seq, good in session.execute(
                select(m.LotOperation.work_order, m.LotOperation.operation_seq, func.sum(m.LotOperation.good_qty))
                .where(one_of(session, m.LotOperation.work_order, numbers), m.LotOperation.skipped.is_(False))  # type: ignore[attr-defined]
                .group_by(m.LotOperation.work_order, m.LotOperation.operation_seq)
            ).all():  # fmt: skip
                made.setdefault(number, {})[int(seq)] = float(good or 0)
        work_orders = [
            ref.WorkOrderRef(
                number=w.number,
                product=w.product,
                qty=w.qty,
                status=w.status,
                completed_qty=w.completed_qty,
                kind=w.kind,
                rework_lot=w.rework_lot,
                rework_operation=w.rework_operation,
                made=made.get(w.number, {}),
            )
            for w in pages["work_orders"]
            if w.product in routed_products
        ]
        barcodes_row = session.get(m.PlantMeta, "barcodes")
        quality_row = session.get(m.PlantMeta, "quality")
        production_row = session.get(m.PlantMeta, "production")
        timezone_row = session.get(m.PlantMeta, "timezone")
        return ref.Feed(
            cursor=cursor,
            more=bool(full_pages),
            full=since == 0,
            station=(
                ref.StationRef(
                    id=station.id,
                    name=station.name,
                    line=station.line,
                    devices=list(station.devices),
                )
                if station is not None and (since == 0 or pages["station"])
                else None
            ),
            routings=routings,
            work_orders=work_orders,
            lots=[lot_ref(lot) for lot in pages["lots"]],
            holds=[hold_ref(h) for h in pages["holds"]],
            operators=[
                ref.OperatorRef(
                    badge=o.badge, name=o.name, role=o.role, pin_hash=o.pin_hash, active=o.active
                )
                for o in pages["operators"]
            ],
            defect_codes=[
                ref.DefectCodeRef(
                    code=d.code, description=d.description, severity=d.severity, reaction=d.reaction
                )
                for d in pages["defect_codes"]
            ],
            barcodes=json.loads(barcodes_row.value) if barcodes_row else {},
            quality=json.loads(quality_row.value) if quality_row else {},
            production=json.loads(production_row.value) if production_row else {},
            timezone=timezone_row.value if timezone_row else "",
            spc_signals=pages["spc_signals"],
            spc_limits=pages["spc_limits"],
        )


def latest_rev(engine: Engine) -> int:
    with Session(engine) as session:
        return current_rev(session)
