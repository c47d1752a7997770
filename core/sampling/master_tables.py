"""Tables 2-A, 2-B and 2-C of ISO 2859-1:1999: single sampling plans (master tables).

ANSI/ASQ Z1.4-2003 numbers them Tables II-A (normal), II-B (tightened) and II-C
(reduced), as does MIL-STD-105E. The cells follow the layout of the printed
ISO 2859-1:1999 tables (reprinted unchanged in GB/T 2828.1-2012). After the
arrows are followed, every plan was checked against a transcription of the
GB/T 2828.1-2012 tables and, for 2-A and 2-B, against the MIL-STD-105E /
Z1.4 tables of the R package AQLSchemes (see tests/core/sampling/).

Each table is typed in two halves, AQL 0.010 to 2.5 and 4.0 to 1000. A row is
the code letter, the sample size of that row, then one cell per AQL column:

- ``Ac Re``: the acceptance and rejection numbers of the plan;
- ``↓``: use the first sampling plan below the arrow;
- ``↑``: use the first sampling plan above the arrow;
- ``-``: no plan (only row S of Table 2-B, which is reached from AQL 0.025 only).

Where the printed table draws one long arrow over several cells, every cell
it covers carries the arrow here. Following an arrow changes the code letter:
the sample size is that of the row where the plan is found.

Where the editions differ, this module follows ISO 2859-1:1999 (amended 2011):

- Table 2-C (reduced) has no "gap" plans: Re = Ac + 1 everywhere. The 1989
  ISO edition, MIL-STD-105E and ANSI/ASQ Z1.4-2003 print reduced plans such
  as 0 2, 1 3, 1 4, 2 5 and accept a lot between Ac and Re while reinstating
  normal inspection. The 1999 redesign also moved arrows (code letter G at
  AQL 1.0: Z1.4 gives H, n 20, 0 2; ISO gives J, n 32, 1 2) and added the
  plans 6 7 and 8 9.
- Table 2-B (tightened), code letter A at AQL 10: ISO 2859-1:1999 prints
  ``0 1`` (on the tightened 0 1 diagonal); MIL-STD-105E prints an arrow there
  that leads to code letter D (n 8, 1 2).

Normal and tightened plans are otherwise the same in these editions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DOWN = "↓"
UP = "↑"

AQL_LABELS: tuple[str, ...] = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40",
    "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
)  # fmt: skip
AQL_VALUES: tuple[float, ...] = tuple(float(label) for label in AQL_LABELS)

Severity = Literal["normal", "tightened", "reduced"]
Cell = tuple[int, int] | Literal["↓", "↑"] | None

# Table 2-A (ISO 2859-1:1999) = Table II-A (ANSI/ASQ Z1.4-2003): normal inspection.
_TABLE_2A = (
    """
        0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    2      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
B    3      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
C    5      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1
D    8      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑
E   13      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓
F   20      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2
G   32      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3
H   50      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4
J   80      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6
K  125      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8
L  200      ↓      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11
M  315      ↓      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15
N  500      ↓      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22
P  800      ↓    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22      ↑
Q 1250    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22      ↑      ↑
R 2000      ↑      ↑    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22      ↑      ↑      ↑
""",
    """
          4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    2      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31
B    3    0 1      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31  44 45
C    5      ↑      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31  44 45      ↑
D    8      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31  44 45      ↑      ↑
E   13    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31  44 45      ↑      ↑      ↑
F   20    2 3    3 4    5 6    7 8  10 11  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑
G   32    3 4    5 6    7 8  10 11  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑
H   50    5 6    7 8  10 11  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
J   80    7 8  10 11  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
K  125  10 11  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
L  200  14 15  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
M  315  21 22      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
N  500      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
P  800      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
Q 1250      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
R 2000      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
""",
)

# Table 2-B (ISO 2859-1:1999) = Table II-B (ANSI/ASQ Z1.4-2003): tightened inspection.
# Row S (n 3150) has a plan only at AQL 0.025, reached from Q and R by the arrows.
_TABLE_2B = (
    """
        0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    2      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
B    3      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
C    5      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
D    8      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1
E   13      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓
F   20      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓
G   32      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2
H   50      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3
J   80      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4
K  125      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6
L  200      ↓      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9
M  315      ↓      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13
N  500      ↓      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19
P  800      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19      ↑
Q 1250      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19      ↑      ↑
R 2000    0 1      ↑      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19      ↑      ↑      ↑
S 3150      -      -    1 2      -      -      -      -      -      -      -      -      -      -
""",
    """
          4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    2      ↓      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19  27 28
