"""Reaction plans: what a failed check or a critical defect sets off, exactly once.

Each reaction gets an id derived from the event that caused it, so the kiosk
(reacting at once, even offline) and the server (reacting when the event
arrives) name the same hold and never place it twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

ReactionKind = Literal["hold_unit", "hold_lot", "hold_station", "line_stop", "notify"]
REACTION_KINDS: tuple[str, ...] = ("hold_unit", "hold_lot", "hold_station", "line_stop", "notify")
DEFAULT_ON_FAIL: tuple[ReactionKind, ...] = ("hold_lot", "notify")
DEFAULT_ON_CRITICAL_DEFECT: tuple[ReactionKind, ...] = (
    "hold_lot",
    "hold_station",
    "line_stop",
    "notify",
)

_NAMESPACE = uuid.UUID("5b0f8a52-51d2-4c55-9d7e-3f1c8d6b2a10")


@dataclass(frozen=True, slots=True)
class Reaction:
    kind: ReactionKind
    id: uuid.UUID
    target_type: Literal["lot", "unit", "station", "work_order"] | None
    target: str | None
    reason: str


def reaction_id(cause_event_id: uuid.UUID | str, kind: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{cause_event_id}:{kind}")


def validate_kinds(kinds: list[str] | tuple[str, ...]) -> tuple[ReactionKind, ...]:
    bad = [k for k in kinds if k not in REACTION_KINDS]
    if bad:
        raise ValueError(f"unknown reaction {bad[0]!r}; use {', '.join(REACTION_KINDS)}")
    return tuple(kinds)  # type: ignore[return-value]


def plan_reactions(
    cause_event_id: uuid.UUID | str,
    kinds: tuple[ReactionKind, ...] | list[ReactionKind],
    *,
    reason: str,
    station: str,
    lot: str | None,
    unit: str | None,
) -> list[Reaction]:
    """The reactions to carry out for one failure, in a fixed order; targets that do
    not exist (no unit serial, no lot yet) are skipped."""
    out: list[Reaction] = []
    for kind in REACTION_KINDS:
        if kind not in kinds:
            continue
        rid = reaction_id(cause_event_id, kind)
        if kind == "hold_unit":
            if unit:
                out.append(Reaction(kind, rid, "unit", unit, reason))
        elif kind == "hold_lot":
            if lot:
                out.append(Reaction(kind, rid, "lot", lot, reason))
        elif kind == "hold_station":
            out.append(Reaction(kind, rid, "station", station, reason))
        else:
            out.append(Reaction(kind, rid, None, None, reason))  # type: ignore[arg-type]
    return out
