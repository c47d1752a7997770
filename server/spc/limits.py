"""Control limits: phase I from stored data, standards, freezing a version, acknowledging
signals — the quality engineer's and supervisor's SPC actions, recorded as events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.events.spc import SpcLimitsFrozen, SpcSignalAcknowledged
from core.spc import ControlLimits, PhaseOne, RuleSpec, phase_one, standard_limits
from server.apply.context import Sender
from server.apply.pipeline import EventResult, post
from server.models_spc import SpcLimits
from server.spc.charts import default_chart, limits_problem, plan_subgroup_size, rules_to_json
from server.spc.data import SpcInputError, characteristic, given_data, stored_data


def compute_limits(
    session: Session,
    characteristic_id: str,
    *,
    chart: str | None = None,
    station: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    values: Sequence[float] | None = None,
    iterate: bool = True,
) -> PhaseOne:
    """Phase I limits from stored measurements (or given baseline values); nothing is frozen."""
    ch = characteristic(session, characteristic_id)
    chart = chart or default_chart(ch)
    data = (
        given_data(ch, chart, values)
        if values is not None
        else stored_data(session, ch, chart=chart, station=station, start=start, end=end)
    )
    with np.errstate(all="ignore"):
        result = phase_one(data, iterate=iterate)
    problem = limits_problem(ch, result.limits)
    if problem is not None:
        raise SpcInputError(problem)
    return result


def standard(
    session: Session,
    characteristic_id: str,
    *,
    center: float,
    sigma: float,
    chart: str | None = None,
) -> ControlLimits:
    """Draft limits from a known mean and sigma, for the characteristic's plan."""
    ch = characteristic(session, characteristic_id)
    chart = chart or default_chart(ch)
    n = plan_subgroup_size(ch)
    limits = standard_limits(
        chart, center=center, sigma=sigma, subgroup_size=1 if chart == "imr" else n
    )
    problem = limits_problem(ch, limits)
    if problem is not None:
        raise SpcInputError(problem)
    return limits


def next_version(session: Session, characteristic_id: str) -> int:
    latest = session.execute(
        select(func.max(SpcLimits.version)).where(SpcLimits.characteristic == characteristic_id)
    ).scalar_one()
    return int(latest or 0) + 1


def freeze_limits(
    engine: Engine,
    characteristic_id: str,
    limits: ControlLimits,
    *,
    badge: str,
    reason: str,
    rules: Sequence[RuleSpec],
) -> EventResult:
    """Freeze limits as the characteristic's next version (an audited server event)."""
    with Session(engine) as session:
        version = next_version(session, characteristic_id)
    try:
        payload = SpcLimitsFrozen(
            characteristic=characteristic_id,
            version=version,
            limits=limits.to_dict(),
            rules=rules_to_json(rules),
            reason=reason,
        )
    except ValidationError as exc:
        return EventResult(id="", status="rejected", reason=_invalid(exc))
    return post(engine, payload, Sender.of_person(badge))


def acknowledge(engine: Engine, signal_id: str, *, badge: str, note: str) -> EventResult:
    """Acknowledge a signal with the assignable cause and the action taken (an audited event)."""
    try:
        payload = SpcSignalAcknowledged(signal_id=uuid.UUID(signal_id), note=note)
    except ValidationError as exc:
        return EventResult(id="", status="rejected", reason=_invalid(exc))
    except ValueError:
        return EventResult(id="", status="rejected", reason=f"{signal_id!r} is not a signal id")
    return post(engine, payload, Sender.of_person(badge))


def _invalid(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
        for e in exc.errors()
    )
