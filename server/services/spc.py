"""Statistical process control on the server: streaming charts, signals, containment, limits.

Every applied MeasurementRecorded of a variable characteristic with frozen
limits joins the chart of its characteristic at its station. Measurements
are collected into subgroups per station and work order (the plan's subgroup
size); each full subgroup (or each value, for an I-MR chart) is one plotted
point. The run rules are evaluated one point at a time: their state is
rebuilt from the last few stored points (at most the longest rule window), so
a point costs the same whatever the history.

A point at which a rule fires opens an SPC signal. Its containment holds the
suspect range: the lots (and serial units) made at that station for that
characteristic since the last in-control point before the pattern that
fired, every lot made from them, and opens one NCR; supervisors are
notified. Until someone acknowledges the signal with the assignable cause and
the action taken, what the station goes on making for that characteristic
joins the same containment.
"""

from __future__ import annotations

import math
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError
from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.quality.reactions import ReactionKind, reaction_id
from core.spc import (
    CHART_PARTS,
    ChartData,
    ChartStream,
    ControlLimits,
    PhaseOne,
    RuleSpec,
    RuleStream,
    SpcError,
    StreamPoint,
    SubgroupFormer,
    Violation,
    capability,
    freeze,
    limit_lines,
    measurement_data,
    monitor,
    phase_one,
    rules_for_part,
    standard_limits,
)
from core.spc_events import (
    SignalViolation,
    SpcLimitLine,
    SpcLimitsFrozen,
    SpcLimitsRef,
    SpcSignal,
    SpcSignalAcknowledged,
    SpcSignalRef,
)
from server import models as m
from server.models_quality import Ncr, Notification
from server.models_spc import SpcLimits, SpcPoint, SpcSignalRow, SpcStream
from server.services.apply import Outcome, Rejected, register_handlers
from server.services.ingest import SERVER_STATION, EventResult, ingest_one
from server.services.quality import downstream_lots, emit, new_ncr_id
from server.services.revs import next_counter, next_rev

# A signal contains the suspect range and tells supervisors unless the
# characteristic's own reaction plan says otherwise.
DEFAULT_ON_SIGNAL: tuple[ReactionKind, ...] = ("hold_lot", "hold_unit", "notify")
LIMIT_ROLES = frozenset({"quality_engineer", "mrb", "admin"})
ACK_ROLES = frozenset({"supervisor", "inspector", "quality_engineer", "mrb", "admin"})
DEFAULT_RULES = "we"
_WITHIN = {"xbar-r": "rbar", "xbar-s": "sbar", "imr": "mrbar"}


class SpcInputError(ValueError):
    """A request the server cannot turn into limits or an analysis; the message is for people."""


# --- small conversions ---------------------------------------------------------------------


def _finite(x: float | None) -> float | None:
    """JSON has no NaN: undefined statistics (the first moving range) become null."""
    return None if x is None or not math.isfinite(x) else float(x)


def _number(x: float | None) -> float:
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


def _violation_json(v: Violation) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "part": v.part,
        "index": v.index,
        "points": list(v.points),
        "message": v.message,
    }


