"""Phase II monitoring: chart data against limits and apply a rule set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.spc.data import SPREAD_PARTS, ChartData
from core.spc.limits import Chart, ControlLimits, plot
from core.spc.rules import RuleSpec, Violation, check_rule_set, evaluate


def rules_for_part(part: str, rules: Sequence[RuleSpec]) -> tuple[RuleSpec, ...]:
    """The rules that apply to one chart part.

    Location parts (X-bar, I) and attribute charts get every rule; spread
    parts (R, S, MR) only beyond-limits rules, because their distributions are
    skewed (sigma zones mean little) and successive moving ranges overlap.
    """
    specs = check_rule_set(rules)
    if part in SPREAD_PARTS:
        return tuple(s for s in specs if s.kind == "beyond-limits")
    return specs


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: the chart holds numpy arrays
class Monitoring:
    """A chart and every rule violation on it, ordered by part then point."""

    chart: Chart
    violations: tuple[Violation, ...]

    def for_part(self, part: str) -> tuple[Violation, ...]:
        """Violations on one part."""
        return tuple(v for v in self.violations if v.part == part)


def check(chart: Chart, rules: Sequence[RuleSpec]) -> tuple[Violation, ...]:
    """Violations of rules on every part of chart."""
    found: list[Violation] = []
    for p in chart.parts:
        found.extend(evaluate(p.values, p.z, rules_for_part(p.part, rules), part=p.part))
    return tuple(found)


def monitor(limits: ControlLimits, data: ChartData, rules: Sequence[RuleSpec]) -> Monitoring:
    """Chart data against (frozen) limits and evaluate the rule set."""
    chart = plot(limits, data)
    return Monitoring(chart=chart, violations=check(chart, rules))
