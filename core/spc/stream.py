"""Streaming SPC: rules evaluated one point at a time, and subgroup forming.

RuleStream keeps only bounded state per rule (capped run counters and ring
buffers no longer than the rule's window), so the cost of a point does not
grow with history. Its violations equal core.spc.rules.evaluate on the same
series. To resume after a restart, push the last `memory` points again and
discard what they report.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.spc.data import ATTRIBUTE_CHARTS, CHART_PARTS, count_data, measurement_data
from core.spc.errors import SpcError
from core.spc.limits import Chart, ControlLimits, plot
from core.spc.monitor import rules_for_part
from core.spc.rules import RuleSpec, Violation, check_rule_set, describe


class _RuleState:
    """One rule's bounded state: run counters capped at the run, or a window ring buffer."""

    __slots__ = ("spec", "messages", "up", "down", "count")

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.messages = {d: describe(spec, d) for d in (1, -1)}
        self.up: int | deque[bool] = deque(maxlen=spec.run) if spec.kind == "zone-count" else 0
        self.down: int | deque[bool] = deque(maxlen=spec.run) if spec.kind == "zone-count" else 0
        self.count = 0


class RuleStream:
    """Evaluates a rule set one point at a time against frozen limits."""

    __slots__ = ("rules", "part", "_index", "_prev", "_prev_sign", "_states")

    def __init__(self, rules: Sequence[RuleSpec], *, part: str = "", start_index: int = 0) -> None:
        self.rules = tuple(s for s in check_rule_set(rules) if s.enabled)
        self.part = part
        self._index = start_index
        self._prev = math.nan
        self._prev_sign = 0
        self._states = [_RuleState(s) for s in self.rules]

    @property
    def next_index(self) -> int:
        """Index the next pushed point will get."""
        return self._index

    @property
    def memory(self) -> int:
        """Points of history that fully determine the state (the longest window)."""
        return max((s.run for s in self.rules), default=1)

    def push(self, value: float, z: float) -> tuple[Violation, ...]:
        """Add the next point (its value and z score); return the violations it completes."""
        i = self._index
        self._index += 1
        diff = value - self._prev
        sign = 1 if diff > 0 else (-1 if diff < 0 else 0)
        flip = sign != 0 and sign == -self._prev_sign
        self._prev, self._prev_sign = value, sign
        out: list[Violation] = []
        for st in self._states:
            hit = self._step(st, i, z, sign, flip)
            if hit is not None:
                out.append(hit)
        return tuple(out)

    def _step(self, st: _RuleState, i: int, z: float, sign: int, flip: bool) -> Violation | None:
        spec = st.spec
        kind = spec.kind
        run = spec.run
        if kind == "beyond-limits":
            d = 1 if z > spec.sigma else (-1 if z < -spec.sigma else 0)
            return Violation(spec.id, i, (i,), st.messages[d], self.part) if d else None
        if kind == "zone-count":
            assert isinstance(st.up, deque) and isinstance(st.down, deque)
            is_up, is_down = z > spec.sigma, z < -spec.sigma
            st.up.append(is_up)
            st.down.append(is_down)
            for d, flags, now in ((1, st.up, is_up), (-1, st.down, is_down)):
                if now and sum(flags) >= spec.hits:
                    first = i - len(flags) + 1
                    points = tuple(first + k for k, f in enumerate(flags) if f)
                    return Violation(spec.id, i, points, st.messages[d], self.part)
            return None
        if kind == "same-side":
            up_cond, down_cond, need = z > 0, z < 0, run
        elif kind == "trend":
            up_cond, down_cond, need = sign > 0, sign < 0, run - 1
        elif kind == "alternating":
            st.count = min(st.count + 1, run) if flip else 0
            fired = sign != 0 and st.count >= run - 2
            return self._run_violation(st, i, 1) if fired else None
        else:
            cond = abs(z) < spec.sigma if kind == "within" else abs(z) > spec.sigma
            st.count = min(st.count + 1, run) if cond else 0
            return self._run_violation(st, i, 1) if st.count >= run else None
        assert isinstance(st.up, int) and isinstance(st.down, int)
        st.up = min(st.up + 1, need) if up_cond else 0
        st.down = min(st.down + 1, need) if down_cond else 0
        if st.up >= need:
            return self._run_violation(st, i, 1)
        if st.down >= need:
            return self._run_violation(st, i, -1)
        return None

    def _run_violation(self, st: _RuleState, i: int, d: int) -> Violation:
        points = tuple(range(i - st.spec.run + 1, i + 1))
        return Violation(st.spec.id, i, points, st.messages[d], self.part)


@dataclass(frozen=True, slots=True)
class PointOnChart:
    """One part's plotted value at a streamed point, with its limits."""

    part: str
    value: float
    center: float
    lcl: float
    ucl: float
    sigma: float
    z: float


