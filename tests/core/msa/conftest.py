"""Published reference data sets shared by the MSA tests (methods, CLI).

AIAG: the gauge R&R worked example of the AIAG "Measurement Systems Analysis"
reference manual, 4th edition (2010): 10 parts, appraisers A, B, C, 3 trials.
The same table is reprinted in W. McNeese, "Three Methods to Analyze Gage R&R
Studies" (SPC for Excel, 2015, Table 1) and ships with Minitab as the crossed
gage R&R example (support.minitab.com, "Example of Gage R&R Study (Crossed)").

MONTGOMERY: D. C. Montgomery, "Design and Analysis of Experiments" (8th ed.),
Example 13.1, Table 13.1: 20 parts, 3 operators, 2 measurements each.

TYPE1: 50 measurements of a reference part (reference -4.0 um, tolerance
15 um, resolution 0.1 um; gauge S-441-0), the type 1 study example data of
JASP's quality-control module (jasp-stats/jaspQualityControl,
tests/testthat/Type1.csv).
"""

from __future__ import annotations

import pytest

# AIAG MSA 4th ed. data sheet: per appraiser, one row per trial, columns parts 1..10.
AIAG = {
    "A": (
        (0.29, -0.56, 1.34, 0.47, -0.80, 0.02, 0.59, -0.31, 2.26, -1.36),
        (0.41, -0.68, 1.17, 0.50, -0.92, -0.11, 0.75, -0.20, 1.99, -1.25),
        (0.64, -0.58, 1.27, 0.64, -0.84, -0.21, 0.66, -0.17, 2.01, -1.31),
    ),
    "B": (
        (0.08, -0.47, 1.19, 0.01, -0.56, -0.20, 0.47, -0.63, 1.80, -1.68),
        (0.25, -1.22, 0.94, 1.03, -1.20, 0.22, 0.55, 0.08, 2.12, -1.62),
        (0.07, -0.68, 1.34, 0.20, -1.28, 0.06, 0.83, -0.34, 2.19, -1.50),
    ),
    "C": (
        (0.04, -1.38, 0.88, 0.14, -1.46, -0.29, 0.02, -0.46, 1.77, -1.49),
        (-0.11, -1.13, 1.09, 0.20, -1.07, -0.67, 0.01, -0.56, 1.45, -1.77),
        (-0.15, -0.96, 0.67, 0.11, -1.45, -0.49, 0.21, -0.49, 1.87, -2.16),
    ),
}

# Montgomery Table 13.1: part, then (operator 1 x2, operator 2 x2, operator 3 x2).
MONTGOMERY = """
1 21 20 20 20 19 21
2 24 23 24 24 23 24
3 20 21 19 21 20 22
4 27 27 28 26 27 28
5 19 18 19 18 18 21
6 23 21 24 21 23 22
7 22 21 22 24 22 20
8 19 17 18 20 19 18
9 24 23 25 23 24 24
10 25 23 26 25 24 25
11 21 20 20 20 21 20
12 18 19 17 19 18 19
13 23 25 25 25 25 25
14 24 24 23 25 24 25
15 29 30 30 28 31 30
16 26 26 25 26 25 27
17 20 20 19 20 20 20
18 19 21 19 19 21 23
19 25 26 25 24 25 25
20 19 19 18 17 19 17
"""

TYPE1 = (
    -4.0, -4.1, -4.1, -4.1, -4.1, -3.9, -3.9, -3.9, -4.1, -4.2,
    -3.9, -4.2, -4.0, -3.8, -3.9, -3.9, -3.9, -3.9, -4.6, -4.3,
    -3.9, -3.7, -3.7, -3.9, -4.0, -5.0, -3.9, -3.8, -3.7, -3.8,
    -3.7, -3.8, -3.6, -3.5, -3.6, -3.6, -3.4, -5.1, -3.5, -4.0,
    -4.5, -3.5, -5.1, -5.0, -3.5, -3.5, -3.5, -3.6, -3.6, -3.5,
)  # fmt: skip

Row = tuple[str, str, str, float]


def aiag_rows() -> list[Row]:
    """The AIAG study as (part, appraiser, trial, value) rows, appraiser by appraiser."""
    return [
        (str(part + 1), appraiser, str(trial + 1), value)
        for appraiser, trials in AIAG.items()
        for trial, values in enumerate(trials)
        for part, value in enumerate(values)
    ]


def montgomery_rows() -> list[Row]:
    """Montgomery's Example 13.1 as (part, operator, trial, value) rows."""
    rows: list[Row] = []
    for line in MONTGOMERY.strip().splitlines():
        part, *values = line.split()
        for i, value in enumerate(values):
            rows.append((part, str(i // 2 + 1), str(i % 2 + 1), float(value)))
    return rows


@pytest.fixture
def aiag() -> list[Row]:
    """The AIAG MSA 4th ed. gauge R&R example (90 rows)."""
    return aiag_rows()


@pytest.fixture
def montgomery() -> list[Row]:
    """Montgomery's Example 13.1 gauge study (120 rows)."""
    return montgomery_rows()


@pytest.fixture
def type1_measurements() -> list[float]:
    """50 repeated measurements of a reference part of -4.0 (tolerance 15)."""
    return list(TYPE1)