def _part_json(p: Any) -> dict[str, Any]:
    return {
        "part": p.part,
        "value": _finite(p.value),
        "center": p.center,
        "lcl": p.lcl,
        "ucl": p.ucl,
        "sigma": p.sigma,
        "z": _finite(p.z),
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


def _limits_of(row: SpcLimits) -> tuple[ControlLimits, tuple[RuleSpec, ...]]:
    return ControlLimits.from_dict(row.limits), rules_from_json(row.rules)


def _limits_problem(ch: m.Characteristic, limits: ControlLimits) -> str | None:
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


# --- streaming -----------------------------------------------------------------------------


def on_measurement(
    session: Session,
    event: ev.Event,
    ch: m.Characteristic,
    measurement: m.Measurement,
    job: m.Job,
    wo: m.WorkOrder,
) -> Outcome:
    """Add one applied measurement to its characteristic's chart at its station.

    Returns ``{"spc": {...}}`` for the event's outcome: ``status`` is "off"
    (no frozen limits, with the reason), "collecting" (the subgroup is not
    full yet) or "plotted" with the point (values, centre, limits, z per
    part), the rules that fired and the signal they opened or extended.
    """
    if ch.kind != "variable":
        return {
            "spc": {
                "status": "off",
                "reason": f"{ch.id} is an attribute characteristic: it is not charted live",
            }
        }
    station = event.station_id
    # One round trip for the active limits and this station's chart.
    found = session.execute(
        select(SpcLimits.id, SpcLimits.event_id, SpcStream)
        .outerjoin(
            SpcStream,
            and_(
                SpcStream.characteristic == SpcLimits.characteristic,
                SpcStream.station_id == station,
            ),
        )
        .where(SpcLimits.characteristic == ch.id, SpcLimits.active.is_(True))
    ).first()
    if found is None:
        return {"spc": {"status": "off", "reason": f"no frozen control limits for {ch.id}"}}
    limits, rules = _parsed_limits(session, found[0], found[1])
    problem = _limits_problem(ch, limits)
    if problem is not None:
        return {"spc": {"status": "off", "reason": problem}}
    stream = found[2]
    if stream is None:
        stream = SpcStream(
            characteristic=ch.id, station_id=station, limits_version=limits.version, pending={}
        )
    if stream.limits_version != limits.version:
        # New limits start a new chart: rules do not look back across versions.
        stream.limits_version = limits.version
        stream.version_from = stream.next_index
        stream.prev_value = None
        stream.state_token = None
    n = plan_subgroup_size(ch)
    pending: dict[str, Any] = dict(stream.pending or {})
    waiting = [*pending.get(wo.number, []), [str(event.id), measurement.value, job.id]]
    base: dict[str, Any] = {
        "chart": limits.chart,
        "limits_version": limits.version,
        "station": station,
    }
    if len(waiting) < n:
        pending[wo.number] = waiting
        _save_stream(session, stream, pending)
        return {
            "spc": {
                **base,
                "status": "collecting",
                "work_order": wo.number,
                "pending": len(waiting),
                "subgroup_size": n,
            }
        }
    pending.pop(wo.number, None)
    if pending:
        closed = (
            session.execute(
                select(m.WorkOrder.number).where(
                    m.WorkOrder.number.in_(list(pending)), m.WorkOrder.status == "closed"
                )
            )
            .scalars()
            .all()
        )
        for number in closed:
            pending.pop(number, None)  # a closed work order's partial subgroup never fills
    values = [float(w[1]) for w in waiting]
    try:
        point, violations = _push(session, stream, limits, rules, values)
    except (
        SpcError
    ) as exc:  # validated limits and values make this unreachable; never lose the fact
        return {"spc": {**base, "status": "error", "reason": str(exc)}}
    record = SpcPoint(
        characteristic=ch.id,
        station_id=station,
        idx=point.index,
        work_order=wo.number,
        limits_version=limits.version,
        values=values,
        events=[w[0] for w in waiting],
        jobs=list(dict.fromkeys(w[2] for w in waiting)),
        parts=[_part_json(p) for p in point.parts],
        violations=[_violation_json(v) for v in violations],
        in_control=not violations,
        at=event.occurred_at,
    )
    session.add(record)
    stream.next_index = point.index + 1
    if limits.chart == "imr":
        stream.prev_value = values[-1]
    if not violations:
        stream.last_in_control = point.index
    signal = _react_to_point(session, event, ch, wo, stream, record, violations, limits.version)
    _save_stream(session, stream, pending)
    return {
        "spc": {
            **base,
            "status": "plotted",
            "point": {
                "index": point.index,
                "in_control": not violations,
                "work_order": wo.number,
                "values": values,
                "parts": record.parts,
                "violations": record.violations,
            },
            "signal": signal,
            "open_signal": stream.open_signal_id,
        }
    }


def _save_stream(session: Session, stream: SpcStream, pending: dict[str, Any]) -> None:
    stream.pending = pending
    stream.updated_at = datetime.now(UTC)
    session.add(stream)


def _push(
    session: Session,
    stream: SpcStream,
    limits: ControlLimits,
    rules: Sequence[RuleSpec],
    values: list[float],
) -> tuple[StreamPoint, list[Violation]]:
    """Chart one point and evaluate the rules.

    The rule state comes from this process's cache when it pushed the chart's
    last point (same state token), else it is rebuilt from the stored points.
    """
    cached = _RULE_STATE.pop(stream.state_token, None) if stream.state_token else None
    streams = cached if cached is not None else _rebuild(session, stream, limits, rules)
    previous = stream.prev_value if limits.chart == "imr" else None
    chart = ChartStream(limits, (), start_index=stream.next_index, previous_value=previous)
    point = chart.push_value(values[0]) if limits.chart == "imr" else chart.push_subgroup(values)
    violations = [v for p in point.parts for v in streams[p.part].push(p.value, p.z)]
    stream.state_token = uuid.uuid4().hex
    _remember(_RULE_STATE, stream.state_token, streams)
    return point, violations


def _rebuild(
    session: Session, stream: SpcStream, limits: ControlLimits, rules: Sequence[RuleSpec]
) -> dict[str, RuleStream]:
    """Rule state after the stream's last point: its last ``memory`` points pushed again."""
    memory = max((r.run for r in rules if r.enabled), default=1)
    recent = (
        session.execute(
            select(SpcPoint.parts)
            .where(
                SpcPoint.characteristic == stream.characteristic,
                SpcPoint.station_id == stream.station_id,
                SpcPoint.idx >= stream.version_from,
            )
            .order_by(SpcPoint.idx.desc())
            .limit(memory)
        )
        .scalars()
        .all()
    )
    start = stream.next_index - len(recent)
    streams = {
        p: RuleStream(rules_for_part(p, rules), part=p, start_index=start)
        for p in CHART_PARTS[limits.chart]
    }
    for parts in reversed(recent):
        for p in parts:  # replayed: what fired then is stored with its point
            streams[p["part"]].push(_number(p["value"]), _number(p["z"]))
    return streams


# Bounded in-process caches. Keys are unique ids (a limits row's event id, a stream's
# state token), so an entry can never be mistaken for another database's or a
# rolled-back transaction's state; a miss only costs a rebuild.
_CACHE_SIZE = 4096
_LIMITS: OrderedDict[str, tuple[ControlLimits, tuple[RuleSpec, ...]]] = OrderedDict()
_RULE_STATE: OrderedDict[str, dict[str, RuleStream]] = OrderedDict()


def clear_caches() -> None:
    """Forget cached limits and rule state (as a restart does); the next points rebuild them."""
    _LIMITS.clear()
    _RULE_STATE.clear()


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    cache[key] = value
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def _parsed_limits(
    session: Session, limits_id: int, event_id: str
) -> tuple[ControlLimits, tuple[RuleSpec, ...]]:
    parsed = _LIMITS.get(event_id)
    if parsed is None:
        row = session.get(SpcLimits, limits_id)
        assert row is not None
        parsed = _limits_of(row)
        _remember(_LIMITS, event_id, parsed)
    return parsed


# --- signals and containment ---------------------------------------------------------------


def _reaction_kinds(ch: m.Characteristic) -> tuple[str, ...]:
    return tuple(ch.reaction) if ch.reaction is not None else DEFAULT_ON_SIGNAL


def _react_to_point(
    session: Session,
    event: ev.Event,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    stream: SpcStream,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> dict[str, Any] | None:
    lead = session.get(SpcSignalRow, stream.open_signal_id) if stream.open_signal_id else None
    if lead is not None and lead.acknowledged_at is not None:
        lead = None
    if lead is None:
        stream.open_signal_id = None
        if not violations:
            return None
        return _open_signal(session, event, ch, wo, stream, record, violations, version)
    return _extend_signal(session, event, ch, wo, lead, record, violations, version)


def _signal_message(ch: m.Characteristic, station: str, violations: Sequence[Violation]) -> str:
    said = "; ".join(
        f"{v.rule}: {v.message}" + (f" ({v.part})" if v.part else "") for v in violations
    )
    return f"SPC signal on {ch.id} ({ch.name}) at {station}: {said}"


def suspect_range(
    session: Session, ch: m.Characteristic, station: str, first: int
) -> tuple[list[str], list[str]]:
    """Lots and serial units made at ``station`` for ``ch`` from point ``first`` on.

    A job is suspect when one of its measurements is in a point from ``first``
    on, or when it started at the station on the characteristic's operation
    after the last point before ``first`` (parts made between checks).
    Returns (lots, units), each sorted.
    """
    rows = session.execute(
        select(SpcPoint.jobs, SpcPoint.events).where(
            SpcPoint.characteristic == ch.id, SpcPoint.station_id == station, SpcPoint.idx >= first
        )
    ).all()
    jobs: set[str] = {j for r in rows for j in r[0]}
    events: list[str] = [e for r in rows for e in r[1]]
    before = session.execute(
        select(SpcPoint.at).where(
            SpcPoint.characteristic == ch.id,
            SpcPoint.station_id == station,
            SpcPoint.idx == first - 1,
        )
    ).scalar_one_or_none()
    if before is not None:
        op = session.get(m.Operation, ch.operation_id)
        assert op is not None
        jobs.update(
            session.execute(
                select(m.Job.id)
                .join(m.WorkOrder, m.Job.work_order == m.WorkOrder.number)
                .where(
                    m.Job.station_id == station,
                    m.Job.operation_seq == op.seq,
                    m.WorkOrder.product == op.product,
                    m.Job.started_at > before,
                )
            ).scalars()
        )
    return _job_lots(session, jobs), _units(session, events)


def _job_lots(session: Session, jobs: set[str]) -> list[str]:
    if not jobs:
        return []
    lots: set[str] = set()
    for job in session.execute(select(m.Job).where(m.Job.id.in_(sorted(jobs)))).scalars():
        if job.output_lot is None or job.status not in ("running", "completed"):
            continue  # a cancelled job made nothing
        lot = session.get(m.Lot, job.output_lot)
        if (lot is None and job.status == "running") or (
            lot is not None and lot.status != "scrapped"
        ):
            lots.add(job.output_lot)
    return sorted(lots)


def _units(session: Session, events: list[str]) -> list[str]:
    if not events:
        return []
    return sorted(
        set(
            session.execute(
                select(m.Measurement.unit_serial).where(
                    m.Measurement.event_id.in_(events), m.Measurement.unit_serial.is_not(None)
                )
            ).scalars()
        )
    )


def _hold(
    session: Session,
    signal_id: str,
    cause: ev.Event,
    target_type: Literal["lot", "unit", "station"],
    target: str,
    reason: str,
    ncr: str | None,
) -> bool:
    """Place one containment hold (once per signal and target); True if it is new."""
    hold_id = reaction_id(signal_id, f"hold:{target_type}:{target}")
    if session.get(m.Hold, str(hold_id)) is not None:
        return False
    emit(
        session,
        ev.HoldPlaced(
            hold_id=hold_id,
            target_type=target_type,
            target=target,
            reason=reason[:500],
            source="spc_signal",
            cause_event_id=cause.id,
            ncr=ncr,
        ),
        reaction_id(hold_id, "event"),
        occurred_at=cause.occurred_at,
    )
    return True


def _open_signal(
    session: Session,
    event: ev.Event,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    stream: SpcStream,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> dict[str, Any]:
    station = event.station_id
    first = min(min(v.points) for v in violations)
    signal_id = reaction_id(event.id, f"spc:{violations[0].rule}")
    kinds = _reaction_kinds(ch)
    lots, units = suspect_range(session, ch, station, first)
    lots = lots if "hold_lot" in kinds else []
    units = units if "hold_unit" in kinds else []
    downstream = downstream_lots(session, lots) if lots else []
    holds = bool(lots or units or "hold_station" in kinds)
    ncr_id = new_ncr_id(session, event.occurred_at) if holds else None
    message = _signal_message(ch, station, violations)
    emit(
        session,
        SpcSignal(
            signal_id=signal_id,
            characteristic=ch.id,
            station=station,
            work_order=wo.number,
            point=record.idx,
            violations=[
                SignalViolation(rule=v.rule, part=v.part, points=list(v.points), message=v.message)
                for v in violations
            ],
            limits_version=version,
            suspect_from=first,
            lots=lots,
            downstream=downstream,
            units=units,
            ncr=ncr_id,
            cause_event_id=event.id,
        ),
        signal_id,
        occurred_at=event.occurred_at,
    )
    reason = f"{message} (points {first}-{record.idx}, limits v{version})"
    if ncr_id is not None:
        emit(
            session,
            ev.NcrOpened(
                ncr=ncr_id,
                title=f"SPC signal: {ch.name} at {station}"[:300],
                source="spc_signal",
                critical=ch.critical,
                lots=lots + downstream,
                units=units,
                cause_event_id=event.id,
            ),
            reaction_id(signal_id, "ncr"),
            occurred_at=event.occurred_at,
        )
        ncr = session.get(Ncr, ncr_id)
        assert ncr is not None
        ncr.description = reason
        ncr.station_id = station
        ncr.measurements = [  # the subgroup that signalled
            {
                "event_id": e,
                "characteristic": ch.id,
                "value": v,
                "unit": ch.unit,
                "point": record.idx,
            }
            for e, v in zip(record.events, record.values, strict=True)
        ]
        session.add(ncr)
    for lot in lots:
        _hold(session, str(signal_id), event, "lot", lot, reason, ncr_id)
    for lot in downstream:
        _hold(
            session,
            str(signal_id),
            event,
            "lot",
            lot,
            f"{reason} (made from a suspect lot)",
            ncr_id,
        )
    for unit in units:
        _hold(session, str(signal_id), event, "unit", unit, reason, ncr_id)
    if "hold_station" in kinds:
        _hold(session, str(signal_id), event, "station", station, reason, ncr_id)
    if "line_stop" in kinds:
        emit(
            session,
            ev.LineStopRequested(reason=reason[:500], cause_event_id=event.id),
            reaction_id(signal_id, "line_stop"),
            occurred_at=event.occurred_at,
        )
    if "notify" in kinds:
        emit(
            session,
            ev.SupervisorNotified(
                kind="spc_signal", message=reason[:1000], cause_event_id=event.id
            ),
            reaction_id(signal_id, "notify"),
            occurred_at=event.occurred_at,
        )
    stream.open_signal_id = str(signal_id)
    record.signal_id = str(signal_id)
    return {
        "id": str(signal_id),
        "rules": [v.rule for v in violations],
        "message": message,
        "suspect_from": first,
        "lots": lots,
        "downstream": downstream,
        "units": units,
        "ncr": ncr_id,
        "continues": None,
    }


def _extend_signal(
    session: Session,
    event: ev.Event,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    lead: SpcSignalRow,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> dict[str, Any] | None:
    """A point charted while a signal is unacknowledged: its lots join the containment."""
    kinds = _reaction_kinds(ch)
    lots = _job_lots(session, set(record.jobs)) if "hold_lot" in kinds else []
    units = _units(session, list(record.events)) if "hold_unit" in kinds else []
    lots = [lot for lot in lots if lot not in lead.lots and lot not in lead.downstream]
    units = [u for u in units if u not in lead.units]
    downstream = (
        [d for d in downstream_lots(session, lots) if d not in lead.downstream] if lots else []
    )
    signal_id: uuid.UUID | None = None
    if violations:
        signal_id = reaction_id(event.id, f"spc:{violations[0].rule}")
        emit(
            session,
            SpcSignal(
                signal_id=signal_id,
                characteristic=ch.id,
                station=event.station_id,
                work_order=wo.number,
                point=record.idx,
                violations=[
                    SignalViolation(
                        rule=v.rule, part=v.part, points=list(v.points), message=v.message
                    )
                    for v in violations
                ],
                limits_version=version,
                suspect_from=min(min(v.points) for v in violations),
                lots=lots,
                downstream=downstream,
                units=units,
                ncr=lead.ncr,
                continues=uuid.UUID(lead.id),
                cause_event_id=event.id,
            ),
            signal_id,
            occurred_at=event.occurred_at,
        )
        record.signal_id = str(signal_id)
    reason = (
        f"made while SPC signal on {ch.id} at {event.station_id} (point {lead.point}) was "
        f"unacknowledged: point {record.idx}"
    )
    for lot in lots:
        _hold(session, lead.id, event, "lot", lot, reason, lead.ncr)
    for lot in downstream:
        _hold(session, lead.id, event, "lot", lot, f"{reason} (made from a suspect lot)", lead.ncr)
    for unit in units:
        _hold(session, lead.id, event, "unit", unit, reason, lead.ncr)
    if lots or downstream or units or violations:
        lead.lots = [*lead.lots, *lots]
        lead.downstream = [*lead.downstream, *downstream]
        lead.units = [*lead.units, *units]
        lead.later_points = [*lead.later_points, record.idx]
        lead.rev = next_rev(session)
        session.add(lead)
        if lead.ncr and (lots or downstream or units):
            ncr = session.get(Ncr, lead.ncr)
            if ncr is not None:
                ncr.lots = [*ncr.lots, *lots, *downstream]
                ncr.units = [*ncr.units, *units]
                ncr.rev = next_rev(session)
                session.add(ncr)
    if not (violations or lots or downstream or units):
        return None
    return {
        "id": str(signal_id) if signal_id else None,
        "continues": lead.id,
        "rules": [v.rule for v in violations],
        "lots": lots,
        "downstream": downstream,
        "units": units,
        "ncr": lead.ncr,
    }


# --- handlers of the SPC events ------------------------------------------------------------


def _signal_handler(session: Session, event: ev.Event, p: SpcSignal) -> Outcome:
    if session.get(SpcSignalRow, str(p.signal_id)) is not None:
        raise Rejected(f"SPC signal {p.signal_id} already exists")
    message = "; ".join(f"{v.rule}: {v.message}" for v in p.violations)
    row = SpcSignalRow(
        id=str(p.signal_id),
        characteristic=p.characteristic,
        station_id=p.station,
        work_order=p.work_order,
        point=p.point,
        rules=[v.rule for v in p.violations],
        violations=[v.model_dump() for v in p.violations],
        message=message,
        limits_version=p.limits_version,
        suspect_from=p.suspect_from,
        lots=list(p.lots),
        downstream=list(p.downstream),
        units=list(p.units),
        ncr=p.ncr,
        continues=str(p.continues) if p.continues else None,
        cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        at=event.occurred_at,
        rev=next_rev(session),
    )
    session.add(row)
    session.flush()
    return {"signal": row.id, "rules": row.rules, "continues": row.continues}


def _limits_frozen(session: Session, event: ev.Event, p: SpcLimitsFrozen) -> Outcome:
    ch = session.get(m.Characteristic, p.characteristic)
    if ch is None:
        raise Rejected(f"characteristic {p.characteristic} is unknown")
    operator = session.get(m.Operator, event.operator_id or "")
    if operator is None or not operator.active or operator.role not in LIMIT_ROLES:
        raise Rejected("freezing control limits needs a quality engineer, MRB or admin badge")
    try:
        draft = ControlLimits.from_dict(p.limits)
        rules = rules_from_json(p.rules)
        limits = freeze(
            draft,
            version=p.version,
            approved_by=operator.badge,
            approved_at=event.occurred_at,
            reason=p.reason,
        )
    except (SpcError, TypeError) as exc:
        raise Rejected(str(exc)) from None
    problem = _limits_problem(ch, limits)
    if problem is not None:
        raise Rejected(problem)
    latest = session.execute(
        select(func.max(SpcLimits.version)).where(SpcLimits.characteristic == ch.id)
    ).scalar_one()
    expected = (latest or 0) + 1
    if p.version != expected:
        raise Rejected(
            f"{ch.id} limits version {p.version} cannot be frozen: the next version is {expected}"
        )
    for old in session.execute(
        select(SpcLimits).where(SpcLimits.characteristic == ch.id, SpcLimits.active.is_(True))
    ).scalars():
        old.active = False
        old.rev = next_rev(session)
        session.add(old)
    session.add(
        SpcLimits(
            characteristic=ch.id,
            version=p.version,
            chart=limits.chart,
            limits=limits.to_dict(),
            rules=rules_to_json(rules),
            frozen_by=operator.badge,
            frozen_at=event.occurred_at,
            reason=p.reason,
            active=True,
            event_id=str(event.id),
            rev=next_rev(session),
        )
    )
    session.flush()
    return {
        "characteristic": ch.id,
        "version": p.version,
        "chart": limits.chart,
        "center": limits.center,
        "sigma": limits.sigma,
        "subgroup_size": limits.subgroup_size,
    }


def _acknowledged(session: Session, event: ev.Event, p: SpcSignalAcknowledged) -> Outcome:
    row = session.get(SpcSignalRow, str(p.signal_id))
    if row is None:
        raise Rejected(f"SPC signal {p.signal_id} does not exist")
    if row.continues:
        raise Rejected(f"signal {row.id} belongs to signal {row.continues}: acknowledge that one")
    if row.acknowledged_at is not None:
        raise Rejected(f"signal {row.id} was already acknowledged by {row.acknowledged_by}")
    if event.station_id not in (SERVER_STATION, row.station_id):
        raise Rejected(
            f"station {event.station_id} may not acknowledge a signal of {row.station_id}"
        )
    operator = session.get(m.Operator, event.operator_id or "")
    if operator is None or not operator.active or operator.role not in ACK_ROLES:
        raise Rejected(
            "acknowledging an SPC signal needs a supervisor, inspector or quality engineer badge"
        )
    for signal in [
        row,
        *session.execute(select(SpcSignalRow).where(SpcSignalRow.continues == row.id)).scalars(),
    ]:
        signal.acknowledged_by = operator.badge
        signal.acknowledged_at = event.occurred_at
        signal.note = p.note
        signal.rev = next_rev(session)
        session.add(signal)
    session.execute(
        update(SpcStream).where(SpcStream.open_signal_id == row.id).values(open_signal_id=None)
    )
    for note in session.execute(
        select(Notification).where(
            Notification.kind == "spc_signal",
            Notification.cause_event_id == row.cause_event_id,
            Notification.acknowledged_at.is_(None),
        )
    ).scalars():
        note.acknowledged_by = operator.badge
        note.acknowledged_at = event.occurred_at
        note.note = p.note[:500]
        note.rev = next_rev(session)
        session.add(note)
    return {"signal": row.id, "acknowledged_by": operator.badge}


register_handlers(
    {
        SpcSignal: _signal_handler,
        SpcLimitsFrozen: _limits_frozen,
        SpcSignalAcknowledged: _acknowledged,
    }
)


# --- limits: phase I, standards, freezing ---------------------------------------------------


def _post(engine: Engine, payload: ev.Payload, operator: str | None) -> EventResult:
    with Session(engine) as session:
        seq = next_counter(session, "server_seq")
        session.commit()
    event = ev.make_event(payload, station_id=SERVER_STATION, seq=seq, operator_id=operator)
    return ingest_one(engine, event.model_dump(mode="json"), SERVER_STATION)


def characteristic(session: Session, characteristic_id: str) -> m.Characteristic:
    ch = session.get(m.Characteristic, characteristic_id)
    if ch is None:
        raise LookupError(f"characteristic {characteristic_id} is unknown")
    return ch


def stored_data(
    session: Session,
    ch: m.Characteristic,
    *,
    chart: str,
    station: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ChartData:
    """Chart data from stored measurements, subgrouped as the live chart does.

    Subgroups never mix stations or work orders.
    """
    stmt = (
        select(m.Measurement.value, m.Measurement.station_id, m.Job.work_order)
        .join(m.Job, m.Job.id == m.Measurement.job_id)
        .where(m.Measurement.characteristic == ch.id)
    )
    if station:
        stmt = stmt.where(m.Measurement.station_id == station)
    if start is not None:
        stmt = stmt.where(m.Measurement.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(m.Measurement.occurred_at < end)
    rows = session.execute(stmt.order_by(m.Measurement.occurred_at, m.Measurement.id)).all()
    where = f" at {station}" if station else ""
    if not rows:
        raise SpcInputError(f"no measurements of {ch.id}{where} in that time range")
    if chart == "imr":
        stations = sorted({r[1] for r in rows})
        if len(stations) > 1:
            raise SpcInputError(
                f"{ch.id} was measured at {', '.join(stations)}: "
                "an I-MR chart follows one station, give station"
            )
        return measurement_data("imr", [r[0] for r in rows])
    if chart not in ("xbar-r", "xbar-s"):
        raise SpcInputError(f"{ch.id} records measurements: use an imr, xbar-r or xbar-s chart")
    n = plan_subgroup_size(ch)
    if n < 2:
        raise SpcInputError(
            f"{ch.id} is measured one at a time (subgroup size 1): use an imr chart"
        )
    former = SubgroupFormer(n)
    subgroups = [list(g.values) for r in rows if (g := former.add(r[1], r[2], r[0])) is not None]
    if not subgroups:
        raise SpcInputError(
            f"{len(rows)} measurements of {ch.id}{where} do not fill one subgroup of {n}"
        )
    return measurement_data(chart, subgroups)


def given_data(ch: m.Characteristic, chart: str, values: Sequence[float]) -> ChartData:
    """Chart data from baseline values typed in (consecutive values form the plan's subgroups)."""
    if chart == "imr":
        return measurement_data("imr", list(values))
    n = plan_subgroup_size(ch)
    if n < 2:
        raise SpcInputError(
            f"{ch.id} is measured one at a time (subgroup size 1): use an imr chart"
        )
    if len(values) % n or not values:
        raise SpcInputError(f"{len(values)} values do not fill subgroups of {n}")
    return measurement_data(chart, [list(values[i : i + n]) for i in range(0, len(values), n)])


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
    problem = _limits_problem(ch, result.limits)
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
    problem = _limits_problem(ch, limits)
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
    return _post(engine, payload, badge)


def acknowledge(engine: Engine, signal_id: str, *, badge: str, note: str) -> EventResult:
    """Acknowledge a signal with the assignable cause and the action taken (an audited event)."""
    try:
        payload = SpcSignalAcknowledged(signal_id=uuid.UUID(signal_id), note=note)
    except ValidationError as exc:
        return EventResult(id="", status="rejected", reason=_invalid(exc))
    except ValueError:
        return EventResult(id="", status="rejected", reason=f"{signal_id!r} is not a signal id")
    return _post(engine, payload, badge)


def _invalid(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
        for e in exc.errors()
    )


# --- reading: limits, chart, analysis, signals ---------------------------------------------


def limits_view(row: SpcLimits) -> dict[str, Any]:
    limits, rules = _limits_of(row)
    return {
        "characteristic": row.characteristic,
        "version": row.version,
        "chart": row.chart,
        "active": row.active,
        "center": limits.center,
        "sigma": limits.sigma,
        "subgroup_size": limits.subgroup_size,
        "source": limits.source,
        "baseline_points": limits.baseline_points,
        "excluded": list(limits.excluded),
        "lines": [
            {"part": ln.part, "center": ln.center, "lcl": ln.lcl, "ucl": ln.ucl, "sigma": ln.sigma}
            for ln in limit_lines(limits)
        ],
        "rules": [r.id for r in rules if r.enabled],
        "frozen_by": row.frozen_by,
        "frozen_at": row.frozen_at,
        "reason": row.reason,
    }


def limits_history(session: Session, characteristic_id: str) -> list[dict[str, Any]]:
    characteristic(session, characteristic_id)
    rows = session.execute(
        select(SpcLimits)
        .where(SpcLimits.characteristic == characteristic_id)
        .order_by(SpcLimits.version.desc())
    ).scalars()
    return [limits_view(r) for r in rows]


def chart(session: Session, characteristic_id: str, station: str, last: int = 50) -> dict[str, Any]:
    """The last ``last`` points of a station's chart with the active limits (kiosk, console)."""
    characteristic(session, characteristic_id)
    row = active_limits(session, characteristic_id)
    points = list(
        session.execute(
            select(SpcPoint)
            .where(SpcPoint.characteristic == characteristic_id, SpcPoint.station_id == station)
            .order_by(SpcPoint.idx.desc())
            .limit(last)
        ).scalars()
    )
    points.reverse()
    stream = session.get(SpcStream, (characteristic_id, station))
    open_signal = (
        session.get(SpcSignalRow, stream.open_signal_id)
        if stream is not None and stream.open_signal_id
        else None
    )
    return {
        "characteristic": characteristic_id,
        "station": station,
        "limits": limits_view(row) if row is not None else None,
        "points": [
            {
                "index": p.idx,
                "at": p.at,
                "work_order": p.work_order,
                "limits_version": p.limits_version,
                "values": p.values,
                "parts": p.parts,
                "in_control": p.in_control,
                "violations": p.violations,
                "signal": p.signal_id,
            }
            for p in points
        ],
        "pending": {wo: len(v) for wo, v in (stream.pending if stream else {}).items()},
        "open_signal": signal_ref(open_signal).model_dump(mode="json") if open_signal else None,
    }


def _series_limit(values: np.ndarray) -> float | list[float]:
    return float(values[0]) if np.all(values == values[0]) else [float(v) for v in values]


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def analysis(
    session: Session,
    characteristic_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    station: str | None = None,
    chart: str | None = None,
    rules: Sequence[RuleSpec],
    baseline: int | None = None,
    iterate: bool = False,
    frozen: bool = False,
) -> dict[str, Any]:
    """`lineside spc` over stored measurements: limits per part, violations, capability.

    Limits come from the data (phase I over all points or the first
    ``baseline``), or with ``frozen`` from the active frozen limits.
    """
    ch = characteristic(session, characteristic_id)
    row = active_limits(session, ch.id) if frozen else None
    if frozen and row is None:
        raise SpcInputError(f"{ch.id} has no frozen control limits")
    chart = chart or (row.chart if row is not None else default_chart(ch))
    data = stored_data(session, ch, chart=chart, station=station, start=start, end=end)
    result: PhaseOne | None = None
    keep = np.ones(data.points, dtype=bool)
    with np.errstate(all="ignore"):
        if row is not None:
            limits = ControlLimits.from_dict(row.limits)
            if limits.chart != chart:
                raise SpcInputError(
                    f"the frozen limits of {ch.id} are for an {limits.chart} chart, not {chart}"
                )
        else:
            if baseline is not None and not 1 <= baseline <= data.points:
                raise SpcInputError(
                    f"baseline must be between 1 and the {data.points} points in the range"
                )
            base = data if baseline is None else data.subset(np.arange(data.points) < baseline)
            result = phase_one(base, iterate=iterate)
            limits = result.limits
            keep[list(result.excluded)] = False
        monitoring = monitor(limits, data, rules)
    cap = None
    if (ch.lsl is not None or ch.usl is not None) and data.measurements is not None:
        cap = capability(data.measurements[keep], lsl=ch.lsl, usl=ch.usl, within=_WITHIN[chart])  # type: ignore[arg-type]
    parts = {
        p.part: {
            "center": p.center,
            "lcl": _series_limit(p.lcl),
            "ucl": _series_limit(p.ucl),
            "values": [_finite(float(v)) for v in p.values],
            "violations": [
                {"rule": v.rule, "index": v.index, "points": list(v.points), "message": v.message}
                for v in monitoring.for_part(p.part)
            ],
        }
        for p in monitoring.chart.parts
    }
    return _clean(
        {
            "characteristic": ch.id,
            "chart": chart,
            "station": station,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "points": data.points,
            "baseline_points": limits.baseline_points,
            "rules": [r.id for r in rules],
            "limits": {**limits.to_dict(), "frozen": row is not None},
            "parts": parts,
            "phase_one": None
            if result is None
            else {
                "iterations": [
                    {"number": it.number, "beyond": list(it.beyond)} for it in result.iterations
                ],
                "excluded": list(result.excluded),
                "converged": result.converged,
            },
            "capability": None if cap is None else asdict(cap),
        }
    )


def signal_ref(row: SpcSignalRow) -> SpcSignalRef:
    return SpcSignalRef(
        id=row.id,
        characteristic=row.characteristic,
        station_id=row.station_id,
        point=row.point,
        rules=list(row.rules),
        message=row.message,
        limits_version=row.limits_version,
        suspect_from=row.suspect_from,
        lots=list(row.lots),
        downstream=list(row.downstream),
        ncr=row.ncr,
        at=row.at,
        later_points=list(row.later_points),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        note=row.note,
        rev=row.rev,
    )


def get_signal(session: Session, signal_id: str) -> SpcSignalRef | None:
    row = session.get(SpcSignalRow, signal_id)
    return None if row is None else signal_ref(row)


def list_signals(
    session: Session,
    *,
    open_only: bool = True,
    station: str | None = None,
    characteristic_id: str | None = None,
    limit: int = 200,
) -> list[SpcSignalRef]:
    """Signals (the first of each episode), newest first."""
    stmt = select(SpcSignalRow).where(SpcSignalRow.continues.is_(None))
    if open_only:
        stmt = stmt.where(SpcSignalRow.acknowledged_at.is_(None))
    if station:
        stmt = stmt.where(SpcSignalRow.station_id == station)
    if characteristic_id:
        stmt = stmt.where(SpcSignalRow.characteristic == characteristic_id)
    rows = session.execute(
        stmt.order_by(SpcSignalRow.at.desc(), SpcSignalRow.rev.desc()).limit(limit)
    ).scalars()
    return [signal_ref(r) for r in rows]


def station_signals(
    session: Session,
    station_id: str,
    since_rev: int,
    upto_rev: int | None = None,
    limit: int | None = None,
) -> list[SpcSignalRef]:
    """Signals of a station changed after ``since_rev`` (opened, extended, acknowledged).

    In rev order, at most ``limit``, up to ``upto_rev``: a page of the station's
    change feed, like its holds.
    """
    stmt = select(SpcSignalRow).where(
        SpcSignalRow.station_id == station_id,
        SpcSignalRow.rev > since_rev,
        SpcSignalRow.continues.is_(None),
    )
    if upto_rev is not None:
        stmt = stmt.where(SpcSignalRow.rev <= upto_rev)
    rows = session.execute(stmt.order_by(SpcSignalRow.rev).limit(limit)).scalars()
    return [signal_ref(r) for r in rows]


def station_limits(
    session: Session,
    station_id: str,
    since_rev: int,
    upto_rev: int | None = None,
    limit: int | None = None,
) -> list[SpcLimitsRef]:
    """Limits (frozen or retired) of characteristics routed to a station, after ``since_rev``."""
    ops = [
        op.id
        for op in session.execute(select(m.Operation)).scalars()
        if station_id in (op.stations or [])
    ]
    if not ops:
        return []
    stmt = (
        select(SpcLimits)
        .join(m.Characteristic, m.Characteristic.id == SpcLimits.characteristic)
        .where(m.Characteristic.operation_id.in_(ops), SpcLimits.rev > since_rev)
    )
    if upto_rev is not None:
        stmt = stmt.where(SpcLimits.rev <= upto_rev)
    rows = session.execute(stmt.order_by(SpcLimits.rev).limit(limit)).scalars()
    out = []
    for row in rows:
        view = limits_view(row)
        out.append(
            SpcLimitsRef(
                characteristic=row.characteristic,
                version=row.version,
                chart=row.chart,
                subgroup_size=view["subgroup_size"],
                lines=[SpcLimitLine(**ln) for ln in view["lines"]],
                rules=view["rules"],
                active=row.active,
                rev=row.rev,
            )
        )
    return out
