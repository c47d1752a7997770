"""Tables 2-A, 2-B, 2-C of ISO 2859-1:1999 (II-A, II-B, II-C of ANSI/ASQ Z1.4-2003), cell by cell.

Every code letter x AQL cell of each table, after following the arrows, is
compared with reference_plans.tsv: ISO 2859-1:1999 as printed in GB/T 2828.1-2012
(pages 15-17), transcribed independently of this code. Tables 2-A and 2-B are
also compared with MIL-STD-105E as tabulated by the R package AQLSchemes
(reference_plans_mil105e.tsv); the one cell where the editions differ is named.
Structural tests check what the printed tables show at a glance: arrows point
at the nearest plan in their column, sample sizes grow down a column, Ac grows
along a row, and Re = Ac + 1 (no gap plans in the 1999 edition).
"""

from __future__ import annotations

import pytest

from core.sampling import AQL_LABELS, AQL_VALUES, TABLES, one_step_tighter, plan, table_plan
from core.sampling.master_tables import DOWN, UP
from tests.core.sampling.reference import ISO_REFERENCE, MIL105E_REFERENCE, SEVERITY_OF

LETTERS = "ABCDEFGHJKLMNPQR"


def _rows(table: str, letter: str) -> list[dict[str, str]]:
    return [r for r in ISO_REFERENCE if r["table"] == table and r["code_letter"] == letter]


@pytest.mark.parametrize("table", ["2-A", "2-B", "2-C"])
@pytest.mark.parametrize("letter", list(LETTERS))
def test_every_cell_matches_iso_2859_1_1999(table: str, letter: str) -> None:
    """ISO 2859-1:1999 Table {table}, row {letter}, all 26 AQL columns (via GB/T 2828.1-2012)."""
    rows = _rows(table, letter)
    assert [r["aql"] for r in rows] == list(AQL_LABELS)
    for r in rows:
        found = table_plan(SEVERITY_OF[table], letter, float(r["aql"]))
        expected = (r["plan_letter"], int(r["n"]), int(r["ac"]), int(r["re"]))
        assert found == expected, f"Table {table}, code letter {letter}, AQL {r['aql']}"


def test_row_s_of_table_2b_has_one_plan() -> None:
    """ISO 2859-1:1999 Table 2-B row S (n 3150): 1 2 at AQL 0.025, blank elsewhere."""
    assert _rows("2-B", "S") == [
        {"table": "2-B", "code_letter": "S", "aql": "0.025", "plan_letter": "S",
         "n": "3150", "ac": "1", "re": "2"}
    ]  # fmt: skip
    plans = [table_plan("tightened", "S", aql) for aql in AQL_VALUES]
    assert plans[2] == ("S", 3150, 1, 2)
    assert plans[:2] + plans[3:] == [None] * 25
    # reached only from Q and R at AQL 0.025
    assert [table_plan("tightened", x, 0.025) for x in "PQR"] == [
        ("P", 800, 0, 1), ("S", 3150, 1, 2), ("S", 3150, 1, 2)
    ]  # fmt: skip


def test_reference_covers_every_cell() -> None:
    assert len(ISO_REFERENCE) == 3 * 16 * 26 + 1


# Where MIL-STD-105E (AQLSchemes) and ISO 2859-1:1999 print different plans: (table, letter, AQL).
EDITION_DIFFERENCES = {("2-B", "A", "10")}


@pytest.mark.parametrize("table", ["II-A", "II-B"])
def test_normal_and_tightened_agree_with_mil_std_105e(table: str) -> None:
    """MIL-STD-105E Tables II-A and II-B (AQLSchemes 1.7-2): same n, Ac, Re except one cell."""
    iso = "2-" + table[-1]
    differ = []
    for r in (r for r in MIL105E_REFERENCE if r["table"] == table):
        found = table_plan(SEVERITY_OF[iso], r["code_letter"], float(r["aql"]))
        assert found is not None, (iso, r["code_letter"], r["aql"])
        _, n, ac, re = found
        if (n, ac, re) != (int(r["n"]), int(r["ac"]), int(r["re"])):
            differ.append((iso, r["code_letter"], r["aql"]))
    assert set(differ) == {d for d in EDITION_DIFFERENCES if d[0] == iso}


