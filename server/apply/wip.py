"""Work in process: a lot moving through its work order's routing.

A lot keeps its identity from the first operation to the last (unless an operation
is marked ``new_lot``, which makes a new lot with a genealogy edge from the one it
took). Each operation done on it is a ``LotOperation`` row and an entry in
``Lot.ops_done``. The ordering rules and their wording live in ``core.routing``,
shared with the kiosk; this module applies them to the database.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from core import events as ev
from core import routing as rt
from core import status as st
from core.outcomes import Outcome
from core.permissions import Action, may, refusal
from server import models as m
from server.apply.authority import present_at
from server.apply.context import ApplyContext, Rejected
from server.quality import holds, lots
from server.quality.reactions import react

EPS = 1e-9


def overrun_tolerance(ctx: ApplyContext) -> float:
    """The plant file's ``[production] overrun_tolerance`` (a fraction of the ordered quantity)."""
    key = ("setting", "production")
    if key not in ctx.batch.memo:
        row = ctx.session.get(m.PlantMeta, "production")
        ctx.batch.memo[key] = json.loads(row.value) if row else {}
    return float(ctx.batch.memo[key].get("overrun_tolerance", 0.0))


def steps(ops: list[m.Operation]) -> list[rt.Step]:
    return [rt.Step(o.seq, o.name, bool(o.optional), bool(o.parallel)) for o in ops]


def approver(ctx: ApplyContext, badge: str | None, action: Action, doing: str) -> str:
    """The person approving ``doing`` here: present at the station and allowed to."""
    if not badge:
        raise Rejected(f"{doing} needs a supervisor's approval: their badge and PIN at the station")
    who = ctx.batch.get(m.Operator, badge)
    if who is None or not who.active:
        raise Rejected(f"badge {badge} is not an active person here")
    if not may(who.role, action):
        raise Rejected(refusal(action, badge, who.role))
    if badge not in present_at(ctx.session, ctx.batch, ctx.station_id):
        raise Rejected(f"{badge} ({who.name}) must badge in at {ctx.station_id} to approve {doing}")
    return badge


def running_on(ctx: ApplyContext, lot_id: str) -> m.Job | None:
    """The job running on a work-in-process lot, if any."""
    for key, row in ctx.batch.memo.items():
        if key[0] == "row" and key[1] is m.Job and row is not None:
            if row.input_lot == lot_id and row.status == "running":
                return row  # type: ignore[no-any-return]
    return (
        ctx.session.execute(
            select(m.Job).where(m.Job.input_lot == lot_id, m.Job.status == "running")
        )
        .scalars()
        .first()
    )


def check_start(
    ctx: ApplyContext, p: ev.JobStarted, wo: m.WorkOrder, ops: list[m.Operation], op: m.Operation
) -> m.Lot | None:
    """The lot operation ``op`` works on (None: it starts a new lot), or a refusal."""
    route = steps(ops)
    if p.lot is None:
        if p.skip:
            raise Rejected("a skip names the lot it skips operations of")
        if op.seq in rt.first_stage(route):
            return None
        before = rt.missing_before(route, op.seq, ())
        raise Rejected(
            f"op {op.seq} ({op.name}) works on a lot that has been through {rt.describe(before)}: "
            "scan that lot's traveler"
        )
    lot = ctx.batch.get(m.Lot, p.lot)
    if lot is None:
        raise Rejected(f"lot {p.lot} does not exist: check the traveler")
    if lot.part != wo.product:
        raise Rejected(f"lot {lot.id} is {lot.part}; work order {wo.number} makes {wo.product}")
    if lot.work_order not in (None, wo.number):
        raise Rejected(f"lot {lot.id} belongs to work order {lot.work_order}, not {wo.number}")
    held = holds.open_for(ctx, "lot", lot.id)
    if held or lot.status == "on_hold":
        revs = [(2**62) if ctx.batch.changed_here(h) else h.rev for h in held]
        changed = max(revs) if revs else ((2**62) if ctx.batch.changed_here(lot) else lot.rev)
        if p.known_rev is None or changed <= p.known_rev:
            raise Rejected(
                f"lot {lot.id} is on hold ({holds.reasons(held)}): it must be "
                f"{holds.who_clears(held)} before op {op.seq}"
            )
        # Held after the terminal last synced: the start happened, a quality escape.
        ctx.batch.memo[("escape", str(p.job_id))] = f"on hold: {holds.reasons(held)}"
    elif lot.status not in ("wip", "available"):
        raise Rejected(
            f"lot {lot.id} is {lot.status.replace('_', ' ')}: no operation can start on it"
        )
    if lot.qty <= EPS:
        raise Rejected(f"lot {lot.id} is empty")
    busy = running_on(ctx, lot.id)
    if busy is not None:
        raise Rejected(
            f"op {busy.operation_seq} is running on lot {lot.id} at {busy.station_id}: "
            "it must be completed first"
        )
    done = list(lot.ops_done or [])
    problem = rt.start_problem(lot.id, route, op.seq, done, p.skip)
    if problem and ("escape", str(p.job_id)) in ctx.batch.memo and op.seq not in done:
        problem = None  # the escape is the finding; the routing record shows the gap
    if problem:
        raise Rejected(f"{problem}; a supervisor can approve skipping it, with a reason")
    if p.skip:
        wanted = {s.seq for s in rt.skippable(route, op.seq, done)}
        extra = sorted(set(p.skip) - wanted)
        if extra:
            raise Rejected(
                f"op {', '.join(map(str, extra))} is not in the way of op {op.seq} on lot {lot.id}"
            )
        if not p.skip_reason.strip():
            raise Rejected("skipping an operation needs a reason")
        who = approver(
            ctx,
            p.approved_by,
            Action.OPERATION_SKIP,
            f"skipping op {rt.describe([s for s in route if s.seq in wanted])}",
        )
        for seq in sorted(wanted):
            ctx.session.add(
                m.LotOperation(
                    lot=lot.id, work_order=wo.number, operation_seq=seq, station_id=ctx.station_id,
                    operator_id=ctx.operator_id, started_at=ctx.occurred_at, ended_at=ctx.occurred_at,
                    skipped=True, reason=p.skip_reason.strip(), approved_by=who, event_id=str(ctx.event.id),
                )
            )  # fmt: skip
        lot.ops_done = sorted({*done, *wanted})
    if lot.work_order is None:
        lot.work_order = wo.number
    ctx.touch(lot)
    return lot


