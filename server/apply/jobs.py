"""Jobs at a station: who is there, starting, handing over, completing, cancelling."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlmodel import Session

from core import events as ev
from core import routing as rt
from core import status as st
from core.outcomes import OperationProgressOut, Outcome
from core.permissions import Action, may, refusal
from server import models as m
from server.apply import wip
from server.apply.context import ApplyContext, Batch, Rejected
from server.db import one_of
from server.quality import holds, lots


def running_job(ctx: ApplyContext, job_id: uuid.UUID) -> m.Job:
    job = ctx.batch.get(m.Job, str(job_id))
    if job is None:
        raise Rejected(f"job {job_id} was never started")
    return check_running(job, ctx.station_id)


def check_running(job: m.Job, station_id: str) -> m.Job:
    if job.station_id != station_id:
        raise Rejected(f"job {job.id} runs at station {job.station_id}, not {station_id}")
    if job.status != "running":
        raise Rejected(f"job {job.id} is {job.status}")
    return job


def routing(ctx: ApplyContext, product: str) -> list[m.Operation]:
    """A product's operations in order, looked up once per batch."""
    key = ("routing", product)
    ops = ctx.batch.memo.get(key)
    if ops is None:
        ops = ctx.batch.memo[key] = list(
            ctx.session.execute(
                select(m.Operation).where(m.Operation.product == product).order_by(m.Operation.seq)
            ).scalars()
        )
    return ops  # type: ignore[no-any-return]


def operation(ctx: ApplyContext, product: str, seq: int) -> m.Operation:
    op = next((o for o in routing(ctx, product) if o.seq == seq), None)
    if op is None:
        raise Rejected(f"product {product} has no operation {seq}")
    return op


def consumed_by(ctx: ApplyContext, job: m.Job) -> list[tuple[str, float]]:
    """What a job consumed, lot by lot (in lot order)."""
    known = ctx.batch.memo.get(("consumed", job.id))
    if known is not None:
        return sorted(known.items())
    return [
        (lot, float(qty))
        for lot, qty in ctx.session.execute(
            select(m.Consumption.lot, func.sum(m.Consumption.qty))
            .where(m.Consumption.job_id == job.id)
            .group_by(m.Consumption.lot)
            .order_by(m.Consumption.lot)
        ).all()
    ]


def note_consumed(ctx: ApplyContext, job: m.Job, lot: str, qty: float) -> None:
    """Keep a job's consumption known for the rest of the batch."""
    known = ctx.batch.memo.get(("consumed", job.id))
    if known is not None:
        known[lot] = known.get(lot, 0.0) + qty


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
    if ctx.batch.get(m.Job, str(p.job_id)) is not None:
        raise Rejected(f"job {p.job_id} was already started")
    wo = ctx.batch.get(m.WorkOrder, p.work_order)
    if wo is None:
        raise Rejected(f"work order {p.work_order} does not exist")
    if wo.status in ("closed", "cancelled"):
        raise Rejected(f"work order {wo.number} is {wo.status}")
    wo_holds = holds.open_for(ctx, "work_order", wo.number)
    if wo.status == "on_hold" or wo_holds:
        raise Rejected(f"work order {wo.number} is on hold: {holds.reasons(wo_holds)}")
    station_holds = holds.open_for(ctx, "station", ctx.station_id)
    if station_holds:
        raise Rejected(f"station {ctx.station_id} is on hold: {holds.reasons(station_holds)}")
    op = operation(ctx, wo.product, p.operation)
    if ctx.station_id not in op.stations:
        raise Rejected(
            f"work order {wo.number} operation {op.seq} ({op.name}) is routed to "
            f"{', '.join(op.stations)}, not {ctx.station_id}"
        )
    rework_lot = None
    wip_lot = None
    if wo.kind == "rework" and wo.rework_lot:
        # A rework job takes the whole reworked lot; its history carries on in the output lot.
        rework_lot = session.get(m.Lot, wo.rework_lot)
        if rework_lot is None or rework_lot.status != "rework":
            raise Rejected(f"rework lot {wo.rework_lot} is not waiting for rework")
    else:
        wip_lot = wip.check_start(ctx, p, wo, routing(ctx, wo.product), op)
    if wip_lot is not None and not op.new_lot:
        planned = wip_lot.id  # the lot carries its identity through the operation
    else:
        planned = p.output_lot or planned_lot_id(ctx.station_id, p.job_id)
        if p.output_lot and ctx.batch.get(m.Lot, p.output_lot) is not None:
            raise Rejected(f"output lot {p.output_lot} already exists")
    job = m.Job(
        id=str(p.job_id),
        work_order=wo.number,
        operation_seq=op.seq,
        station_id=ctx.station_id,
        operator_id=ctx.operator_id,
        started_at=ctx.occurred_at,
        output_lot=planned,
        input_lot=wip_lot.id if wip_lot is not None else None,
    )
    session.add(job)
    ctx.batch.remember(job, job.id)
    ctx.batch.memo[("consumed", job.id)] = {}  # a new job: what it consumes is all in this batch
    if rework_lot is not None:
        session.flush()  # the job row before the consumption that names it
        session.add(
            m.Consumption(
                job_id=str(p.job_id), lot=rework_lot.id, part=rework_lot.part,
                qty=rework_lot.qty, event_id=str(ctx.event.id),
            )
        )  # fmt: skip
        note_consumed(ctx, job, rework_lot.id, rework_lot.qty)
        rework_lot.qty = 0.0
        lots.set_status(ctx, rework_lot, "consumed", st.REWORK)
    if wo.status == "released":
        holds.set_work_order(ctx, wo, "in_progress", st.START)
    out = Outcome(
        job_id=str(p.job_id), operation=op.seq, operation_name=op.name, output_lot=planned,
        input_lot=wip_lot.id if wip_lot is not None else None, skipped=list(p.skip) or None,
    )  # fmt: skip
    escaped = wip.escape(ctx, p, wo, op)
    if escaped is not None:
        out = escaped.model_copy(
            update={**out.model_dump(exclude_unset=True), "escape": "lot on hold"}
        )
    return out