def test_tightened_a_at_aql_10_follows_iso() -> None:
    """ISO 2859-1:1999 Table 2-B prints 0 1 at A/10; MIL-STD-105E's arrow leads to D, 8, 1 2."""
    assert table_plan("tightened", "A", 10) == ("A", 2, 0, 1)
    mil = next(
        r
        for r in MIL105E_REFERENCE
        if (r["table"], r["code_letter"], r["aql"]) == ("II-B", "A", "10")
    )
    assert (mil["n"], mil["ac"], mil["re"]) == ("8", "1", "2")


def test_sample_sizes_per_table() -> None:
    """Sample size column of Tables 2-A, 2-B (with row S) and 2-C of ISO 2859-1:1999."""
    normal = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
    assert TABLES["normal"].sample_sizes == normal
    assert TABLES["tightened"].sample_sizes == (*normal, 3150)
    assert TABLES["tightened"].letters == (*LETTERS, "S")
    assert TABLES["reduced"].sample_sizes == (
        2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800
    )  # fmt: skip
    assert [t.number for t in TABLES.values()] == ["2-A", "2-B", "2-C"]
    assert [t.z14_number for t in TABLES.values()] == ["II-A", "II-B", "II-C"]


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
def test_structure(severity: str) -> None:
    table = TABLES[severity]  # type: ignore[index]
    for row, cells in enumerate(table.cells):
        plans = [c for c in cells if isinstance(c, tuple)]
        assert all(re == ac + 1 for ac, re in plans), f"gap plan in row {table.letters[row]}"
        assert [ac for ac, _ in plans] == sorted(ac for ac, _ in plans)
    for column in range(len(AQL_VALUES)):
        rows = [r for r in range(len(table.letters)) if isinstance(table.cells[r][column], tuple)]
        sizes = [table.sample_sizes[r] for r in rows]
        assert sizes == sorted(sizes), f"column {AQL_LABELS[column]}"
        for r, cells in enumerate(table.cells):
            cell = cells[column]
            if cell in (DOWN, UP):
                # an arrow points at the nearest plan in its direction
                side = [x for x in rows if (x > r if cell == DOWN else x < r)]
                assert side, f"{table.letters[r]} at {AQL_LABELS[column]} points at no plan"


def test_the_same_plan_appears_twice_in_a_column_only_for_the_same_sample_size() -> None:
    """In 2-C code letters A, B and C share n 2; rows B and C repeat plans of A (AQL 25 up)."""
    repeats = set()
    for table in TABLES.values():
        for column in range(len(AQL_VALUES)):
            seen: dict[object, int] = {}
            for row, cells in enumerate(table.cells):
                if isinstance(cells[column], tuple):
                    if cells[column] in seen:
                        assert table.sample_sizes[seen[cells[column]]] == table.sample_sizes[row]
                        repeats.add((table.number, table.letters[row], AQL_LABELS[column]))
                    seen[cells[column]] = row
    assert {(t, r) for t, r, _ in repeats} == {("2-C", "B"), ("2-C", "C")}


@pytest.mark.parametrize("letter", list(LETTERS))
def test_switching_score_comparison_uses_the_same_sample(letter: str) -> None:
    """ISO 2859-1:1999 9.3.3.2: every 2-A plan with Ac >= 2 has a plan one AQL tighter, same n."""
    lot, level = LOT_FOR_LETTER[letter]
    for aql in AQL_VALUES:
        used = plan(lot, level, aql)
        assert used.code_letter == letter
        if used.ac < 2:
            continue
        tighter = one_step_tighter(used)
        assert tighter is not None, f"{letter} at AQL {used.aql_label}"
        assert (tighter[0], tighter[1]) == (used.plan_letter, used.n)
        assert tighter[2] < used.ac


# A lot size and inspection level giving each code letter (Table I, level II; R needs III).
LOT_FOR_LETTER = {
    letter: (first, "II")
    for letter, first in zip(
        "ABCDEFGHJKLMNPQ",
        (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 150001, 500001),
        strict=True,
    )
} | {"R": (500_001, "III")}
