"""Single sampling plans of ISO 2859-1:1999 (ANSI/ASQ Z1.4-2003) for one lot.

``plan(lot_size, level, aql, severity)`` takes the code letter from Table I,
reads the master table of the severity (2-A normal, 2-B tightened, 2-C
reduced), follows its arrows to the plan they point at, with the sample size
of the row where that plan is found, and inspects the whole lot when that
sample size equals or exceeds the lot size. ``judge(plan, defectives)``
decides the lot: accept with Ac or fewer nonconforming items (or
nonconformities), reject with Re or more.

AQLs above 10 are for nonconformities per 100 items only (ISO 2859-1 5.2);
the tables are the same, so the caller decides what the count means.
"""

from __future__ import annotations

import bisect
import math
import operator
from dataclasses import dataclass
from typing import Literal

from core.sampling.code_letters import INSPECTION_LEVELS, TABLE_I
from core.sampling.errors import SamplingError
from core.sampling.master_tables import (
    AQL_LABELS,
    AQL_VALUES,
    DOWN,
    TABLES,
    MasterTable,
    Severity,
)

SEVERITIES: tuple[Severity, ...] = ("normal", "tightened", "reduced")
MAX_LOT_SIZE = 1_000_000_000  # beyond this a "lot" is a typing slip, not a lot
Decision = Literal["accept", "reject"]


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """What to inspect in one lot and how to decide it.

    ``code_letter`` is the Table I letter for the lot size and inspection
    level; ``plan_letter`` is the row of the master table where the plan was
    found after following the arrows, and ``n`` is that row's sample size.
    ``sample`` is the number of units to inspect: ``n``, or the whole lot
    when ``n`` equals or exceeds the lot size (100 % inspection).
    """

    lot_size: int
    level: str
    aql: float
    severity: Severity
    code_letter: str
    plan_letter: str
    n: int
    ac: int
    re: int
    sample: int

    @property
    def table(self) -> str:
        """The master table the plan comes from, numbered as in ISO 2859-1 ("2-A", ...)."""
        return TABLES[self.severity].number

    @property
    def hundred_percent(self) -> bool:
        """True when the sample size reaches the lot size, so every unit is inspected."""
        return self.n >= self.lot_size

    @property
    def aql_label(self) -> str:
        """The AQL as the tables print it ("0.010", "1.0", "10")."""
        return AQL_LABELS[AQL_VALUES.index(self.aql)]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready values, with the table number and the 100 % flag."""
        return {
            "lot_size": self.lot_size,
            "level": self.level,
            "aql": self.aql,
            "severity": self.severity,
            "table": self.table,
            "code_letter": self.code_letter,
            "plan_letter": self.plan_letter,
            "n": self.n,
            "ac": self.ac,
            "re": self.re,
            "sample": self.sample,
            "hundred_percent": self.hundred_percent,
        }


# (plan letter, sample size, Ac, Re) per AQL column, or None where a table has no plan.
Resolved = tuple[str, int, int, int]


def _follow(table: MasterTable, row: int, column: int) -> Resolved | None:
    """The plan a cell points at: itself, or the first plan below (↓) or above (↑) it."""
    start = row
    cell = table.cells[row][column]
    if cell is None:
        return None
    while not isinstance(cell, tuple):
        row += 1 if cell == DOWN else -1
        if not 0 <= row < len(table.letters) or table.cells[row][column] is None:
            letter, label = table.letters[start], AQL_LABELS[column]
            raise ValueError(f"Table {table.number}, {letter} at AQL {label}: arrow leads nowhere")
        cell = table.cells[row][column]
    return table.letters[row], table.sample_sizes[row], cell[0], cell[1]


_RESOLVED: dict[tuple[str, str], tuple[Resolved | None, ...]] = {
    (severity, letter): tuple(_follow(table, row, c) for c in range(len(AQL_VALUES)))
    for severity, table in TABLES.items()
    for row, letter in enumerate(table.letters)
}

_LOT_STARTS = [first for first, _last, _letters in TABLE_I]
_LOT_LETTERS = [tuple(letters.replace("|", "").split()) for _first, _last, letters in TABLE_I]
_LEVEL_INDEX = {level: index for index, level in enumerate(INSPECTION_LEVELS)}
_AQL_INDEX = {value: index for index, value in enumerate(AQL_VALUES)}
_SEVERITY_NAMES: dict[str, Severity] = {severity: severity for severity in SEVERITIES}


def _lot_size(lot_size: int) -> int:
    if isinstance(lot_size, bool):
        raise SamplingError(f"lot size must be a whole number of units, not {lot_size!r}")
    try:
        size = operator.index(lot_size)
    except TypeError:
        raise SamplingError(f"lot size must be a whole number of units, not {lot_size!r}") from None
    if size < 1:
        raise SamplingError(f"lot size must be at least 1 unit (got {size})")
    if size > MAX_LOT_SIZE:
        raise SamplingError(
            f"lot size {size:,} is not plausible for one lot (more than {MAX_LOT_SIZE:,} "
            "units): check the quantity, or split the delivery into lots"
        )
    return size


def _level(level: str) -> str:
    if level in _LEVEL_INDEX:
        return level
    text = str(level).strip().upper().replace(" ", "")
    if len(text) == 2 and text[0] == "S" and text[1].isdigit():
        text = f"S-{text[1]}"  # "S1" as often written
    if text not in _LEVEL_INDEX:
        raise SamplingError(
            f"unknown inspection level {level!r}: use one of {', '.join(INSPECTION_LEVELS)}"
        )
    return text


def _aql_column(aql: float) -> int:
    if not isinstance(aql, bool):
        column = _AQL_INDEX.get(aql) if isinstance(aql, float | int) else None
        if column is not None:
            return column
        try:
            value = float(aql)
        except (TypeError, ValueError):
            value = math.nan
        for index, candidate in enumerate(AQL_VALUES):
            if math.isclose(value, candidate, rel_tol=1e-9):
                return index
    raise SamplingError(
        f"AQL {aql!r} is not a column of the ISO 2859-1 tables: use one of "
        f"{', '.join(AQL_LABELS)} (in percent nonconforming up to 10, "
        "in nonconformities per 100 items for any)"
    )


def _severity(severity: str) -> Severity:
    name = _SEVERITY_NAMES.get(severity)
    if name is None:
        name = _SEVERITY_NAMES.get(str(severity).strip().lower())
    if name is None:
        raise SamplingError(
            f"unknown inspection severity {severity!r}: use normal, tightened or reduced"
        )
    return name


def code_letter(lot_size: int, level: str = "II") -> str:
    """The Table I sample size code letter for a lot size and inspection level.

    A lot of one unit reads the first row (2 to 8) and is then inspected whole.
    """
    size = _lot_size(lot_size)
    row = max(bisect.bisect_right(_LOT_STARTS, size) - 1, 0)
    return _LOT_LETTERS[row][_LEVEL_INDEX[_level(level)]]


def plan(
    lot_size: int, level: str = "II", aql: float = 1.0, severity: Severity = "normal"
) -> SamplingPlan:
    """The single sampling plan for a lot, per ISO 2859-1:1999 Tables 1 and 2-A/2-B/2-C.

    Raises SamplingError for a lot size below 1 or above MAX_LOT_SIZE, an
    unknown inspection level or severity, or an AQL that is not a table column.
    """
    size = _lot_size(lot_size)
    level_name = _level(level)
    column = _aql_column(aql)
    severity_name = _severity(severity)
    row = max(bisect.bisect_right(_LOT_STARTS, size) - 1, 0)
    letter = _LOT_LETTERS[row][_LEVEL_INDEX[level_name]]
    found = _RESOLVED[severity_name, letter][column]
    assert found is not None  # every Table I letter has a plan in every column
    plan_letter, n, ac, re = found
    return SamplingPlan(
        lot_size=size,
        level=level_name,
        aql=AQL_VALUES[column],
        severity=severity_name,
        code_letter=letter,
        plan_letter=plan_letter,
        n=n,
        ac=ac,
        re=re,
        sample=n if n < size else size,
    )


def table_plan(severity: Severity, letter: str, aql: float) -> tuple[str, int, int, int] | None:
    """(plan letter, n, Ac, Re) that a master table gives for a row and AQL column.

    Follows the arrows from that cell. None where the table has no plan (the
    blank cells of row S in Table 2-B).
    """
    key = (_severity(severity), str(letter).strip().upper())
    if key not in _RESOLVED:
        letters = ", ".join(TABLES[key[0]].letters)
        raise SamplingError(
            f"Table {TABLES[key[0]].number} has no code letter {letter!r}: {letters}"
        )
    return _RESOLVED[key][_aql_column(aql)]


def one_step_tighter(plan: SamplingPlan) -> tuple[str, int, int, int] | None:
    """The normal-inspection plan one AQL column tighter on the row this plan came from.

    This is what ISO 2859-1:1999 9.3.3.2 compares a lot with when the
    acceptance number is 2 or more ("would the lot have been accepted if the
    AQL had been one step tighter"). None for the tightest column (0.010).
    """
    column = _AQL_INDEX[plan.aql]
    if column == 0:
        return None
    return _RESOLVED["normal", plan.plan_letter][column - 1]


def _defectives(defectives: int) -> int:
    if isinstance(defectives, bool):
        raise SamplingError(f"the count of nonconforming items must be a number, not {defectives}")
    try:
        count = operator.index(defectives)
    except TypeError:
        raise SamplingError(
            f"the count of nonconforming items must be a whole number, not {defectives!r}"
        ) from None
    if count < 0:
        raise SamplingError(f"the count of nonconforming items cannot be negative ({count})")
    return count


def judge(plan: SamplingPlan, defectives: int) -> Decision:
    """Accept the lot when the sample holds Ac or fewer nonconforming items, else reject.

    ``defectives`` counts nonconforming items (or nonconformities, for AQLs
    per 100 items) found in the ``plan.sample`` units inspected.
    """
    return "accept" if _defectives(defectives) <= plan.ac else "reject"
