"""Events in plain words, for the operator (refusals) and the replay log; and what the
operator is told when something changes at the station without an entry (a release)."""

from __future__ import annotations

from typing import Any

from core.flow import OperatorMessage, Prompt, ReferenceData
from core.flow.quality import HoldNotice, StationHeld


def _q(value: Any) -> str:
    try:
        return f"{round(float(value), 6):g}"
    except (TypeError, ValueError):
        return str(value)


def describe_event(event_type: str, payload: dict[str, Any]) -> str:
    p = payload
    match event_type:
        case "OperatorLoggedIn":
            return f"login of {p.get('badge')}"
        case "OperatorLoggedOut":
            return f"logout of {p.get('badge')}"
        case "JobStarted":
            return f"start of work order {p.get('work_order')} op {p.get('operation')}"
        case "LotConsumed":
            return f"use of {_q(p.get('qty'))} {p.get('part')} from lot {p.get('lot')}"
        case "MeasurementRecorded":
            value = f"{_q(p.get('value'))} {p.get('unit', '')}".rstrip()
            return f"measurement {p.get('characteristic')} = {value}"
        case "DefectFlagged":
            return f"defect {p.get('code')} × {_q(p.get('qty'))}"
        case "JobCompleted":
            return f"completion with output lot {p.get('output_lot')}"
        case "JobCancelled":
            return "job cancellation"
        case _:
            return event_type


def released(before: Prompt, after: Prompt, reference: ReferenceData) -> OperatorMessage | None:
    """What the operator is told when a hold notice goes away without an entry (the feed
    brought the release while it was up); None when nothing was released."""
    if isinstance(after, StationHeld):
        return None
    if isinstance(before, StationHeld):
        if isinstance(after, HoldNotice):  # what the job touches may still be held
            return OperatorMessage.ok("Quality released the station.")
        return OperatorMessage.ok("Quality released the station: work can go on.")
    if isinstance(before, HoldNotice) and not reference.open_holds(
        before.target_type, before.target
    ):
        what = {"lot": "Lot", "work_order": "Work order", "unit": "Unit"}.get(before.target_type)
        return OperatorMessage.ok(f"{what or ''} {before.target} is released from hold.".strip())
    return None
