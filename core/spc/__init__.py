"""Statistical process control: charts, limits, run rules, streaming, capability.

Pure numpy; no UI, web or database imports. Modules:

- constants: d2, d3, c4 and the chart factors (Factors, factors(n))
- data: chart types and validated ChartData (measurement_data, count_data)
- xbar, individuals, attributes: the formulas of each chart family
- limits: ControlLimits, phase_one, standard_limits, freeze, plot, limit_lines
- rules: RuleSpec, standard WE/Nelson rules, vectorised evaluate
- monitor: phase II (monitor, check, rules_for_part)
- stream: RuleStream, ChartStream, SubgroupFormer
- capability, normality: Cp/Cpk/Pp/Ppk and the Anderson-Darling test
"""

from core.spc.capability import Capability, capability
from core.spc.constants import Factors, c4, d2, d3, factors
from core.spc.data import (
    CHART_PARTS,
    CHART_TYPES,
    ChartData,
    ChartType,
    PartName,
    count_data,
    measurement_data,
)
from core.spc.errors import SpcError
from core.spc.limits import (
    Chart,
    ControlLimits,
    Iteration,
    LimitLines,
    PhaseOne,
    baseline_limits,
    freeze,
    limit_lines,
    phase_one,
    plot,
    standard_limits,
)
from core.spc.monitor import Monitoring, check, monitor, rules_for_part
from core.spc.normality import NormalityTest, anderson_darling
from core.spc.rules import (
    STANDARD_RULES,
    RuleSpec,
    Violation,
    evaluate,
    parse_rules,
    rule,
    rule_hits,
    rule_set,
)
from core.spc.series import PartSeries
from core.spc.stream import (
    ChartStream,
    PointOnChart,
    RuleStream,
    StreamPoint,
    Subgroup,
    SubgroupFormer,
)

__all__ = [
    "CHART_PARTS",
    "CHART_TYPES",
    "STANDARD_RULES",
    "Capability",
    "Chart",
    "ChartData",
    "ChartStream",
    "ChartType",
    "ControlLimits",
    "Factors",
    "Iteration",
    "LimitLines",
    "Monitoring",
    "NormalityTest",
    "PartName",
    "PartSeries",
    "PhaseOne",
    "PointOnChart",
    "RuleSpec",
    "RuleStream",
    "SpcError",
    "StreamPoint",
    "Subgroup",
    "SubgroupFormer",
    "Violation",
    "anderson_darling",
    "baseline_limits",
    "c4",
    "capability",
    "check",
    "count_data",
    "d2",
    "d3",
    "evaluate",
    "factors",
    "freeze",
    "limit_lines",
    "measurement_data",
    "monitor",
    "parse_rules",
    "phase_one",
    "plot",
    "rule",
    "rule_hits",
    "rule_set",
    "rules_for_part",
    "standard_limits",
]