def escape(ctx: ApplyContext, p: ev.JobStarted, wo: m.WorkOrder, op: m.Operation) -> Outcome | None:
    """The quality escape of a start made offline on a lot held meanwhile, if it was one."""
    conflict = ctx.batch.memo.pop(("escape", str(p.job_id)), None)
    if conflict is None or p.lot is None:
        return None
    reason = (
        f"quality escape: {ctx.station_id} started op {op.seq} of {wo.number} on lot {p.lot} "
        f"while it was {conflict}"
    )
    return react(
        ctx, ["hold_lot", "notify"], source="offline_escape", reason=reason,
        title=f"Quality escape: op {op.seq} started on held lot {p.lot}", lots=[p.lot],
    )  # fmt: skip


def made_at(ctx: ApplyContext, wo: m.WorkOrder, seq: int) -> float:
    """Good units a work order's lots have through operation ``seq`` so far."""
    key = ("made", wo.number, seq)
    if key not in ctx.batch.memo:
        ctx.batch.memo[key] = float(
            ctx.session.execute(
                select(func.coalesce(func.sum(m.LotOperation.good_qty), 0.0)).where(
                    m.LotOperation.work_order == wo.number,
                    m.LotOperation.operation_seq == seq,
                    m.LotOperation.skipped.is_(False),  # type: ignore[attr-defined]
                )
            ).scalar_one()
        )
    return ctx.batch.memo[key]  # type: ignore[no-any-return]


def check_quantities(
    ctx: ApplyContext, p: ev.JobCompleted, job: m.Job, wo: m.WorkOrder, lot: m.Lot | None
) -> None:
    """Good + scrap within what came in; an over-run beyond the plant's tolerance approved."""
    if lot is not None and p.good_qty + p.scrap_qty > lot.qty + EPS:
        raise Rejected(
            f"good {p.good_qty:g} + scrap {p.scrap_qty:g} is more than the {lot.qty:g} that came "
            f"in on lot {lot.id}"
        )
    tolerance = overrun_tolerance(ctx)
    over = rt.overrun_problem(
        wo.number, wo.qty, made_at(ctx, wo, job.operation_seq), p.good_qty, tolerance
    )
    if over:
        approver(ctx, p.overrun_approved_by, Action.OVERRUN_APPROVE, f"an over-run ({over})")


def record(
    ctx: ApplyContext, p: ev.JobCompleted, job: m.Job, wo: m.WorkOrder, lot_id: str, qty_in: float
) -> None:
    """The operation's completion on the lot's routing record."""
    ctx.session.add(
        m.LotOperation(
            lot=lot_id, work_order=wo.number, operation_seq=job.operation_seq, job_id=job.id,
            station_id=ctx.station_id, operator_id=ctx.operator_id, qty_in=qty_in,
            good_qty=p.good_qty, scrap_qty=p.scrap_qty, started_at=job.started_at,
            ended_at=ctx.occurred_at, approved_by=p.overrun_approved_by, event_id=str(ctx.event.id),
        )
    )  # fmt: skip
    key = ("made", wo.number, job.operation_seq)
    if key in ctx.batch.memo:
        ctx.batch.memo[key] += p.good_qty


def finished(ops: list[m.Operation], done: list[int]) -> bool:
    return rt.finished(steps(ops), done)


def carry_on(
    ctx: ApplyContext,
    p: ev.JobCompleted,
    job: m.Job,
    wo: m.WorkOrder,
    ops: list[m.Operation],
    lot: m.Lot,
) -> m.Lot:
    """Operation done on a lot that keeps its identity: its quantity, record and status."""
    if p.output_lot != lot.id:
        raise Rejected(
            f"op {job.operation_seq} keeps lot {lot.id}: complete it as {lot.id}, not {p.output_lot}"
        )
    if job.operation_seq in (lot.ops_done or []):
        raise Rejected(f"op {job.operation_seq} is already done on lot {lot.id}")
    qty_in = lot.qty
    record(ctx, p, job, wo, lot.id, qty_in)
    lot.ops_done = sorted({*(lot.ops_done or []), job.operation_seq})
    lot.qty = p.good_qty
    held = bool(holds.open_for(ctx, "lot", lot.id)) or lot.status == "on_hold"
    if p.good_qty <= EPS:
        lots.set_status(ctx, lot, "scrapped", st.SCRAP_AT_OPERATION)
    elif not held:
        done = finished(ops, lot.ops_done)
        lots.set_status(
            ctx,
            lot,
            "available" if done else "wip",
            st.FINISH_ROUTING if done else st.COMPLETE_OPERATION,
        )
    ctx.touch(lot)
    return lot


def initial_status(ops: list[m.Operation], done: list[int], good: float, held: bool) -> str:
    """The status of a lot an operation makes."""
    if good <= EPS:
        return "scrapped"
    if held:
        return "on_hold"
    return "available" if finished(ops, done) else "wip"
