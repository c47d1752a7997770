"""Jobs at a station: who is there, starting, handing over, completing, cancelling."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select

from core import events as ev
from core import status as st
from core.outcomes import Outcome
from core.permissions import Action, may, refusal
from server import models as m
from server.apply.context import ApplyContext, Rejected
from server.quality import holds, lots


def running_job(ctx: ApplyContext, job_id: uuid.UUID) -> m.Job:
    job = ctx.session.get(m.Job, str(job_id))
    if job is None:
        raise Rejected(f"job {job_id} was never started")
    return check_running(job, ctx.station_id)


def check_running(job: m.Job, station_id: str) -> m.Job:
    if job.station_id != station_id:
        raise Rejected(f"job {job.id} runs at station {job.station_id}, not {station_id}")
    if job.status != "running":
        raise Rejected(f"job {job.id} is {job.status}")
    return job


def operation(ctx: ApplyContext, product: str, seq: int) -> m.Operation:
    op = ctx.session.execute(
        select(m.Operation).where(m.Operation.product == product, m.Operation.seq == seq)
    ).scalar_one_or_none()
    if op is None:
        raise Rejected(f"product {product} has no operation {seq}")
    return op


def planned_lot_id(station_id: str, job_id: uuid.UUID) -> str:
    """The output lot of a job whose terminal did not name one at start."""
    return f"LOT-{station_id}-{job_id.hex[:8].upper()}"


# --- people ---------------------------------------------------------------------------


def person(ctx: ApplyContext, badge: str) -> m.Operator:
    op = ctx.session.get(m.Operator, badge)
    if op is None or not op.active:
        raise Rejected(f"badge {badge} is not an active person here")
    return op


def _present(ctx: ApplyContext, badge: str, purpose: str) -> None:
    row = ctx.session.get(m.StationPresence, (ctx.station_id, badge))
    if row is None:
        row = m.StationPresence(
            station_id=ctx.station_id, badge=badge, purpose=purpose, since=ctx.occurred_at
        )
    else:
        row.purpose, row.since = purpose, ctx.occurred_at
    ctx.session.add(row)
    ctx.batch.memo.pop(f"presence:{ctx.station_id}", None)


def _clear_presence(ctx: ApplyContext) -> None:
    ctx.session.execute(
        delete(m.StationPresence).where(m.StationPresence.station_id == ctx.station_id)
    )
    ctx.batch.memo.pop(f"presence:{ctx.station_id}", None)


def on_login(ctx: ApplyContext, p: ev.OperatorLoggedIn) -> Outcome:
    op = person(ctx, p.badge)
    if ctx.operator_id not in (None, p.badge):
        raise Rejected(f"a login names the badge that logs in: {p.badge}, not {ctx.operator_id}")
    _clear_presence(ctx)
    _present(ctx, op.badge, "login")
    return Outcome(operator=op.badge, role=op.role)


def on_logout(ctx: ApplyContext, p: ev.OperatorLoggedOut) -> Outcome:
    _clear_presence(ctx)
    return Outcome(operator=p.badge)


def on_present(ctx: ApplyContext, p: ev.PersonPresent) -> Outcome:
    op = person(ctx, p.badge)
    needed = Action.INSPECT if p.purpose == "inspection" else Action.OVERRUN_APPROVE
    if not may(op.role, needed):
        raise Rejected(refusal(needed, op.badge, op.role))
    _present(ctx, op.badge, p.purpose)
    return Outcome(operator=op.badge, role=op.role)


# --- jobs -----------------------------------------------------------------------------


def on_job_started(ctx: ApplyContext, p: ev.JobStarted) -> Outcome:
    session = ctx.session
    if session.get(m.Job, str(p.job_id)) is not None:
        raise Rejected(f"job {p.job_id} was already started")
    wo = session.get(m.WorkOrder, p.work_order)
    if wo is None:
        raise Rejected(f"work order {p.work_order} does not exist")
    if wo.status in ("closed", "cancelled"):
        raise Rejected(f"work order {wo.number} is {wo.status}")
    wo_holds = holds.open_holds(session, "work_order", wo.number)
    if wo.status == "on_hold" or wo_holds:
        raise Rejected(f"work order {wo.number} is on hold: {holds.reasons(wo_holds)}")
    station_holds = holds.open_holds(session, "station", ctx.station_id)
    if station_holds:
        raise Rejected(f"station {ctx.station_id} is on hold: {holds.reasons(station_holds)}")
    op = operation(ctx, wo.product, p.operation)
    if ctx.station_id not in op.stations:
        raise Rejected(
            f"work order {wo.number} operation {op.seq} ({op.name}) is routed to "
            f"{', '.join(op.stations)}, not {ctx.station_id}"
        )
    planned = p.output_lot or planned_lot_id(ctx.station_id, p.job_id)
    if p.output_lot and session.get(m.Lot, p.output_lot) is not None:
        raise Rejected(f"output lot {p.output_lot} already exists")
    rework_lot = None
    if wo.kind == "rework" and wo.rework_lot:
        # A rework job takes the whole reworked lot; its history carries on in the output lot.
        rework_lot = session.get(m.Lot, wo.rework_lot)
        if rework_lot is None or rework_lot.status != "rework":
            raise Rejected(f"rework lot {wo.rework_lot} is not waiting for rework")
    session.add(
        m.Job(
            id=str(p.job_id),
            work_order=wo.number,
            operation_seq=op.seq,
            station_id=ctx.station_id,
            operator_id=ctx.operator_id,
            started_at=ctx.occurred_at,
            output_lot=planned,
        )
    )
    if rework_lot is not None:
        session.flush()  # the job row before the consumption that names it
        session.add(
            m.Consumption(
                job_id=str(p.job_id), lot=rework_lot.id, part=rework_lot.part,
                qty=rework_lot.qty, event_id=str(ctx.event.id),
            )
        )  # fmt: skip
        rework_lot.qty = 0.0
        lots.set_status(ctx, rework_lot, "consumed", st.REWORK)
    if wo.status == "released":
        holds.set_work_order(ctx, wo, "in_progress", st.START)
    return Outcome(job_id=str(p.job_id), operation=op.seq, operation_name=op.name, output_lot=planned)


def on_handed_over(ctx: ApplyContext, p: ev.JobHandedOver) -> Outcome:
    job = running_job(ctx, p.job_id)
    if p.to_badge != ctx.operator_id:
        raise Rejected(f"a hand-over is recorded by the operator taking over ({p.to_badge})")
    person(ctx, p.to_badge)
    job.operator_id = p.to_badge
    ctx.session.add(job)
    return Outcome(job_id=job.id, operator=p.to_badge, handed_over_from=p.from_badge)


def on_job_completed(ctx: ApplyContext, p: ev.JobCompleted) -> Outcome:
    session = ctx.session
    job = running_job(ctx, p.job_id)
    if session.get(m.Lot, p.output_lot) is not None:
        raise Rejected(f"output lot {p.output_lot} already exists")
    wo = session.get(m.WorkOrder, job.work_order)
    assert wo is not None
    if job.output_lot and job.output_lot != p.output_lot:
        holds.follow_lot(ctx, job.output_lot, p.output_lot)
    consumed = session.execute(
        select(m.Consumption.lot, func.sum(m.Consumption.qty))
        .where(m.Consumption.job_id == job.id)
        .group_by(m.Consumption.lot)
        .order_by(m.Consumption.lot)
    ).all()
    held = bool(holds.open_holds(session, "lot", p.output_lot))
    lot = m.Lot(
        id=p.output_lot,
        part=wo.product,
        qty=p.good_qty,
        initial_qty=p.good_qty,
        status=("on_hold" if held else "available") if p.good_qty > 0 else "scrapped",
        job_id=job.id,
        station_id=ctx.station_id,
        created_at=ctx.occurred_at,
    )
    ctx.touch(lot)
    session.flush()
    for parent, qty in consumed:
        session.add(
            m.GenealogyEdge(
                parent_lot=parent, child_lot=lot.id, qty=float(qty),
                kind="rework" if wo.kind == "rework" and parent == wo.rework_lot else "consume",
                event_id=str(ctx.event.id),
            )
        )  # fmt: skip
    job.status = "completed"
    job.ended_at = ctx.occurred_at
    job.output_lot = lot.id
    job.good_qty = p.good_qty
    job.scrap_qty = p.scrap_qty
    session.add(job)
    last_op = session.execute(
        select(func.max(m.Operation.seq)).where(m.Operation.product == wo.product)
    ).scalar_one()
    if job.operation_seq == last_op:
        wo.completed_qty += p.good_qty
        ctx.touch(wo)
    return Outcome(output_lot=lot.id, parents=[row[0] for row in consumed], good_qty=p.good_qty)


def on_job_cancelled(ctx: ApplyContext, p: ev.JobCancelled) -> Outcome:
    job = running_job(ctx, p.job_id)
    job.status = "cancelled"
    job.ended_at = ctx.occurred_at
    ctx.session.add(job)
    return Outcome(job_id=job.id)
