"""Holds: the one place where a hold is placed or released.

Floor holds, failed-check and critical-defect reactions, SPC containment,
recalls, quality engineers' holds and quality escapes all arrive here through
the ``HoldPlaced`` / ``HoldReleased`` handlers or a disposition; this module
keeps the held lot's and work order's status in step with its open holds.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from core import status as st
from server import models as m
from server.apply.context import ApplyContext, Batch, Rejected
from server.db import one_of
from server.quality import lots


def open_holds(session: Session, target_type: str, target: str) -> list[m.Hold]:
    return list(
        session.execute(
            select(m.Hold).where(
                m.Hold.target_type == target_type, m.Hold.target == target, m.Hold.status == "open"
            )
        ).scalars()
    )


def open_holds_on(
    session: Session, target_type: str, targets: list[str]
) -> dict[str, list[m.Hold]]:
    """Open holds on many targets of one type at once."""
    found: dict[str, list[m.Hold]] = {}
    if not targets:
        return found
    rows = session.execute(
        select(m.Hold).where(
            m.Hold.target_type == target_type,
            m.Hold.target.in_(sorted(set(targets))),  # type: ignore[attr-defined]
            m.Hold.status == "open",
        )
    ).scalars()
    for hold in rows:
        found.setdefault(hold.target, []).append(hold)
    return found


def _key(target_type: str, target: str) -> tuple[str, str, str]:
    return ("holds", target_type, target)


def open_for(ctx: ApplyContext, target_type: str, target: str) -> list[m.Hold]:
    """Open holds on one target, kept for the batch (this module keeps the list true as
    it places, releases and moves holds)."""
    memo = ctx.batch.memo
    key = _key(target_type, target)
    found = memo.get(key)
    if found is None:
        found = memo[key] = open_holds(ctx.session, target_type, target)
    return list(found)


def prefetch(session: Session, batch: Batch, targets: dict[str, set[str]]) -> None:
    """Open holds on every target a batch names, in one query (``{type: {target, ...}}``)."""
    wanted = {(t, x) for t, xs in targets.items() for x in xs}
    if not wanted:
        return
    rows = session.execute(
        select(m.Hold).where(
            m.Hold.status == "open",
            one_of(session, m.Hold.target, {x for _, x in wanted}),
        )
    ).scalars()
    found: dict[tuple[str, str], list[m.Hold]] = {pair: [] for pair in wanted}
    for hold in rows:
        found.setdefault((hold.target_type, hold.target), []).append(hold)
    for (target_type, target), held in found.items():
        batch.memo[_key(target_type, target)] = held


def _remember_placed(ctx: ApplyContext, hold: m.Hold) -> None:
    key = _key(hold.target_type, hold.target)
    if key in ctx.batch.memo:
        ctx.batch.memo[key] = [*ctx.batch.memo[key], hold]


def _forget(ctx: ApplyContext, hold: m.Hold, target: str | None = None) -> None:
    key = _key(hold.target_type, target or hold.target)
    if key in ctx.batch.memo:
        ctx.batch.memo[key] = [h for h in ctx.batch.memo[key] if h.id != hold.id]


def reasons(holds: list[m.Hold]) -> str:
    return "; ".join(dict.fromkeys(h.reason for h in holds)) or "on hold"


def who_clears(holds: list[m.Hold]) -> str:
    """Who can lift these holds, for a refusal: the NCR's disposition or a release."""
    ncrs = sorted({h.ncr for h in holds if h.ncr})
    if ncrs:
        return f"cleared by the signed disposition of {', '.join(ncrs)} (quality engineer or MRB)"
    return "released by a supervisor or quality engineer"


def lot_held(ctx: ApplyContext, lot: m.Lot) -> str | None:
    """Why ``lot`` is held, or None."""
    holds = open_for(ctx, "lot", lot.id)
    if holds or lot.status == "on_hold":
        return reasons(holds)
    return None


def pending_lot(session: Session, lot_id: str) -> m.Job | None:
    """The running job that will produce ``lot_id`` (holds may name it before it exists)."""
    return (
        session.execute(select(m.Job).where(m.Job.output_lot == lot_id, m.Job.status == "running"))
        .scalars()
        .first()
    )


def place(
    ctx: ApplyContext,
    *,
    hold_id: str,
    target_type: str,
    target: str,
    reason: str,
    source: str,
    ncr: str | None = None,
    cause_event_id: str | None = None,
) -> m.Hold | None:
    """Place one hold (once per id) and hold its lot or work order; None if it exists."""
    session = ctx.session
    if session.get(m.Hold, hold_id) is not None:
        return None
    hold = m.Hold(
        id=hold_id,
        target_type=target_type,
        target=target,
        reason=reason[:500],
        source=source,
        placed_by=ctx.operator_id,
        placed_at=ctx.occurred_at,
        event_id=str(ctx.event.id),
        ncr=ncr,
        cause_event_id=cause_event_id,
    )
    ctx.touch(hold)
    _remember_placed(ctx, hold)
    if target_type == "lot":
        lot = ctx.batch.get(m.Lot, target)
        if lot is not None and lot.status in ("available", "wip"):
            lots.set_status(ctx, lot, "on_hold", st.HOLD)
    elif target_type == "work_order":
        wo = session.get(m.WorkOrder, target)
        if wo is not None and wo.status in ("released", "in_progress"):
            set_work_order(ctx, wo, "on_hold", st.HOLD)
    session.flush()
    return hold


def release(ctx: ApplyContext, hold: m.Hold, *, cause: st.Cause = st.RELEASE) -> None:
    """Release one open hold; its lot or work order is free again when nothing else holds it."""
    try:
        st.check("hold", hold.status, "released", cause, hold.id[:8])
    except st.TransitionError as exc:
        raise Rejected(str(exc)) from None
    session = ctx.session
    hold.status = "released"
    hold.released_by = ctx.operator_id or "SERVER"
    hold.released_at = ctx.occurred_at
    ctx.touch(hold)
    _forget(ctx, hold)
    if hold.target_type == "lot":
        lot = ctx.batch.get(m.Lot, hold.target)
        if lot is not None and lot.status == "on_hold" and not open_for(ctx, "lot", lot.id):
            lots.set_status(ctx, lot, lots.status_when_free(session, lot), cause)
    elif hold.target_type == "work_order":
        wo = session.get(m.WorkOrder, hold.target)
        if wo is not None and wo.status == "on_hold" and not open_for(ctx, "work_order", wo.number):
            started = session.execute(select(m.Job.id).where(m.Job.work_order == wo.number)).first()
            set_work_order(ctx, wo, "in_progress" if started else "released", cause)


def follow_lot(ctx: ApplyContext, old_id: str, new_id: str) -> None:
    """Holds placed on a lot while it was made under a planned id follow it to its final id."""
    for hold in open_for(ctx, "lot", old_id):
        _forget(ctx, hold)
        hold.target = new_id
        ctx.touch(hold)
        _remember_placed(ctx, hold)


def set_work_order(ctx: ApplyContext, wo: m.WorkOrder, to: str, cause: st.Cause) -> None:
    if wo.status == to:
        return
    try:
        st.check("work_order", wo.status, to, cause, wo.number)
    except st.TransitionError as exc:
        raise Rejected(str(exc)) from None
    wo.status = to
    ctx.touch(wo)


def derived_hold_id(root: uuid.UUID, target: str) -> str:
    """The id of a hold placed on ``target`` because a hold ``root`` reached it through genealogy."""
    return str(uuid.uuid5(root, target))
