"""plan(): Table 1 letter, master table cell, arrows, 100 % inspection, as the standard prints them.

Expected plans are read off the printed tables of ISO 2859-1:1999 (Tables 1, 2-A,
2-B and 2-C, as reprinted in GB/T 2828.1-2012, pages 14-17) and, for normal
inspection, ANSI/ASQ Z1.4-2003 Tables I and II-A, which print the same plans.
The arrow cases guard against the two classic mistakes of AQL calculators:
keeping the sample size of the Table 1 letter with the Ac/Re found past an
arrow, and reading the column next to the requested AQL.
"""

from __future__ import annotations

import math

import pytest

from core.sampling import (
    AQL_LABELS,
    AQL_VALUES,
    INSPECTION_LEVELS,
    MAX_LOT_SIZE,
    SEVERITIES,
    TABLES,
    SamplingError,
    code_letter,
    judge,
    one_step_tighter,
    plan,
)
from core.sampling.code_letters import TABLE_I


def _used(lot: int, level: str, aql: float, severity: str = "normal") -> tuple[object, ...]:
    p = plan(lot, level, aql, severity)  # type: ignore[arg-type]
    return p.code_letter, p.plan_letter, p.n, p.ac, p.re, p.sample


# (lot size, level, AQL, severity) -> (Table 1 letter, row used, n, Ac, Re, units to inspect)
PUBLISHED = [
    # Z1.4 Table I: 501-1200 at level II is J; Table II-A row J (n 80) at AQL 1.0 is 2 3.
    ((1000, "II", 1.0, "normal"), ("J", "J", 80, 2, 3, 80)),
    # Z1.4 Table I: 281-500 at level II is H; row H (n 50) at AQL 2.5 is 3 4.
    ((500, "II", 2.5, "normal"), ("H", "H", 50, 3, 4, 50)),
    # Z1.4 Table I: 1201-3200 at level II is K; row K (n 125) at AQL 0.65 is 2 3.
    ((2000, "II", 0.65, "normal"), ("K", "K", 125, 2, 3, 125)),
    # ISO 2859-1:1999 Table 2-B row J (n 80) at AQL 1.0 is 1 2.
    ((1000, "II", 1.0, "tightened"), ("J", "J", 80, 1, 2, 80)),
    # ISO 2859-1:1999 Table 2-C row J (n 32) at AQL 1.0 is 1 2 (no gap plan in 1999).
    ((1000, "II", 1.0, "reduced"), ("J", "J", 32, 1, 2, 32)),
    # Table 1, 3201-10000: S-3 is F, level I is J, level III is M; Table 2-A at AQL 4.0.
    ((5000, "S-3", 4.0, "normal"), ("F", "F", 20, 2, 3, 20)),
    ((5000, "I", 4.0, "normal"), ("J", "J", 80, 7, 8, 80)),
    ((5000, "III", 4.0, "normal"), ("M", "M", 315, 21, 22, 315)),
]


@pytest.mark.parametrize(("request_", "expected"), PUBLISHED)
def test_published_examples(request_: tuple, expected: tuple) -> None:
    """Worked cells of Z1.4-2003 Tables I/II-A and ISO 2859-1:1999 Tables 1, 2-A, 2-B, 2-C."""
    assert _used(*request_) == expected


def test_lot_500_level_ii_is_h() -> None:
    """ANSI/ASQ Z1.4-2003 Table I: lot size 281 to 500, general level II -> H."""
    assert code_letter(500, "II") == "H"
    assert code_letter(501, "II") == "J"


# Arrows: the plan is that of the row the arrow leads to, with THAT row's sample size.
ARROWS = [
    # Table 2-A row G (n 32) at AQL 0.65 is an up arrow: row F, n 20, 0 1 (not n 32).
    ((200, "II", 0.65, "normal"), ("G", "F", 20, 0, 1, 20)),
    # Table 2-A row H (n 50) at AQL 0.65 is a down arrow: row J, n 80, 1 2 (not n 50).
    ((500, "II", 0.65, "normal"), ("H", "J", 80, 1, 2, 80)),
    # Table 2-A row J at AQL 0.40 points down to K (n 125, 1 2); at 0.25 up to H (n 50, 0 1).
    ((1000, "II", 0.40, "normal"), ("J", "K", 125, 1, 2, 125)),
    ((1000, "II", 0.25, "normal"), ("J", "H", 50, 0, 1, 50)),
    # Table 2-A row E (n 13) at AQL 0.65: down to F (n 20, 0 1).
    ((80, "II", 0.65, "normal"), ("E", "F", 20, 0, 1, 20)),
    # Table 2-A row J at AQL 25 and above: up to H (n 50, 21 22), a long arrow.
    ((1000, "II", 25, "normal"), ("J", "H", 50, 21, 22, 50)),
    ((1000, "II", 65, "normal"), ("J", "F", 20, 21, 22, 20)),
    ((1000, "II", 1000, "normal"), ("J", "B", 3, 44, 45, 3)),
    # Table 2-B row H (n 50) at AQL 0.65: down past J to K (n 125, 1 2).
    ((500, "II", 0.65, "tightened"), ("H", "K", 125, 1, 2, 125)),
    # Table 2-B rows Q and R at AQL 0.025 lead to row S, n 3150, 1 2.
    ((500_001, "II", 0.025, "tightened"), ("Q", "S", 3150, 1, 2, 3150)),
    ((500_001, "III", 0.025, "tightened"), ("R", "S", 3150, 1, 2, 3150)),
    # Table 2-C row Q at AQL 0.025: the long up arrow over P, Q, R leads to N (n 200, 0 1).
    ((200_000, "II", 0.025, "reduced"), ("P", "N", 200, 0, 1, 200)),
    ((500_001, "II", 0.025, "reduced"), ("Q", "N", 200, 0, 1, 200)),
    # Table 2-C row J (n 32) at AQL 0.40 points down to L (n 80, 1 2).
    ((1000, "II", 0.40, "reduced"), ("J", "L", 80, 1, 2, 80)),
]