def on_handed_over(ctx: ApplyContext, p: ev.JobHandedOver) -> Outcome:
    job = running_job(ctx, p.job_id)
    if p.to_badge != ctx.operator_id:
        raise Rejected(f"a hand-over is recorded by the operator taking over ({p.to_badge})")
    person(ctx, p.to_badge)
    job.operator_id = p.to_badge
    ctx.session.add(job)
    return Outcome(job_id=job.id, operator=p.to_badge, handed_over_from=p.from_badge)


def on_job_completed(ctx: ApplyContext, p: ev.JobCompleted) -> Outcome:
    job = running_job(ctx, p.job_id)
    wo = ctx.batch.get(m.WorkOrder, job.work_order)
    assert wo is not None
    ops = routing(ctx, wo.product)
    op = operation(ctx, wo.product, job.operation_seq)
    taken = ctx.batch.get(m.Lot, job.input_lot) if job.input_lot else None
    wip.check_quantities(ctx, p, job, wo, taken)
    if taken is not None and not op.new_lot:
        lot = wip.carry_on(ctx, p, job, wo, ops, taken)
        parents: list[str] = []
    else:
        lot, parents = _new_lot(ctx, p, job, wo, ops, taken)
    job.status = "completed"
    job.ended_at = ctx.occurred_at
    job.output_lot = lot.id
    job.good_qty = p.good_qty
    job.scrap_qty = p.scrap_qty
    ctx.session.add(job)
    if job.operation_seq == ops[-1].seq:
        wo.completed_qty += p.good_qty
    ctx.touch(wo)  # its progress per operation changed: stations learn it from the feed
    route = wip.steps(ops)
    done = list(lot.ops_done or [])
    return Outcome(
        output_lot=lot.id, parents=parents, good_qty=p.good_qty, lot_status=lot.status,
        routing=OperationProgressOut(
            done=done, next=[s.seq for s in rt.next_operations(route, done)],
            finished=rt.finished(route, done),
        ),
    )  # fmt: skip


