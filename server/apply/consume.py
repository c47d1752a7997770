"""A job consuming a lot: BOM, hold and quantity checks, and quality escapes."""

from __future__ import annotations

from sqlalchemy import select

from core import events as ev
from core import routing as rt
from core import status as st
from core.outcomes import Outcome
from server import models as m
from server.apply import wip
from server.apply.context import ApplyContext, Rejected
from server.apply.jobs import note_consumed, operation, routing, running_job
from server.quality import holds, lots
from server.quality.reactions import react


def on_lot_consumed(ctx: ApplyContext, p: ev.LotConsumed) -> Outcome:
    session = ctx.session
    job = running_job(ctx, p.job_id)
    lot = session.get(m.Lot, p.lot)
    if lot is None:
        raise Rejected(f"lot {p.lot} does not exist")
    wo = session.get(m.WorkOrder, job.work_order)
    assert wo is not None
    op = operation(ctx, wo.product, job.operation_seq)
    bom = {
        line.part: line.after_operation
        for line in session.execute(
            select(m.BomLine).where(m.BomLine.operation_id == op.id)
        ).scalars()
    }
    bom_parts = list(bom)
    if lot.part not in bom_parts:
        expected = ", ".join(bom_parts) or "nothing (this operation has no BOM)"
        raise Rejected(f"lot {lot.id} is part {lot.part}; operation {op.seq} consumes {expected}")
    if p.part != lot.part:
        raise Rejected(
            f"event says lot {lot.id} is part {p.part}, the server knows it as {lot.part}"
        )
    lot_holds = holds.open_for(ctx, "lot", lot.id)
    conflict: str | None = None
    # A change made earlier in this batch is newer than anything the terminal knew.
    changed_rev = (2**62) if ctx.batch.changed_here(lot) else lot.rev
    if lot_holds or lot.status == "on_hold":
        conflict = f"on hold: {holds.reasons(lot_holds)}"
        held_revs = [(2**62) if ctx.batch.changed_here(h) else h.rev for h in lot_holds]
        changed_rev = max(held_revs + [changed_rev if not lot_holds else 0])
    elif lot.status == "rework":
        conflict = "waiting for rework: run its rework work order"
    elif lot.status in ("wip", "available") and (unready := _unready(ctx, lot, bom[lot.part])):
        conflict = unready
    elif lot.status != "available" and not (lot.status == "wip" and bom[lot.part] is not None):
        conflict = lot.status
    elif p.qty > lot.qty + lots.EPS:
        conflict = f"short: {lot.qty:g} left, {p.qty:g} consumed"
    if conflict is not None:
        if p.known_rev is None or changed_rev <= p.known_rev:
            # The terminal knew (or does not say what it knew): refuse, as the operator was told.
            if conflict.startswith("short"):
                raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {p.qty:g} cannot be consumed")
            raise Rejected(
                conflict if conflict.startswith("lot ") else f"lot {lot.id} is {conflict}"
            )
        return _quality_escape(ctx, p, job, wo, lot, conflict)
    lots.take(ctx, lot, p.qty, "consumed", st.CONSUME)
    session.add(
        m.Consumption(
            job_id=job.id, lot=lot.id, part=lot.part, qty=p.qty, event_id=str(ctx.event.id)
        )
    )
    note_consumed(ctx, job, lot.id, p.qty)
    return Outcome(lot=lot.id, remaining=lot.qty, lot_status=lot.status)


def _unready(ctx: ApplyContext, lot: m.Lot, after_operation: int | None) -> str | None:
    """Why a made lot is not ready to be a component yet (its routing, or the BOM's operation)."""
    if lot.work_order is None:
        return None  # bought, or made before lots carried their routing
    return rt.use_problem(
        lot.id, lot.part, wip.steps(routing(ctx, lot.part)), lot.ops_done or [], after_operation
    )


def _quality_escape(
    ctx: ApplyContext, p: ev.LotConsumed, job: m.Job, wo: m.WorkOrder, lot: m.Lot, conflict: str
) -> Outcome:
    """A consumption decided from a stale cache conflicts with what the server knows.

    It happened on the floor, so it is applied as history; what the lot went
    into is held and supervisors are alerted (a quality escape)."""
    left = max(0.0, lot.qty - p.qty)
    lot.qty = 0.0 if left <= lots.EPS else left
    if lot.status == "available" and lot.qty == 0.0:
        lots.set_status(ctx, lot, "consumed", st.ESCAPE)
    else:
        ctx.touch(lot)
    ctx.session.add(
        m.Consumption(
            job_id=job.id, lot=lot.id, part=lot.part, qty=p.qty, event_id=str(ctx.event.id)
        )
    )
    note_consumed(ctx, job, lot.id, p.qty)
    reason = (
        f"quality escape: {ctx.station_id} consumed {p.qty:g} of lot {lot.id} into "
        f"{job.output_lot} ({wo.number}) while it was {conflict}"
    )
    reacted = react(
        ctx, ["hold_lot", "notify"], source="offline_escape", reason=reason,
        title=f"Quality escape: lot {lot.id} used while {conflict.split(':')[0]}",
        lots=[job.output_lot] if job.output_lot else [], qty=p.qty,
    )  # fmt: skip
    return reacted.model_copy(
        update={"lot": lot.id, "remaining": lot.qty, "lot_status": lot.status, "escape": conflict}
    )