@pytest.mark.parametrize(("request_", "expected"), ARROWS)
def test_arrow_uses_the_sample_size_of_the_plan_it_points_at(
    request_: tuple, expected: tuple
) -> None:
    """ISO 2859-1:1999 Tables 2-A/2-B/2-C: follow the arrow, take n, Ac and Re of that row."""
    assert _used(*request_) == expected


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_resolved_plan_is_a_printed_cell_of_its_own_row(severity: str) -> None:
    """n is the sample size printed on the row where the plan stands, for every letter and AQL."""
    table = TABLES[severity]  # type: ignore[index]
    for first, _last, _letters in TABLE_I:
        for level in INSPECTION_LEVELS:
            for column, aql in enumerate(AQL_VALUES):
                p = plan(max(first, 2), level, aql, severity)  # type: ignore[arg-type]
                row = table.letters.index(p.plan_letter)
                assert p.n == table.sample_sizes[row]
                assert table.cells[row][column] == (p.ac, p.re)
                start = table.letters.index(p.code_letter)
                # the plan is found in the direction the cell's arrow points, or on the row itself
                cell = table.cells[start][column]
                assert (row == start) == isinstance(cell, tuple)
                assert row >= start if cell == "↓" else row <= start


# Row J of Table 2-A (n 80) across every column: a column off would show at once.
ROW_J_NORMAL = {
    "0.010": ("Q", 1250, 0, 1), "0.015": ("P", 800, 0, 1), "0.025": ("N", 500, 0, 1),
    "0.040": ("M", 315, 0, 1), "0.065": ("L", 200, 0, 1), "0.10": ("K", 125, 0, 1),
    "0.15": ("J", 80, 0, 1), "0.25": ("H", 50, 0, 1), "0.40": ("K", 125, 1, 2),
    "0.65": ("J", 80, 1, 2), "1.0": ("J", 80, 2, 3), "1.5": ("J", 80, 3, 4),
    "2.5": ("J", 80, 5, 6), "4.0": ("J", 80, 7, 8), "6.5": ("J", 80, 10, 11),
    "10": ("J", 80, 14, 15), "15": ("J", 80, 21, 22), "25": ("H", 50, 21, 22),
    "40": ("G", 32, 21, 22), "65": ("F", 20, 21, 22), "100": ("E", 13, 21, 22),
    "150": ("E", 13, 30, 31), "250": ("E", 13, 44, 45), "400": ("D", 8, 44, 45),
    "650": ("C", 5, 44, 45), "1000": ("B", 3, 44, 45),
}  # fmt: skip


@pytest.mark.parametrize("label", AQL_LABELS)
def test_no_column_is_off_by_one(label: str) -> None:
    """ISO 2859-1:1999 Table 2-A (= Z1.4 II-A), code letter J, every AQL from 0.010 to 1000."""
    p = plan(1000, "II", float(label))
    assert p.aql_label == label
    assert (p.plan_letter, p.n, p.ac, p.re) == ROW_J_NORMAL[label]


def test_neighbouring_aqls_give_different_plans() -> None:
    """0.010 and 0.10, 0.015 and 0.15 are distinct columns; ints and strings name them too."""
    assert plan(1000, "II", 0.10).n == 125 and plan(1000, "II", 0.010).n == 1250
    assert plan(1000, "II", 0.15).n == 80 and plan(1000, "II", 0.015).n == 800
    assert plan(1000, "II", 10) == plan(1000, "II", 10.0)
    assert plan(1000, "II", "0.65") == plan(1000, "II", 0.65)  # type: ignore[arg-type]
    assert plan(1000, "II", 0.1 + 0.2 + 0.35).aql == 0.65  # float noise still finds 0.65