@dataclass(frozen=True, slots=True)
class StreamPoint:
    """What a ChartStream reports for one pushed point."""

    index: int
    parts: tuple[PointOnChart, ...]
    violations: tuple[Violation, ...]

    @property
    def in_control(self) -> bool:
        """True when no rule fired at this point."""
        return not self.violations


class ChartStream:
    """Charts one point (subgroup, measurement or count) at a time against frozen limits.

    Holds one RuleStream per chart part and, for I-MR, the previous value.
    Results equal core.spc.monitor.monitor over the same series.
    """

    __slots__ = ("limits", "_streams", "_prev_value")

    def __init__(
        self,
        limits: ControlLimits,
        rules: Sequence[RuleSpec],
        *,
        start_index: int = 0,
        previous_value: float | None = None,
    ) -> None:
        self.limits = limits
        self._streams = {
            p: RuleStream(rules_for_part(p, rules), part=p, start_index=start_index)
            for p in CHART_PARTS[limits.chart]
        }
        self._prev_value = previous_value

    @property
    def next_index(self) -> int:
        """Index the next pushed point will get."""
        return next(iter(self._streams.values())).next_index

    def push_subgroup(self, measurements: Sequence[float]) -> StreamPoint:
        """Add one subgroup (X-bar R / X-bar S charts)."""
        if self.limits.chart not in ("xbar-r", "xbar-s"):
            raise SpcError(f"an {self.limits.chart} chart does not take subgroups")
        data = measurement_data(self.limits.chart, [list(measurements)])
        return self._push(plot(self.limits, data), 0)

    def push_value(self, value: float) -> StreamPoint:
        """Add one individual measurement (I-MR chart)."""
        if self.limits.chart != "imr":
            raise SpcError(f"an {self.limits.chart} chart does not take single measurements")
        if not math.isfinite(value):
            raise SpcError(f"measurement {value} is missing or infinite")
        prev = value if self._prev_value is None else self._prev_value
        chart = plot(self.limits, measurement_data("imr", [prev, value]))
        first = self._prev_value is None
        self._prev_value = float(value)
        return self._push(chart, 1, first_point=first)

    def push_count(self, count: float, size: float | None = None) -> StreamPoint:
        """Add one sample's count (and size for p, np, u charts)."""
        if self.limits.chart not in ATTRIBUTE_CHARTS:
            raise SpcError(f"an {self.limits.chart} chart does not take counts")
        data = count_data(self.limits.chart, [count], None if size is None else [size])
        return self._push(plot(self.limits, data), 0)

    def _push(self, chart: Chart, row: int, *, first_point: bool = False) -> StreamPoint:
        index = self.next_index
        on_chart: list[PointOnChart] = []
        violations: list[Violation] = []
        for p in chart.parts:
            value = float(p.values[row])
            if p.part == "mr" and first_point:
                value = math.nan  # the first point has no moving range
            z = float((np.float64(value) - p.center) / p.sigma[row])
            on_chart.append(
                PointOnChart(
                    p.part,
                    value,
                    p.center,
                    float(p.lcl[row]),
                    float(p.ucl[row]),
                    float(p.sigma[row]),
                    z,
                )
            )
            violations.extend(self._streams[p.part].push(value, z))
        return StreamPoint(index=index, parts=tuple(on_chart), violations=tuple(violations))


@dataclass(frozen=True, slots=True)
class Subgroup:
    """A full subgroup of measurements from one station on one work order."""

    station: str
    work_order: str
    values: tuple[float, ...]


class SubgroupFormer:
    """Collects individual measurements into subgroups of n per (station, work order).

    A subgroup never mixes stations or work orders; it is emitted as soon as
    it holds n values. Call discard() when a work order closes so a partial
    subgroup does not linger.
    """

    __slots__ = ("size", "_open")

    def __init__(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SpcError(f"subgroup size must be a whole number of at least 1, got {size!r}")
        self.size = size
        self._open: dict[tuple[str, str], list[float]] = {}

    def add(self, station: str, work_order: str, value: float) -> Subgroup | None:
        """Add one measurement; return the completed Subgroup, or None while filling."""
        v = float(value)
        if not math.isfinite(v):
            raise SpcError(
                f"measurement {value} from station {station}, work order {work_order} "
                "is missing or infinite"
            )
        key = (station, work_order)
        values = self._open.setdefault(key, [])
        values.append(v)
        if len(values) < self.size:
            return None
        del self._open[key]
        return Subgroup(station=station, work_order=work_order, values=tuple(values))

    def pending(self, station: str, work_order: str) -> tuple[float, ...]:
        """Measurements waiting in the open subgroup for this key."""
        return tuple(self._open.get((station, work_order), ()))

    def discard(self, station: str, work_order: str) -> tuple[float, ...]:
        """Drop and return the partial subgroup for this key (e.g. work order closed)."""
        return tuple(self._open.pop((station, work_order), ()))

    @property
    def open_keys(self) -> tuple[tuple[str, str], ...]:
        """(station, work order) pairs with a partial subgroup."""
        return tuple(self._open)
