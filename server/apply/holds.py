"""Placing and releasing holds by event: checks who may, then ``server.quality.holds`` does it."""

from __future__ import annotations

from core import events as ev
from core.outcomes import Outcome
from core.permissions import Action, may, refusal
from server import models as m
from server.apply.context import ApplyContext, Rejected
from server.genealogy import downstream_lots
from server.models_quality import Ncr
from server.quality import holds


def _line_of(ctx: ApplyContext, station_id: str) -> str | None:
    station = ctx.session.get(m.Station, station_id)
    return station.line if station is not None else None


def _check_station_scope(ctx: ApplyContext, p: ev.HoldPlaced) -> None:
    """A station holds material and itself, or a station or work order of its own line."""
    if ctx.sender.kind != "station":
        return
    if p.source != "manual":
        raise Rejected(
            f"a station places manual holds only; {p.source.replace('_', ' ')} holds are "
            "placed by the server"
        )
    line = _line_of(ctx, ctx.sender.station_id)
    if p.target_type == "station" and p.target != ctx.sender.station_id:
        if _line_of(ctx, p.target) != line or not line:
            raise Rejected(
                f"station {ctx.sender.station_id} may hold stations of its own line only, "
                f"not {p.target}"
            )
    if p.target_type == "work_order":
        wo = ctx.session.get(m.WorkOrder, p.target)
        if wo is not None:
            ops = ctx.session.query(m.Operation).filter(m.Operation.product == wo.product).all()
            lines = {_line_of(ctx, s) for op in ops for s in op.stations}
            if line not in lines:
                raise Rejected(
                    f"work order {wo.number} does not run on line {line or '?'}: hold it "
                    "from a station of its line or from the console"
                )


def on_hold_placed(ctx: ApplyContext, p: ev.HoldPlaced) -> Outcome:
    session = ctx.session
    if session.get(m.Hold, str(p.hold_id)) is not None:
        raise Rejected(f"hold {p.hold_id} already exists")
    if p.source == "manual":
        who = session.get(m.Operator, ctx.operator_id or "")
        if who is None or not who.active or not may(who.role, Action.HOLD_PLACE):
            raise Rejected(refusal(Action.HOLD_PLACE, ctx.operator_id, who.role if who else None))
    _check_station_scope(ctx, p)
    targets = [p.target]
    if p.target_type == "lot":
        if session.get(m.Lot, p.target) is None and holds.pending_lot(session, p.target) is None:
            raise Rejected(f"lot {p.target} does not exist")
        if p.include_downstream:
            targets += sorted(downstream_lots(session, [p.target], include_self=False))
    elif p.target_type == "station" and session.get(m.Station, p.target) is None:
        raise Rejected(f"station {p.target} does not exist")
    elif p.target_type == "work_order" and session.get(m.WorkOrder, p.target) is None:
        raise Rejected(f"work order {p.target} does not exist")
    placed = []
    for i, target in enumerate(targets):
        hold = holds.place(
            ctx,
            hold_id=str(p.hold_id) if i == 0 else holds.derived_hold_id(p.hold_id, target),
            target_type=p.target_type,
            target=target,
            reason=p.reason if i == 0 else f"{p.reason} (made from {p.target})",
            source=p.source,
            ncr=p.ncr,
            cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        )
        if hold is not None:
            placed.append(target)
    return Outcome(hold_id=str(p.hold_id), target=p.target, held=placed)


def on_hold_released(ctx: ApplyContext, p: ev.HoldReleased) -> Outcome:
    session = ctx.session
    hold = session.get(m.Hold, str(p.hold_id))
    if hold is None or hold.status != "open":
        raise Rejected(f"hold {p.hold_id} is not open")
    who = session.get(m.Operator, ctx.operator_id or "")
    if who is None or not who.active or not may(who.role, Action.HOLD_RELEASE):
        raise Rejected(refusal(Action.HOLD_RELEASE, ctx.operator_id, who.role if who else None))
    if hold.ncr:
        ncr = session.get(Ncr, hold.ncr)
        if ncr is not None and ncr.status != "closed":
            raise Rejected(
                f"hold belongs to {hold.ncr}: it is released by the NCR's signed disposition"
            )
    holds.release(ctx, hold)
    return Outcome(hold_id=hold.id)