# 100 % inspection: when n reaches or exceeds the lot size, every unit is inspected.
HUNDRED_PERCENT = [
    # lot 5, II -> A; 2-A A at 0.65 leads down to F, n 20 > 5: inspect all 5 with Ac 0.
    ((5, "II", 0.65, "normal"), ("A", "F", 20, 0, 1, 5), True),
    # lot 20, II -> C; C at 0.65 leads down to F, n 20 = lot: all 20 (equality counts).
    ((20, "II", 0.65, "normal"), ("C", "F", 20, 0, 1, 20), True),
    # lot 21 is still C, n 20 < 21: a sample of 20.
    ((21, "II", 0.65, "normal"), ("C", "F", 20, 0, 1, 20), False),
    # a lot of one unit reads the first row of Table 1 and is inspected whole.
    ((1, "II", 6.5, "normal"), ("A", "A", 2, 0, 1, 1), True),
    # lot 2000, II -> K; 2-B K at 0.010 leads down to R, n 2000 = lot.
    ((2000, "II", 0.010, "tightened"), ("K", "R", 2000, 0, 1, 2000), True),
    # lot 8, II -> A; 2-C A at 0.010 leads down to Q, n 500.
    ((8, "II", 0.010, "reduced"), ("A", "Q", 500, 0, 1, 8), True),
]


@pytest.mark.parametrize(("request_", "expected", "whole"), HUNDRED_PERCENT)
def test_hundred_percent_when_the_sample_reaches_the_lot(
    request_: tuple, expected: tuple, whole: bool
) -> None:
    """Footnote of Tables 2-A/2-B/2-C: "If sample size equals, or exceeds, lot size, carry
    out 100 % inspection" (ISO 2859-1:1999; Z1.4 Tables II-A/B/C say the same)."""
    p = plan(*request_)
    assert _used(*request_) == expected
    assert p.hundred_percent is whole
    assert p.to_dict()["hundred_percent"] is whole
    assert p.to_dict()["sample"] == p.sample == min(p.n, p.lot_size)


def test_every_lot_size_range_level_aql_and_severity_has_a_plan() -> None:
    for first, last, _letters in TABLE_I:
        for lot in {first, last or MAX_LOT_SIZE}:
            for level in INSPECTION_LEVELS:
                for aql in AQL_VALUES:
                    for severity in SEVERITIES:
                        p = plan(lot, level, aql, severity)
                        assert p.code_letter == code_letter(lot, level)
                        assert p.re == p.ac + 1 and p.sample == min(p.n, lot)
                        assert p.table == TABLES[severity].number


def test_judge_accepts_at_ac_and_rejects_at_re() -> None:
    p = plan(1000, "II", 1.0)
    assert [judge(p, d) for d in range(5)] == ["accept"] * 3 + ["reject"] * 2
    assert judge(plan(200, "II", 0.65), 0) == "accept"
    assert judge(plan(200, "II", 0.65), 1) == "reject"


@pytest.mark.parametrize("count", [-1, 1.5, True, "2"])
def test_judge_refuses_a_count_that_is_not_one(count: object) -> None:
    with pytest.raises(SamplingError, match="nonconforming"):
        judge(plan(1000, "II", 1.0), count)  # type: ignore[arg-type]


def test_one_step_tighter_is_the_next_column_on_the_same_row() -> None:
    """9.3.3.2: J at 1.0 (80, 2 3) compares with J at 0.65 (80, 1 2); F at 65 with F at 40."""
    assert one_step_tighter(plan(1000, "II", 1.0)) == ("J", 80, 1, 2)
    assert one_step_tighter(plan(1000, "II", 65)) == ("F", 20, 14, 15)
    assert one_step_tighter(plan(1000, "II", 0.010)) is None


@pytest.mark.parametrize(
    ("lot", "match"),
    [
        (0, "at least 1 unit"),
        (-5, "at least 1 unit"),
        (MAX_LOT_SIZE + 1, "not plausible"),
        (1.5, "whole number"),
        (True, "whole number"),
        ("100", "whole number"),
    ],
)
def test_bad_lot_size(lot: object, match: str) -> None:
    with pytest.raises(SamplingError, match=match):
        plan(lot, "II", 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("aql", [0.7, 0.0, 2.0, 11, 2000, math.nan, math.inf, "x", True, None])
def test_unknown_aql_names_the_columns(aql: object) -> None:
    with pytest.raises(SamplingError, match=r"not a column.*0\.010, 0\.015.*650, 1000") as caught:
        plan(1000, "II", aql)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("severity", ["loose", "", "normal inspection"])
def test_unknown_severity(severity: str) -> None:
    with pytest.raises(SamplingError, match="normal, tightened or reduced"):
        plan(1000, "II", 1.0, severity)  # type: ignore[arg-type]


def test_severity_and_level_spellings() -> None:
    assert plan(1000, "ii", 1.0, "Tightened") == plan(1000, "II", 1.0, "tightened")  # type: ignore[arg-type]
