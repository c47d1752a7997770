"""Chart data from stored measurements (or given values), and `lineside spc` over them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from core.spc import (
    ChartData,
    ControlLimits,
    PhaseOne,
    RuleSpec,
    SubgroupFormer,
    capability,
    measurement_data,
    monitor,
    phase_one,
)
from server import models as m
from server.spc.charts import WITHIN, active_limits, default_chart, finite, plan_subgroup_size


class SpcInputError(ValueError):
    """A request the server cannot turn into limits or an analysis; the message is for people."""


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


def _series_limit(values: np.ndarray) -> float | list[float]:
    return float(values[0]) if np.all(values == values[0]) else [float(v) for v in values]


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return finite(value)
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
        cap = capability(data.measurements[keep], lsl=ch.lsl, usl=ch.usl, within=WITHIN[chart])  # type: ignore[arg-type]
    parts = {
        p.part: {
            "center": p.center,
            "lcl": _series_limit(p.lcl),
            "ucl": _series_limit(p.ucl),
            "values": [finite(float(v)) for v in p.values],
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
