"""Reaction plans: what a failed check, a critical defect or an SPC signal sets off, exactly once.

One planner for the kiosk and the server. Each reaction's id derives from
the event that caused it (a measurement's id, a signal's id), so the kiosk
(reacting at once, even offline) and the server (reacting when the event
arrives) name the same hold and never place it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

ReactionKind = Literal["hold_unit", "hold_lot", "hold_station", "line_stop", "notify"]
REACTION_KINDS: tuple[ReactionKind, ...] = (
    "hold_unit",
    "hold_lot",
    "hold_station",
    "line_stop",
    "notify",
)
DEFAULT_ON_FAIL: tuple[ReactionKind, ...] = ("hold_lot", "notify")
DEFAULT_ON_CRITICAL_DEFECT: tuple[ReactionKind, ...] = (
    "hold_lot",
    "hold_station",
    "line_stop",
    "notify",
)
# A signal contains the suspect range and tells supervisors unless the
# characteristic's own reaction plan says otherwise.
DEFAULT_ON_SIGNAL: tuple[ReactionKind, ...] = ("hold_lot", "hold_unit", "notify")
DEFAULTS: dict[str, tuple[ReactionKind, ...]] = {
    "on_fail": DEFAULT_ON_FAIL,
    "on_critical_defect": DEFAULT_ON_CRITICAL_DEFECT,
}
CONTAINING: frozenset[str] = frozenset({"hold_lot", "hold_station", "hold_unit", "line_stop"})

_NAMESPACE = uuid.UUID("5b0f8a52-51d2-4c55-9d7e-3f1c8d6b2a10")

TargetType = Literal["lot", "unit", "station", "work_order"]


@dataclass(frozen=True, slots=True)
class Reaction:
    kind: ReactionKind
    id: uuid.UUID
    target_type: TargetType | None
    target: str | None
    reason: str


def reaction_id(cause_event_id: uuid.UUID | str, kind: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{cause_event_id}:{kind}")


def hold_id(cause: uuid.UUID | str, target_type: str, target: str) -> uuid.UUID:
    """The id of the hold ``cause`` places on one target."""
    return reaction_id(cause, f"hold:{target_type}:{target}")


def validate_kinds(kinds: list[str] | tuple[str, ...]) -> tuple[ReactionKind, ...]:
    bad = [k for k in kinds if k not in REACTION_KINDS]
    if bad:
        raise ValueError(f"unknown reaction {bad[0]!r}; use {', '.join(REACTION_KINDS)}")
    return cast(tuple[ReactionKind, ...], tuple(kinds))


def reaction_kinds(
    explicit: Sequence[str] | None, settings: Mapping[str, Sequence[str]] | None, key: str
) -> tuple[ReactionKind, ...]:
    """A characteristic's (or defect code's) own plan, else the plant's default for ``key``."""
    if explicit is not None:
        return validate_kinds(list(explicit))
    if settings and key in settings:
        return validate_kinds(list(settings[key]))
    return DEFAULTS[key]


def plan_reactions(
    cause: uuid.UUID | str,
    kinds: Sequence[str],
    *,
    reason: str,
    station: str,
    lots: Sequence[str] = (),
    units: Sequence[str] = (),
    downstream: Sequence[str] = (),
) -> list[Reaction]:
    """The reactions to carry out for one failure, in a fixed order.

    ``lots`` are held when the plan holds lots, ``downstream`` (lots made from
    them) with them; targets that do not exist (no serial, no lot yet) are
    simply not listed by the caller."""
    out: list[Reaction] = []
    for kind in REACTION_KINDS:
        if kind not in kinds:
            continue
        if kind == "hold_unit":
            out += [Reaction(kind, hold_id(cause, "unit", u), "unit", u, reason) for u in units]
        elif kind == "hold_lot":
            out += [Reaction(kind, hold_id(cause, "lot", lot), "lot", lot, reason) for lot in lots]
            out += [
                Reaction(
                    kind, hold_id(cause, "lot", lot), "lot", lot,
                    f"{reason} (made from a suspect lot)",
                )
                for lot in downstream
                if lot not in lots
            ]  # fmt: skip
        elif kind == "hold_station":
            out.append(
                Reaction(kind, hold_id(cause, "station", station), "station", station, reason)
            )
        else:
            out.append(Reaction(kind, reaction_id(cause, kind), None, None, reason))  # type: ignore[arg-type]
    return out


def holds_of(reactions: Sequence[Reaction]) -> list[Reaction]:
    return [r for r in reactions if r.target_type is not None]
