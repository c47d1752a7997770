"""A work order's progress per operation: done, in process, waiting and remaining.

Counted from the lots' routing records (``LotOperation``) and the lots still in the
routing, so each unit is counted once at each operation it went through.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session

from core import routing as rt
from server import models as m


class OperationProgress(BaseModel):
    seq: int
    name: str
    stations: list[str]
    optional: bool = False
    parallel: bool = False
    good: float = 0  # units that came out good from this operation
    scrap: float = 0
    skipped_lots: int = 0
    in_process: float = 0  # units in lots this operation is running on now
    waiting: float = 0  # units in lots ready for this operation
    held: float = 0  # units in held lots that would be next for this operation
    remaining: float = 0  # ordered units not yet through this operation


def work_order_progress(session: Session, wo: m.WorkOrder) -> list[OperationProgress]:
    ops = list(
        session.execute(
            select(m.Operation).where(m.Operation.product == wo.product).order_by(m.Operation.seq)
        ).scalars()
    )
    steps = [rt.Step(o.seq, o.name, bool(o.optional), bool(o.parallel)) for o in ops]
    rows = {
        o.seq: OperationProgress(
            seq=o.seq, name=o.name, stations=list(o.stations), optional=bool(o.optional), parallel=bool(o.parallel)
        )
        for o in ops
    }  # fmt: skip
    for seq, skipped, good, scrap, count in session.execute(
        select(
            m.LotOperation.operation_seq, m.LotOperation.skipped, func.sum(m.LotOperation.good_qty),
            func.sum(m.LotOperation.scrap_qty), func.count(),
        ).where(m.LotOperation.work_order == wo.number)
        .group_by(m.LotOperation.operation_seq, m.LotOperation.skipped)
    ).all():  # fmt: skip
        row = rows.get(seq)
        if row is None:
            continue
        if skipped:
            row.skipped_lots += int(count)
        else:
            row.good += float(good or 0)
            row.scrap += float(scrap or 0)
    running = {
        lot: seq
        for lot, seq in session.execute(
            select(m.Job.input_lot, m.Job.operation_seq).where(
                m.Job.work_order == wo.number,
                m.Job.status == "running",
                m.Job.input_lot.is_not(None),  # type: ignore[union-attr]
            )
        ).all()
    }
    for lot in session.execute(
        select(m.Lot).where(m.Lot.work_order == wo.number, m.Lot.status.in_(["wip", "on_hold"]))  # type: ignore[attr-defined]
    ).scalars():
        if lot.id in running and running[lot.id] in rows:
            rows[running[lot.id]].in_process += lot.qty
            continue
        for step in rt.next_operations(steps, lot.ops_done or []):
            if lot.status == "on_hold":
                rows[step.seq].held += lot.qty
            else:
                rows[step.seq].waiting += lot.qty
    for row in rows.values():
        row.remaining = max(0.0, round(wo.qty - row.good, 6))
    return list(rows.values())
