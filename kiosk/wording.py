"""Events in plain words, for the operator (refusals) and the replay log."""

from __future__ import annotations

from typing import Any


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
