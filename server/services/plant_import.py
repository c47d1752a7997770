"""Loading a plant file into the database: re-import updates, never duplicates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import plant as pf
from server import models as m
from server.services.revs import next_rev


@dataclass(slots=True)
class ImportSummary:
    plant: str
    version: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, what: str) -> None:
        target = getattr(self, bucket)
        target[what] = target.get(what, 0) + 1

    def describe(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        lines = [f"plant {self.plant} version {self.version}"]
        for kind in kinds:
            lines.append(
                f"  {kind:16} {self.created.get(kind, 0):5} new  {self.updated.get(kind, 0):5} updated"
                f"  {self.unchanged.get(kind, 0):5} unchanged"
            )
        return "\n".join(lines)


def _upsert(
    session: Session,
    summary: ImportSummary,
    what: str,
    model: type[Any],
    key: Any,
    values: dict[str, Any],
    versioned: bool = True,
) -> Any:
    row = session.get(model, key)
    if row is None:
        row = model(**values)
        if versioned:
            row.rev = next_rev(session)
        session.add(row)
        summary.count("created", what)
        return row
    changed = any(getattr(row, k) != v for k, v in values.items())
    if changed:
        for k, v in values.items():
            setattr(row, k, v)
        if versioned:
            row.rev = next_rev(session)
        session.add(row)
        summary.count("updated", what)
    else:
        summary.count("unchanged", what)
    return row


def import_plant(engine: Engine, plant: pf.Plant) -> ImportSummary:
    """Load ``plant`` in one transaction."""
    summary = ImportSummary(plant=plant.plant.id, version=plant.plant.version)
    with Session(engine) as session:
        meta = {
            "plant_id": plant.plant.id,
            "plant_name": plant.plant.name,
            "plant_version": plant.plant.version,
            "timezone": plant.plant.timezone,
            "barcodes": json.dumps(plant.grammar_overrides(), sort_keys=True),
            "quality": json.dumps(plant.quality.model_dump(), sort_keys=True),
            "production": json.dumps(plant.production.model_dump(), sort_keys=True),
        }
        for key, value in meta.items():
            _upsert(
                session,
                summary,
                "settings",
                m.PlantMeta,
                key,
                {"key": key, "value": value},
                versioned=False,
            )
        for s in plant.suppliers:
            _upsert(session, summary, "suppliers", m.Supplier, s.id, {"id": s.id, "name": s.name})
        session.flush()
        for p in plant.parts:
            _upsert(
                session,
                summary,
                "parts",
                m.Part,
                p.id,
                {
                    "id": p.id,
                    "description": p.description,
                    "kind": p.kind,
                    "unit": p.unit,
                    "supplier_id": p.supplier,
                },
            )
        for st in plant.stations:
            _upsert(
                session,
                summary,
                "stations",
                m.Station,
                st.id,
                {"id": st.id, "name": st.name, "line": st.line, "devices": st.devices},
            )
        session.flush()
        for routing in plant.routings:
            for op in routing.operations:
                _import_operation(session, summary, routing.product, op)
        for o in plant.operators:
            _upsert(
                session,
                summary,
                "operators",
                m.Operator,
                o.badge,
                {
                    "badge": o.badge,
                    "name": o.name,
                    "role": o.role,
                    "pin_hash": o.resolved_pin_hash(),
                    "active": True,
                },
            )
        for d in plant.defect_codes:
            _upsert(
                session,
                summary,
                "defect_codes",
                m.DefectCode,
                d.code,
                {
                    "code": d.code,
                    "description": d.description,
                    "severity": d.severity,
                    "reaction": d.reaction,
                },
            )
        session.flush()
        for lot in plant.lots:
            # Opening stock is created once; later quantities come from the floor.
            if session.get(m.Lot, lot.id) is None:
                session.add(
                    m.Lot(
                        id=lot.id,
                        part=lot.part,
                        qty=lot.qty,
                        initial_qty=lot.qty,
                        status=lot.status,
                        supplier_id=lot.supplier,
                        supplier_lot=lot.supplier_lot,
                        rev=next_rev(session),
                        work_order=lot.work_order,
                        ops_done=sorted(lot.ops_done),
                    )
                )
                summary.count("created", "lots")
            else:
                summary.count("unchanged", "lots")
        for wo in plant.work_orders:
            if session.get(m.WorkOrder, wo.number) is None:
                session.add(
                    m.WorkOrder(
                        number=wo.number,
                        product=wo.product,
                        qty=wo.qty,
                        status=wo.status,
                        due=wo.due,
                        rev=next_rev(session),
                    )
                )
                summary.count("created", "work_orders")
            else:
                summary.count("unchanged", "work_orders")
        session.commit()
    return summary


def _import_operation(
    session: Session, summary: ImportSummary, product: str, op: pf.Operation
) -> None:
    row = session.execute(
        select(m.Operation).where(m.Operation.product == product, m.Operation.seq == op.seq)
    ).scalar_one_or_none()
    changed = False
    shape = {"optional": op.optional, "parallel": op.parallel, "new_lot": op.new_lot}
    if row is None:
        row = m.Operation(
            product=product, seq=op.seq, name=op.name, stations=list(op.stations), **shape
        )
        session.add(row)
        session.flush()
        summary.count("created", "operations")
        changed = True
    elif (
        row.name != op.name
        or list(row.stations) != list(op.stations)
        or any(getattr(row, k) != v for k, v in shape.items())
    ):
        row.name, row.stations = op.name, list(op.stations)
        for k, v in shape.items():
            setattr(row, k, v)
        summary.count("updated", "operations")
        changed = True
    else:
        summary.count("unchanged", "operations")
    existing_bom = sorted(
        (b.part, b.qty_per, b.after_operation if b.after_operation is not None else -1)
        for b in session.execute(
            select(m.BomLine).where(m.BomLine.operation_id == row.id)
        ).scalars()
    )
    wanted_bom = sorted(
        (b.part, b.qty_per, b.after_operation if b.after_operation is not None else -1)
        for b in op.bom
    )
    if existing_bom != wanted_bom:
        session.execute(delete(m.BomLine).where(m.BomLine.operation_id == row.id))
        for part, qty, after in wanted_bom:
            session.add(
                m.BomLine(
                    operation_id=row.id,
                    part=part,
                    qty_per=qty,
                    after_operation=None if after < 0 else after,
                )
            )
        changed = True
    for ch in op.characteristics:
        values = {
            "id": ch.id,
            "operation_id": row.id,
            "name": ch.name,
            "nominal": ch.nominal,
            "lsl": ch.lsl,
            "usl": ch.usl,
            "unit": ch.unit,
            "critical": ch.critical,
            "kind": ch.kind,
            "subgroup_size": ch.subgroup_size,
            "inspection": ch.inspection.model_dump() if ch.inspection else None,
            "reaction": list(ch.reaction) if ch.reaction is not None else None,
        }
        existing = session.get(m.Characteristic, ch.id)
        if existing is None or any(getattr(existing, k) != v for k, v in values.items()):
            changed = True
        _upsert(
            session, summary, "characteristics", m.Characteristic, ch.id, values, versioned=False
        )
    if changed:
        row.rev = next_rev(session)
        session.add(row)
