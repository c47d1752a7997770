"""Carrying out a reaction plan on the server: the NCR, the holds, the line stop, the notice.

The plan comes from ``core.quality.reactions`` (the kiosk uses the same
planner offline, so both name the same holds). Every reaction is a derived
event, applied at once and chained in the log right after its cause.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from core import events as ev
from core.outcomes import Outcome, ReactionOut
from core.quality.reactions import holds_of, plan_reactions, reaction_id
from server.apply.context import ApplyContext
from server.models import Hold
from server.models_quality import Ncr
from server.quality.ncrs import new_ncr_id


def react(
    ctx: ApplyContext,
    kinds: Sequence[str],
    *,
    source: str,
    reason: str,
    title: str,
    lots: Sequence[str] = (),
    units: Sequence[str] = (),
    downstream: Sequence[str] = (),
    critical: bool = False,
    qty: float = 0,
    defect_codes: list[str] | None = None,
    measurements: list[dict[str, Any]] | None = None,
    cause: uuid.UUID | None = None,
    ncr_id: str | None = None,
    open_ncr: bool = True,
) -> Outcome:
    """Carry out the plan for one failure; ``cause`` names it (default: the event applied).

    With ``ncr_id`` the holds go under that NCR (opened now unless ``open_ncr``
    is false: an NCR already open takes the new holds). A hold that already
    exists is not placed again."""
    cause_id = cause or ctx.event.id
    reactions = plan_reactions(
        cause_id, kinds, reason=reason, station=ctx.station_id, lots=lots, units=units,
        downstream=downstream,
    )  # fmt: skip
    held = holds_of(reactions)
    if held and ncr_id is None:
        ncr_id = new_ncr_id(ctx.session, ctx.occurred_at)
    if held and open_ncr:
        assert ncr_id is not None
        ctx.emit(
            ev.NcrOpened(
                ncr=ncr_id,
                title=title[:300],
                source=source[:30],
                critical=critical,
                lots=[*lots, *(d for d in downstream if d not in lots)],
                units=list(units),
                cause_event_id=ctx.event.id,
            ),
            reaction_id(cause_id, "ncr"),
        )
        ncr = ctx.session.get(Ncr, ncr_id)
        assert ncr is not None
        ncr.description = reason
        ncr.qty_affected = qty
        ncr.station_id = ctx.station_id
        ncr.defect_codes = defect_codes or []
        ncr.measurements = measurements or []
        ncr.opened_by = ctx.operator_id
        ctx.session.add(ncr)
    done: list[ReactionOut] = []
    for r in reactions:
        if r.target_type is not None:
            assert r.target is not None
            if ctx.session.get(Hold, str(r.id)) is not None:
                continue
            ctx.emit(
                ev.HoldPlaced(
                    hold_id=r.id,
                    target_type=r.target_type,
                    target=r.target,
                    reason=r.reason[:500],
                    source=source,  # type: ignore[arg-type]
                    cause_event_id=ctx.event.id,
                    ncr=ncr_id,
                ),
                reaction_id(r.id, "event"),
            )
            done.append(
                ReactionOut(
                    kind=r.kind, hold_id=str(r.id), target_type=r.target_type, target=r.target
                )
            )
        elif r.kind == "line_stop":
            ctx.emit(ev.LineStopRequested(reason=reason[:500], cause_event_id=ctx.event.id), r.id)
            done.append(ReactionOut(kind="line_stop", station=ctx.station_id))
        elif r.kind == "notify":
            ctx.emit(
                ev.SupervisorNotified(
                    kind=source[:30],
                    message=f"{ctx.station_id}: {reason}"[:1000],
                    cause_event_id=ctx.event.id,
                ),
                r.id,
            )
            done.append(ReactionOut(kind="notify"))
    return Outcome(ncr=ncr_id, reactions=done)
