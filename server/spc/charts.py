"""What every SPC module shares: a characteristic's plan, its frozen limits, JSON forms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.spc import ControlLimits, RuleSpec, Violation
from server import models as m
from server.models_spc import SpcLimits

DEFAULT_RULES = "we"
WITHIN = {"xbar-r": "rbar", "xbar-s": "sbar", "imr": "mrbar"}


class SpcInputError(ValueError):
    """A request the server cannot turn into limits or an analysis; the message is for people."""


def finite(x: float | None) -> float | None:
    """JSON has no NaN: undefined statistics (the first moving range) become null."""
    return None if x is None or not math.isfinite(x) else float(x)


def number(x: float | None) -> float:
    return math.nan if x is None else float(x)


def rules_to_json(rules: Sequence[RuleSpec]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "run": r.run,
            "hits": r.hits,
            "sigma": r.sigma,
            "enabled": r.enabled,
        }
        for r in rules
    ]


def rules_from_json(data: Sequence[dict[str, Any]]) -> tuple[RuleSpec, ...]:
    return tuple(RuleSpec(**d) for d in data)


def violation_json(v: Violation) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "part": v.part,
        "index": v.index,
        "points": list(v.points),
        "message": v.message,
    }


def part_json(p: Any) -> dict[str, Any]:
    return {
        "part": p.part,
        "value": finite(p.value),
        "center": p.center,
        "lcl": p.lcl,
        "ucl": p.ucl,
        "sigma": p.sigma,
        "z": finite(p.z),
    }


def plan_subgroup_size(ch: m.Characteristic) -> int:
    return max(1, int(ch.subgroup_size or 1))


def default_chart(ch: m.Characteristic) -> str:
    """I-MR for single measurements, X-bar R for subgroups (X-bar S above 10 per subgroup)."""
    n = plan_subgroup_size(ch)
    return "imr" if n == 1 else ("xbar-r" if n <= 10 else "xbar-s")


def active_limits(session: Session, characteristic: str) -> SpcLimits | None:
    return (
        session.execute(
            select(SpcLimits).where(
                SpcLimits.characteristic == characteristic, SpcLimits.active.is_(True)
            )
        )
        .scalars()
        .first()
    )


def limits_of(row: SpcLimits) -> tuple[ControlLimits, tuple[RuleSpec, ...]]:
    return ControlLimits.from_dict(row.limits), rules_from_json(row.rules)


def limits_problem(ch: m.Characteristic, limits: ControlLimits) -> str | None:
    """Why these limits cannot chart this characteristic's plan, or None."""
    n = plan_subgroup_size(ch)
    if limits.chart not in ("imr", "xbar-r", "xbar-s"):
        return f"a {limits.chart} chart plots counts; {ch.id} records measurements"
    if limits.chart == "imr" and n != 1:
        return f"{ch.id} is measured in subgroups of {n}: an I-MR chart plots single measurements"
    if limits.chart != "imr" and limits.subgroup_size != n:
        return (
            f"the limits were set for subgroups of {limits.subgroup_size}, the plan for {ch.id} "
            f"takes subgroups of {n}: freeze new limits"
        )
    return None
