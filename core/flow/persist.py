"""The station state as JSON, so the kiosk can resume a job after a restart."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from core.flow.state import (
    PROMPT_TYPES,
    CompletedJob,
    Job,
    OperatorSession,
    Prompt,
    ScanBadge,
    StationState,
)

_OPERATOR = TypeAdapter(OperatorSession | None)
_JOB = TypeAdapter(Job | None)
_COMPLETED = TypeAdapter(CompletedJob | None)
_PROMPTS: dict[type[Prompt], TypeAdapter[Any]] = {}

FORMAT = 1


def _prompt_adapter(cls: type[Prompt]) -> TypeAdapter[Any]:
    if cls not in _PROMPTS:
        _PROMPTS[cls] = TypeAdapter(cls)
    return _PROMPTS[cls]


def state_to_json(state: StationState) -> str:
    prompt = state.prompt
    data = {
        "format": FORMAT,
        "station_id": state.station_id,
        "operator": _OPERATOR.dump_python(state.operator, mode="json"),
        "job": _JOB.dump_python(state.job, mode="json"),
        "prompt": {
            "kind": prompt.kind,
            **_prompt_adapter(type(prompt)).dump_python(prompt, mode="json"),
        },
        "last_activity": state.last_activity.isoformat() if state.last_activity else None,
        "output_lots_made": state.output_lots_made,
        "last_completed": _COMPLETED.dump_python(state.last_completed, mode="json"),
        "extras": state.extras,
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


class StateFormatError(ValueError):
    """Stored state that cannot be read back (written by another version)."""


def state_from_json(text: str) -> StationState:
    """Read a state written by ``state_to_json``; raises ``StateFormatError``."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise StateFormatError(f"state format {data.get('format')!r} is not {FORMAT}")
        raw_prompt = dict(data["prompt"])
        cls = PROMPT_TYPES.get(raw_prompt.pop("kind", ""), ScanBadge)
        known = {f.name for f in fields(cls)}
        prompt = _prompt_adapter(cls).validate_python(
            {k: v for k, v in raw_prompt.items() if k in known}
        )
        return StationState(
            station_id=data["station_id"],
            operator=_OPERATOR.validate_python(data["operator"]),
            job=_JOB.validate_python(data["job"]),
            prompt=prompt,
            last_activity=_datetime(data.get("last_activity")),
            output_lots_made=int(data.get("output_lots_made", 0)),
            last_completed=_COMPLETED.validate_python(data.get("last_completed")),
            extras=dict(data.get("extras") or {}),
        )
    except StateFormatError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise StateFormatError(f"stored station state is unreadable: {exc}") from None


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
