"""Control limits: phase I (from a baseline), standards, freezing, phase II plots.

A ControlLimits value is plain data: the chart type, the process level and
sigma the limits come from, and who froze them, when and why. Storage lives
elsewhere (to_dict/from_dict give it a JSON-ready form). Limits for any
subgroup size follow from it with the standard formulas, so p and u charts
get per-point limits for whatever sample sizes arrive later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np

from core.spc import attributes, individuals, xbar
from core.spc.data import (
    ATTRIBUTE_CHARTS,
    CHART_PARTS,
    ChartData,
    ChartType,
    PartName,
    check_chart_type,
)
from core.spc.errors import SpcError
from core.spc.series import PartSeries

LimitsSource = Literal["baseline", "standard"]


@dataclass(frozen=True, slots=True)
class ControlLimits:
    """Frozen basis of a chart's limits.

    center: process mean (X-bar, I-MR), fraction nonconforming p (p, np),
    nonconformities per sample (c) or per unit (u).
    sigma: process (within-subgroup) standard deviation for variables charts;
    None for attribute charts, whose sigma follows from center and sample size.
    subgroup_size: n for X-bar and np charts, 1 for I-MR, None for p, c, u.
    version 0 with an empty approved_by is a draft that nobody has frozen.
    """

    chart: ChartType
    center: float
    sigma: float | None
    subgroup_size: int | None
    source: LimitsSource
    version: int = 0
    approved_by: str = ""
    approved_at: datetime | None = None
    reason: str = ""
    baseline_points: int = 0
    excluded: tuple[int, ...] = ()

    @property
    def frozen(self) -> bool:
        """True once someone has approved this version of the limits."""
        return self.version > 0 and bool(self.approved_by)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (datetimes as ISO 8601 strings)."""
        return {
            "chart": self.chart,
            "center": self.center,
            "sigma": self.sigma,
            "subgroup_size": self.subgroup_size,
            "source": self.source,
            "version": self.version,
            "approved_by": self.approved_by,
            "approved_at": None if self.approved_at is None else self.approved_at.isoformat(),
            "reason": self.reason,
            "baseline_points": self.baseline_points,
            "excluded": list(self.excluded),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlLimits:
        """Inverse of to_dict; validates like standard_limits."""
        try:
            at = data.get("approved_at")
            limits = cls(
                chart=check_chart_type(data["chart"]),
                center=float(data["center"]),
                sigma=None if data.get("sigma") is None else float(data["sigma"]),
                subgroup_size=(
                    None if data.get("subgroup_size") is None else int(data["subgroup_size"])
                ),
                source=data.get("source", "standard"),
                version=int(data.get("version", 0)),
                approved_by=str(data.get("approved_by", "")),
                approved_at=None if at is None else datetime.fromisoformat(at),
                reason=str(data.get("reason", "")),
                baseline_points=int(data.get("baseline_points", 0)),
                excluded=tuple(int(i) for i in data.get("excluded", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SpcError):
                raise
            raise SpcError(f"stored control limits are incomplete or malformed: {exc}") from None
        _check_limits(limits)
        return limits


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: parts hold numpy arrays
class Chart:
    """A chart drawn against some limits: one PartSeries per plotted statistic."""

    limits: ControlLimits
    parts: tuple[PartSeries, ...]

    def part(self, name: str) -> PartSeries:
        """The part called name ("xbar", "r", "s", "i", "mr", "p", "np", "c", "u")."""
        for p in self.parts:
            if p.part == name:
                return p
        raise KeyError(f"a {self.limits.chart} chart has no {name!r} part")


@dataclass(frozen=True, slots=True)
class Iteration:
    """One phase I pass: limits from the retained points, and the points beyond them."""

    number: int
    limits: ControlLimits
    beyond: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PhaseOne:
    """Result of phase I: final draft limits and the history of exclusions.

    excluded lists every baseline index left out of the final limits;
    converged is False if max_iterations ran out while points were still out.
    """

    limits: ControlLimits
    iterations: tuple[Iteration, ...]
    excluded: tuple[int, ...]
    converged: bool


def _check_limits(limits: ControlLimits) -> None:
    chart = check_chart_type(limits.chart)
    if limits.source not in ("baseline", "standard"):
        raise SpcError(f"limits source must be 'baseline' or 'standard', got {limits.source!r}")
    if not math.isfinite(limits.center):
        raise SpcError("the centre line must be a finite number")
    if chart in ATTRIBUTE_CHARTS:
        attributes.check_level(chart, limits.center)
        if chart == "np" and (limits.subgroup_size is None or limits.subgroup_size < 1):
            raise SpcError("np chart limits need the (common) sample size")
        return
    if limits.sigma is None or not math.isfinite(limits.sigma) or limits.sigma <= 0:
        raise SpcError(
            f"process sigma must be a positive number for an {chart} chart, got {limits.sigma}"
        )
    if chart == "imr":
        if limits.subgroup_size not in (None, 1):
            raise SpcError("an I-MR chart has one measurement per point")
    elif limits.subgroup_size is None or limits.subgroup_size < 2:
        raise SpcError(f"{chart} limits need the subgroup size (at least 2)")
    elif chart == "xbar-r" and limits.subgroup_size > 25:
        raise SpcError("an X-bar R chart supports subgroups up to 25: use X-bar S")


def _estimate(data: ChartData) -> tuple[float, float | None, int | None]:
    """(center, sigma, subgroup_size) from baseline data."""
    if data.chart in ("xbar-r", "xbar-s"):
        sub = data.measurements
        assert sub is not None
        sigma = (
            xbar.sigma_from_ranges(sub) if data.chart == "xbar-r" else xbar.sigma_from_stdevs(sub)
        )
        return float(sub.mean()), sigma, int(sub.shape[1])
    if data.chart == "imr":
        x = data.measurements
        assert x is not None
        if x.size < 2:
            raise SpcError("fewer than 2 measurements left in the baseline: cannot estimate sigma")
        return float(x.mean()), individuals.sigma_from_moving_ranges(x), 1
    assert data.counts is not None
    level = attributes.process_level(data.chart, data.counts, data.sizes)
    size = int(data.sizes[0]) if data.chart == "np" and data.sizes is not None else None
    return level, None, size


def baseline_limits(data: ChartData, *, exclude: tuple[int, ...] = ()) -> ControlLimits:
    """Draft limits estimated from baseline data, leaving out the points in exclude.

    Excluded I-MR points are dropped before moving ranges are taken, so their
    neighbours form one moving range (as if the point had not been measured).
    """
    keep = np.ones(data.points, dtype=bool)
    bad = [i for i in exclude if not 0 <= i < data.points]
    if bad:
        raise SpcError(f"cannot exclude point {bad[0]}: the baseline has {data.points} points")
    keep[list(exclude)] = False
    if not keep.any():
        raise SpcError("every baseline point is excluded: nothing left to compute limits from")
    center, sigma, size = _estimate(data.subset(keep) if exclude else data)
    return ControlLimits(
        chart=data.chart,
        center=center,
        sigma=sigma,
        subgroup_size=size,
        source="baseline",
        baseline_points=int(keep.sum()),
        excluded=tuple(sorted(set(exclude))),
    )


def standard_limits(
    chart: str,
    *,
    center: float,
    sigma: float | None = None,
    subgroup_size: int | None = None,
) -> ControlLimits:
    """Draft limits from known (standard) values instead of a baseline.

    Variables charts need center (mu) and sigma; np needs subgroup_size; p, c
    and u need only center (p0, c0, u0). X-bar: mu +/- 3 sigma/sqrt(n);
    R: D1 sigma .. D2 sigma around d2 sigma; S: B5 sigma .. B6 sigma around c4 sigma.
    """
    chart = check_chart_type(chart)
    if chart == "imr" and subgroup_size is None:
        subgroup_size = 1
    limits = ControlLimits(
        chart=chart,
        center=float(center),
        sigma=None if sigma is None else float(sigma),
        subgroup_size=subgroup_size,
        source="standard",
    )
    if chart in ATTRIBUTE_CHARTS and sigma is not None:
        raise SpcError(f"a {chart} chart takes no sigma: it follows from the centre value")
    _check_limits(limits)
    return limits


def freeze(
    limits: ControlLimits,
    *,
    version: int,
    approved_by: str,
    approved_at: datetime,
    reason: str,
) -> ControlLimits:
    """Approved copy of limits carrying version, who, when and why."""
    if version < 1:
        raise SpcError("a frozen limits version starts at 1")
    if not approved_by.strip():
        raise SpcError("frozen limits need the name of the person approving them")
    if not reason.strip():
        raise SpcError("frozen limits need a reason (e.g. 'initial study', 'new tooling')")
    if not isinstance(approved_at, datetime):
        raise SpcError("approved_at must be a date and time")
    return replace(
        limits, version=version, approved_by=approved_by, approved_at=approved_at, reason=reason
    )


def plot(limits: ControlLimits, data: ChartData) -> Chart:
    """Chart data against limits (phase II when the limits are frozen).

    Raises SpcError if the data do not fit the limits (other chart type,
    other subgroup size).
    """
    if data.chart != limits.chart:
        raise SpcError(f"these limits are for an {limits.chart} chart, not {data.chart}")
    parts: list[PartSeries] = []
    if data.chart in ("xbar-r", "xbar-s"):
        sub = data.measurements
        assert sub is not None and limits.sigma is not None
        if sub.shape[1] != limits.subgroup_size:
            raise SpcError(
                f"the limits were set for subgroups of {limits.subgroup_size}, "
                f"these subgroups have {sub.shape[1]} measurements"
            )
        parts.append(xbar.xbar_part(sub, limits.center, limits.sigma))
        spread = xbar.r_part if data.chart == "xbar-r" else xbar.s_part
        parts.append(spread(sub, limits.sigma))
    elif data.chart == "imr":
        x = data.measurements
        assert x is not None and limits.sigma is not None
        parts.append(individuals.i_part(x, limits.center, limits.sigma))
        parts.append(individuals.mr_part(x, limits.sigma))
    else:
        counts, sizes = data.counts, data.sizes
        assert counts is not None
        if data.chart == "p":
            assert sizes is not None
            parts.append(attributes.p_part(counts, sizes, limits.center))
        elif data.chart == "np":
            assert sizes is not None and limits.subgroup_size is not None
            if sizes[0] != limits.subgroup_size:
                raise SpcError(
                    f"the np limits were set for samples of {limits.subgroup_size}, "
                    f"these samples have {sizes[0]:g} units"
                )
            parts.append(attributes.np_part(counts, limits.subgroup_size, limits.center))
        elif data.chart == "c":
            parts.append(attributes.c_part(counts, limits.center))
        else:
            assert sizes is not None
            parts.append(attributes.u_part(counts, sizes, limits.center))
    return Chart(limits=limits, parts=tuple(parts))


@dataclass(frozen=True, slots=True)
class LimitLines:
    """Centre line and control limits of one chart part, for drawing."""

    part: PartName
    center: float
    lcl: float
    ucl: float
    sigma: float


def limit_lines(limits: ControlLimits, *, size: float | None = None) -> tuple[LimitLines, ...]:
    """The lines to draw for each part before (or without) any data.

    p and u charts need the sample size the lines are for (their limits vary
    with it); np uses the limits' own size.
    """
    if limits.chart in ("xbar-r", "xbar-s"):
        n = limits.subgroup_size or 2
        data = ChartData(limits.chart, measurements=np.full((1, n), limits.center))
    elif limits.chart == "imr":
        data = ChartData("imr", measurements=np.full(2, limits.center))
    elif limits.chart == "c":
        data = ChartData("c", counts=np.zeros(1))
    else:
        if limits.chart == "np":
            size = limits.subgroup_size
        if size is None or not size > 0:
            raise SpcError(f"{limits.chart} chart limits depend on the sample size: give size")
        data = ChartData(limits.chart, counts=np.zeros(1), sizes=np.full(1, float(size)))
    row = 1 if limits.chart == "imr" else 0
    return tuple(
        LimitLines(p.part, p.center, float(p.lcl[row]), float(p.ucl[row]), float(p.sigma[row]))
        for p in plot(limits, data).parts
    )


def _exclusion_parts(chart: str) -> tuple[PartName, ...]:
    # An MR signal does not say which of its two points is at fault, so I-MR excludes on I only.
    return ("i",) if chart == "imr" else CHART_PARTS[chart]


def phase_one(data: ChartData, *, iterate: bool = True, max_iterations: int = 10) -> PhaseOne:
    """Limits from a baseline, optionally revised by excluding points beyond them.

    Each iteration computes limits from the retained points, charts every
    baseline point against them and records the retained points beyond the
    limits; those are excluded and the limits recomputed, until no retained
    point is beyond, or iterate is False, or max_iterations passes have run.
    """
    if max_iterations < 1:
        raise SpcError("max_iterations must be at least 1")
    excluded: set[int] = set()
    iterations: list[Iteration] = []
    converged = False
    for number in range(1, max_iterations + 1):
        limits = baseline_limits(data, exclude=tuple(sorted(excluded)))
        chart = plot(limits, data)
        out: set[int] = set()
        for name in _exclusion_parts(data.chart):
            out.update(int(i) for i in chart.part(name).beyond_limits())
        beyond = tuple(sorted(out - excluded))
        iterations.append(Iteration(number=number, limits=limits, beyond=beyond))
        if not beyond:
            converged = True
            break
        if not iterate or number == max_iterations:
            break
        excluded.update(beyond)
    final = iterations[-1].limits
    return PhaseOne(
        limits=final,
        iterations=tuple(iterations),
        excluded=final.excluded,
        converged=converged,
    )