B    3      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19  27 28  41 42
C    5    0 1      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19  27 28  41 42      ↑
D    8      ↓      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19  27 28  41 42      ↑      ↑
E   13      ↓    1 2    2 3    3 4    5 6    8 9  12 13  18 19  27 28  41 42      ↑      ↑      ↑
F   20    1 2    2 3    3 4    5 6    8 9  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑
G   32    2 3    3 4    5 6    8 9  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑
H   50    3 4    5 6    8 9  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
J   80    5 6    8 9  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
K  125    8 9  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
L  200  12 13  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
M  315  18 19      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
N  500      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
P  800      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
Q 1250      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
R 2000      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
S 3150      -      -      -      -      -      -      -      -      -      -      -      -      -
""",
)

# Table 2-C (ISO 2859-1:1999): reduced inspection, without the gap plans of Z1.4 Table II-C.
# Code letters A to C share n 2; rows A and B carry the plans of 2-A row A from AQL 25 up.
_TABLE_2C = (
    """
        0.010  0.015  0.025  0.040  0.065   0.10   0.15   0.25   0.40   0.65    1.0    1.5    2.5
A    2      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
B    2      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓
C    2      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1
D    3      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑
E    5      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓
F    8      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓
G   13      ↓      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2
H   20      ↓      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3
J   32      ↓      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4
K   50      ↓      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6
L   80      ↓      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6    6 7
M  125      ↓      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6    6 7    8 9
N  200      ↓      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11
P  315      ↓    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11      ↑
Q  500    0 1      ↑      ↑      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11      ↑      ↑
R  800      ↑      ↑      ↑    1 2    2 3    3 4    5 6    6 7    8 9  10 11      ↑      ↑      ↑
""",
    """
          4.0    6.5     10     15     25     40     65    100    150    250    400    650   1000
A    2      ↓    0 1      ↓      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31
B    2    0 1      ↑      ↓      ↓    1 2    2 3    3 4    5 6    7 8  10 11  14 15  21 22  30 31
C    2      ↑      ↓      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11  14 15  21 22      ↑
D    3      ↓      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11  14 15  21 22      ↑      ↑
E    5      ↓    1 2    2 3    3 4    5 6    6 7    8 9  10 11  14 15  21 22      ↑      ↑      ↑
F    8    1 2    2 3    3 4    5 6    6 7    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑
G   13    2 3    3 4    5 6    6 7    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑
H   20    3 4    5 6    6 7    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
J   32    5 6    6 7    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
K   50    6 7    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
L   80    8 9  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
M  125  10 11      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
N  200      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
P  315      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
Q  500      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
R  800      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑      ↑
""",
)


@dataclass(frozen=True, slots=True)
class MasterTable:
    """One master table: its rows (code letter, sample size) and cells per AQL column."""

    number: str  # ISO 2859-1 numbering: "2-A", "2-B", "2-C"
    severity: Severity
    letters: tuple[str, ...]
    sample_sizes: tuple[int, ...]  # aligned with letters
    cells: tuple[tuple[Cell, ...], ...]  # one row per letter, one cell per AQL column

    @property
    def z14_number(self) -> str:
        """The number ANSI/ASQ Z1.4-2003 gives this table ("II-A", ...)."""
        return "II-" + self.number[-1]


def _cell(text: str, where: str) -> Cell:
    if text in (DOWN, UP):
        return text  # type: ignore[return-value]
    if text == "-":
        return None
    parts = text.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{where}: cell {text!r} is not 'Ac Re', an arrow or '-'")
    return int(parts[0]), int(parts[1])


def _parse(number: str, severity: Severity, halves: tuple[str, str]) -> MasterTable:
    letters: list[str] = []
    sizes: list[int] = []
    rows: list[list[Cell]] = []
    start = 0
    for half in halves:
        lines = half.strip("\n").split("\n")
        labels = tuple(lines[0].split())
        columns = len(labels)
        if labels != AQL_LABELS[start : start + columns]:
            raise ValueError(f"Table {number}: AQL header {labels} out of order")
        for index, line in enumerate(lines[1:]):
            where = f"Table {number}, line {line[:6]!r}"
            if len(line) != 6 + 7 * columns:
                raise ValueError(f"{where}: expected {columns} cells of 7 characters")
            letter, size = line[0], int(line[1:6])
            cells = [_cell(line[6 + 7 * c : 13 + 7 * c].strip(), where) for c in range(columns)]
            if start == 0:
                letters.append(letter)
                sizes.append(size)
                rows.append(cells)
            elif (letters[index], sizes[index]) != (letter, size):
                raise ValueError(f"{where}: the two halves of the table disagree")
            else:
                rows[index].extend(cells)
        start += columns
    if start != len(AQL_LABELS):
        raise ValueError(f"Table {number}: {start} AQL columns, expected {len(AQL_LABELS)}")
    return MasterTable(
        number, severity, tuple(letters), tuple(sizes), tuple(tuple(row) for row in rows)
    )


TABLES: dict[Severity, MasterTable] = {
    "normal": _parse("2-A", "normal", _TABLE_2A),
    "tightened": _parse("2-B", "tightened", _TABLE_2B),
    "reduced": _parse("2-C", "reduced", _TABLE_2C),
}
