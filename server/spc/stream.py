"""Charting measurements as they arrive.

Every applied MeasurementRecorded of a variable characteristic with frozen
limits joins the chart of its characteristic at its station. Measurements are
collected into subgroups per station and work order (the plan's subgroup
size); each full subgroup (or each value, for an I-MR chart) is one plotted
point. The run rules are evaluated one point at a time: their state is rebuilt
from the last few stored points (at most the longest rule window) once per
batch and kept for the rest of that batch only, so a point costs the same
whatever the history and nothing outlives the transaction (several server
processes can share one database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select

from core.outcomes import SpcOut, SpcPartOut, SpcPointOut, SpcViolationOut
from core.spc import (
    CHART_PARTS,
    ChartStream,
    ControlLimits,
    RuleSpec,
    RuleStream,
    SpcError,
    StreamPoint,
    Violation,
    rules_for_part,
)
from server import models as m
from server.apply.context import ApplyContext
from server.models_spc import SpcLimits, SpcPoint, SpcStream
from server.spc.charts import (
    limits_of,
    limits_problem,
    number,
    part_json,
    plan_subgroup_size,
    violation_json,
)
from server.spc.containment import react_to_point

_NONE = object()


def _chart_of(
    ctx: ApplyContext, ch: m.Characteristic
) -> tuple[ControlLimits, tuple[RuleSpec, ...], SpcStream | None] | None:
    """The active limits and this station's chart, looked up once per batch."""
    key = ("spc-chart", ch.id, ctx.station_id)
    memo = ctx.batch.memo
    found = memo.get(key, _NONE)
    if found is _NONE:
        row = ctx.session.execute(
            select(SpcLimits, SpcStream)
            .outerjoin(
                SpcStream,
                and_(
                    SpcStream.characteristic == SpcLimits.characteristic,
                    SpcStream.station_id == ctx.station_id,
                ),
            )
            .where(SpcLimits.characteristic == ch.id, SpcLimits.active.is_(True))
        ).first()
        found = None if row is None else (*limits_of(row[0]), row[1])
        memo[key] = found
    return found  # type: ignore[return-value]


def on_measurement(
    ctx: ApplyContext,
    ch: m.Characteristic,
    value: float,
    job: m.Job,
    wo: m.WorkOrder,
) -> SpcOut:
    """Add one applied measurement to its characteristic's chart at its station.

    ``status`` is "off" (no frozen limits, with the reason), "collecting" (the
    subgroup is not full yet) or "plotted" with the point (values, centre,
    limits, z per part), the rules that fired and the signal they opened or
    extended.
    """
    if ch.kind != "variable":
        return SpcOut(
            status="off", reason=f"{ch.id} is an attribute characteristic: it is not charted live"
        )
    station = ctx.station_id
    found = _chart_of(ctx, ch)
    if found is None:
        return SpcOut(status="off", reason=f"no frozen control limits for {ch.id}")
    limits, rules, stream = found
    problem = limits_problem(ch, limits)
    if problem is not None:
        return SpcOut(status="off", reason=problem)
    if stream is None:
        stream = SpcStream(
            characteristic=ch.id, station_id=station, limits_version=limits.version, pending={}
        )
        ctx.batch.memo[("spc-chart", ch.id, station)] = (limits, rules, stream)
    if stream.limits_version != limits.version:
        # New limits start a new chart: rules do not look back across versions.
        stream.limits_version = limits.version
        stream.version_from = stream.next_index
        stream.prev_value = None
        ctx.batch.memo.pop(("spc-rules", ch.id, station), None)
    n = plan_subgroup_size(ch)
    pending: dict[str, Any] = dict(stream.pending or {})
    waiting = [*pending.get(wo.number, []), [str(ctx.event.id), value, job.id]]
    base = {"chart": limits.chart, "limits_version": limits.version, "station": station}
    if len(waiting) < n:
        pending[wo.number] = waiting
        _save_stream(ctx, stream, pending)
        return SpcOut(
            status="collecting", work_order=wo.number, pending=len(waiting), subgroup_size=n, **base
        )
    pending.pop(wo.number, None)
    if pending:
        closed = (
            ctx.session.execute(
                select(m.WorkOrder.number).where(
                    m.WorkOrder.number.in_(list(pending)),  # type: ignore[attr-defined]
                    m.WorkOrder.status == "closed",
                )
            )
            .scalars()
            .all()
        )
        for number_ in closed:
            pending.pop(number_, None)  # a closed work order's partial subgroup never fills
    values = [float(w[1]) for w in waiting]
    try:
        point, violations = _push(ctx, stream, limits, rules, values)
    except SpcError as exc:  # validated limits and values make this unreachable; keep the fact
        return SpcOut(status="error", reason=str(exc), **base)
    record = SpcPoint(
        characteristic=ch.id,
        station_id=station,
        idx=point.index,
        work_order=wo.number,
        limits_version=limits.version,
        values=values,
        events=[w[0] for w in waiting],
        jobs=list(dict.fromkeys(w[2] for w in waiting)),
        parts=[part_json(p) for p in point.parts],
        violations=[violation_json(v) for v in violations],
        in_control=not violations,
        at=ctx.occurred_at,
    )
    ctx.session.add(record)
    stream.next_index = point.index + 1
    if limits.chart == "imr":
        stream.prev_value = values[-1]
    if not violations:
        stream.last_in_control = point.index
    signal = react_to_point(ctx, ch, wo, stream, record, violations, limits.version)
    _save_stream(ctx, stream, pending)
    return SpcOut(
        status="plotted",
        point=SpcPointOut(
            index=point.index,
            in_control=not violations,
            work_order=wo.number,
            values=values,
            parts=[SpcPartOut(**p) for p in record.parts],
            violations=[SpcViolationOut(**v) for v in record.violations],
        ),
        signal=signal,
        open_signal=stream.open_signal_id,
        **base,
    )


def _save_stream(ctx: ApplyContext, stream: SpcStream, pending: dict[str, Any]) -> None:
    stream.pending = pending
    stream.updated_at = datetime.now(UTC)
    ctx.session.add(stream)


def _push(
    ctx: ApplyContext,
    stream: SpcStream,
    limits: ControlLimits,
    rules: Sequence[RuleSpec],
    values: list[float],
) -> tuple[StreamPoint, list[Violation]]:
    """Chart one point and evaluate the rules with this batch's rule state for the chart."""
    key = ("spc-rules", stream.characteristic, stream.station_id)
    streams = ctx.batch.memo.get(key)
    if streams is None:
        streams = ctx.batch.memo[key] = _rebuild(ctx, stream, limits, rules)
    previous = stream.prev_value if limits.chart == "imr" else None
    chart = ChartStream(limits, (), start_index=stream.next_index, previous_value=previous)
    point = chart.push_value(values[0]) if limits.chart == "imr" else chart.push_subgroup(values)
    violations = [v for p in point.parts for v in streams[p.part].push(p.value, p.z)]
    return point, violations


def _rebuild(
    ctx: ApplyContext, stream: SpcStream, limits: ControlLimits, rules: Sequence[RuleSpec]
) -> dict[str, RuleStream]:
    """Rule state after the stream's last point: its last ``memory`` points pushed again."""
    memory = max((r.run for r in rules if r.enabled), default=1)
    recent = (
        ctx.session.execute(
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
            streams[p["part"]].push(number(p["value"]), number(p["z"]))
    return streams
