"""Lot status and quantity changes: every writer goes through here and ``core.status``."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from core import routing as rt
from core import status as st
from server import models as m
from server.apply.context import ApplyContext, Rejected

EPS = 1e-9


def set_status(ctx: ApplyContext, lot: m.Lot, to: str, cause: st.Cause) -> None:
    """Move ``lot`` to status ``to``; a transition the table lacks is refused."""
    if lot.status == to:
        ctx.touch(lot)
        return
    try:
        st.check("lot", lot.status, to, cause, lot.id)
    except st.TransitionError as exc:
        raise Rejected(str(exc)) from None
    lot.status = to
    ctx.touch(lot)


def routing_steps(session: Session, product: str) -> list[rt.Step]:
    ops = session.execute(
        select(m.Operation).where(m.Operation.product == product).order_by(m.Operation.seq)
    ).scalars()
    return [rt.Step(o.seq, o.name, bool(o.optional), bool(o.parallel)) for o in ops]


def routing_left(session: Session, lot: m.Lot) -> bool:
    """True when ``lot`` is work in process: made by a work order whose routing is not done."""
    if lot.work_order is None:
        return False
    return not rt.finished(routing_steps(session, lot.part), lot.ops_done or [])


def status_when_free(session: Session, lot: m.Lot) -> str:
    """What a lot is once no hold is on it."""
    return st.lot_status_when_free(routing_left(session, lot), lot.qty)


def take(ctx: ApplyContext, lot: m.Lot, qty: float, doing: str, cause: st.Cause) -> None:
    """Take ``qty`` out of ``lot``; it is consumed when nothing is left."""
    if qty > lot.qty + EPS:
        raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {qty:g} cannot be {doing}")
    left = lot.qty - qty
    if left <= EPS:
        if lot.status != "consumed" and not st.allowed("lot", lot.status, "consumed", cause):
            raise Rejected(f"lot {lot.id} is {lot.status.replace('_', ' ')}: it cannot be {doing}")
        lot.qty = 0.0
        set_status(ctx, lot, "consumed", cause)
    else:
        lot.qty = left
        ctx.touch(lot)