def _new_lot(
    ctx: ApplyContext,
    p: ev.JobCompleted,
    job: m.Job,
    wo: m.WorkOrder,
    ops: list[m.Operation],
    taken: m.Lot | None,
) -> tuple[m.Lot, list[str]]:
    """The lot an operation makes: from its material, or from the lot it took (``new_lot``)."""
    if ctx.batch.get(m.Lot, p.output_lot) is not None:
        raise Rejected(f"output lot {p.output_lot} already exists")
    if job.output_lot and job.output_lot != p.output_lot:
        holds.follow_lot(ctx, job.output_lot, p.output_lot)
    consumed = consumed_by(ctx, job)
    done = [job.operation_seq]
    if taken is not None:
        # The operation turns the lot it took into a new one: an edge keeps the trace whole.
        if job.operation_seq in (taken.ops_done or []):
            raise Rejected(f"op {job.operation_seq} is already done on lot {taken.id}")
        done = sorted({*(taken.ops_done or []), job.operation_seq})
        consumed = [*consumed, (taken.id, taken.qty)]
        for hold in holds.open_for(ctx, "lot", taken.id):
            holds.place(
                ctx, hold_id=holds.derived_hold_id(uuid.UUID(hold.id), p.output_lot), target_type="lot",
                target=p.output_lot, reason=hold.reason, source=hold.source, ncr=hold.ncr,
            )  # fmt: skip
        qty_in = taken.qty
        lots.take(ctx, taken, taken.qty, "worked on", st.TRANSFORM)
    else:
        qty_in = p.good_qty + p.scrap_qty
    wip.record(ctx, p, job, wo, p.output_lot, qty_in)
    held = bool(holds.open_for(ctx, "lot", p.output_lot))
    kind = "rework" if wo.kind == "rework" else None
    lot = m.Lot(
        id=p.output_lot,
        part=wo.product,
        qty=p.good_qty,
        initial_qty=p.good_qty,
        status=wip.initial_status(ops, done, p.good_qty, held)
        if kind is None
        else (("on_hold" if held else "available") if p.good_qty > 0 else "scrapped"),
        job_id=job.id,
        station_id=ctx.station_id,
        created_at=ctx.occurred_at,
        work_order=wo.number if kind is None else None,
        ops_done=done if kind is None else [],
    )
    ctx.touch(lot)
    ctx.batch.remember(lot, lot.id)
    for parent, qty in consumed:
        ctx.session.add(
            m.GenealogyEdge(
                parent_lot=parent, child_lot=lot.id, qty=float(qty),
                kind="rework" if kind and parent == wo.rework_lot else
                ("operation" if taken is not None and parent == taken.id else "consume"),
                event_id=str(ctx.event.id),
            )
        )  # fmt: skip
    return lot, [row[0] for row in consumed]


def on_job_cancelled(ctx: ApplyContext, p: ev.JobCancelled) -> Outcome:
    job = running_job(ctx, p.job_id)
    job.status = "cancelled"
    job.ended_at = ctx.occurred_at
    ctx.session.add(job)
    return Outcome(job_id=job.id)


def prefetch(
    session: Session, batch: Batch, lots: set[str], orders: set[str], completing: set[str]
) -> None:
    """The lots and work orders a batch's events name (absent ones too), the routings of
    their products and what the jobs completing in it consumed: one query each."""
    if lots:
        found = {
            lot.id: lot
            for lot in session.execute(
                select(m.Lot).where(one_of(session, m.Lot.id, lots))
            ).scalars()
        }
        for lot_id in lots:
            batch.remember_as(m.Lot, lot_id, found.get(lot_id))
    found_wo: dict[str, m.WorkOrder] = {}
    if orders:
        found_wo = {
            wo.number: wo
            for wo in session.execute(
                select(m.WorkOrder).where(one_of(session, m.WorkOrder.number, orders))
            ).scalars()
        }
        for number in orders:
            batch.remember_as(m.WorkOrder, number, found_wo.get(number))
    products = {wo.product for wo in found_wo.values()} if orders else set()
    products |= {
        row.product
        for key, row in batch.memo.items()
        if key[0] == "row" and key[1] is m.WorkOrder and row is not None
    }
    if products:
        ops: dict[str, list[m.Operation]] = {p: [] for p in products}
        for op in session.execute(
            select(m.Operation)
            .where(one_of(session, m.Operation.product, products))
            .order_by(m.Operation.product, m.Operation.seq)
        ).scalars():
            ops[op.product].append(op)
        for product, rows in ops.items():
            batch.memo[("routing", product)] = rows
    known = [j for j in completing if batch.memo.get(("row", m.Job, j)) is not None]
    if known:
        consumed: dict[str, dict[str, float]] = {j: {} for j in known}
        for job_id, lot, qty in session.execute(
            select(m.Consumption.job_id, m.Consumption.lot, func.sum(m.Consumption.qty))
            .where(one_of(session, m.Consumption.job_id, known))
            .group_by(m.Consumption.job_id, m.Consumption.lot)
        ).all():
            consumed[job_id][lot] = float(qty)
        for job_id, lots_ in consumed.items():
            batch.memo[("consumed", job_id)] = lots_
