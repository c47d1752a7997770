"""Published reference data sets shared by the SPC tests (chart, CLI, stream).

All come from the R package qcc (luca-scr/qcc, data/*.txt), which reproduces
the examples in Montgomery, "Introduction to Statistical Quality Control".
"""

from __future__ import annotations

import numpy as np
import pytest

# qcc `pistonrings`: inside diameter of forged piston rings (mm), 40 samples of 5;
# samples 1-25 are the phase I study, 26-40 the phase II data (Montgomery Tables 6.3, 6.4).
PISTONRINGS = """
74.030 74.002 74.019 73.992 74.008  73.995 73.992 74.001 74.011 74.004
73.988 74.024 74.021 74.005 74.002  74.002 73.996 73.993 74.015 74.009
73.992 74.007 74.015 73.989 74.014  74.009 73.994 73.997 73.985 73.993
73.995 74.006 73.994 74.000 74.005  73.985 74.003 73.993 74.015 73.988
74.008 73.995 74.009 74.005 74.004  73.998 74.000 73.990 74.007 73.995
73.994 73.998 73.994 73.995 73.990  74.004 74.000 74.007 74.000 73.996
73.983 74.002 73.998 73.997 74.012  74.006 73.967 73.994 74.000 73.984
74.012 74.014 73.998 73.999 74.007  74.000 73.984 74.005 73.998 73.996
73.994 74.012 73.986 74.005 74.007  74.006 74.010 74.018 74.003 74.000
73.984 74.002 74.003 74.005 73.997  74.000 74.010 74.013 74.020 74.003
73.988 74.001 74.009 74.005 73.996  74.004 73.999 73.990 74.006 74.009
74.010 73.989 73.990 74.009 74.014  74.015 74.008 73.993 74.000 74.010
73.982 73.984 73.995 74.017 74.013  74.012 74.015 74.030 73.986 74.000
73.995 74.010 73.990 74.015 74.001  73.987 73.999 73.985 74.000 73.990
74.008 74.010 74.003 73.991 74.006  74.003 74.000 74.001 73.986 73.997
73.994 74.003 74.015 74.020 74.004  74.008 74.002 74.018 73.995 74.005
74.001 74.004 73.990 73.996 73.998  74.015 74.000 74.016 74.025 74.000
74.030 74.005 74.000 74.016 74.012  74.001 73.990 73.995 74.010 74.024
74.015 74.020 74.024 74.005 74.019  74.035 74.010 74.012 74.015 74.026
74.017 74.013 74.036 74.025 74.026  74.010 74.005 74.029 74.000 74.020
"""

# qcc `orangejuice`: nonconforming cans in samples of 50 (Montgomery Table 7.1, 7.2);
# samples 1-30 are the trial period.
ORANGEJUICE = [
    12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11,
    20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
    9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5,
]  # fmt: skip

# qcc `circuit`: nonconformities in samples of 100 printed circuit boards
# (Montgomery Table 7.7); samples 1-26 are the trial period.
CIRCUIT = [
    21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39,
    30, 24, 16, 19, 17, 15,
    16, 18, 12, 15, 24, 21, 28, 20, 25, 19, 18, 21, 16, 22, 19, 12, 14, 9, 16, 21,
]  # fmt: skip

# qcc `pcmanufact`: nonconformities in 20 samples of 5 personal computers (Montgomery Table 7.11).
PCMANUFACT = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]

# qcc `viscosity`: aircraft primer paint viscosity, one batch per point (Montgomery Table 6.6 /
# Example 6.5 data); batches 1-20 are the trial period.
VISCOSITY = [
    34.05, 34.40, 33.59, 35.96, 34.70, 33.51, 33.79, 34.04, 34.52, 33.75,
    33.27, 33.71, 34.03, 34.58, 34.02, 33.97, 34.05, 34.04, 33.73, 34.05,
    34.39, 33.75, 33.40, 33.27, 34.65, 34.80, 34.55, 35.40, 34.75, 34.50,
    34.70, 34.29, 34.61, 34.49, 35.03,
]  # fmt: skip


@pytest.fixture
def pistonrings() -> np.ndarray:
    """(40, 5) piston ring diameters; rows 0-24 phase I, 25-39 phase II."""
    return np.array(PISTONRINGS.split(), dtype=float).reshape(40, 5)


@pytest.fixture
def orangejuice() -> list[int]:
    """54 counts of nonconforming cans out of 50; the first 30 are the trial period."""
    return list(ORANGEJUICE)


@pytest.fixture
def circuit() -> list[int]:
    """46 nonconformity counts per 100 boards; the first 26 are the trial period."""
    return list(CIRCUIT)


@pytest.fixture
def pcmanufact() -> list[int]:
    """20 nonconformity counts per 5 computers."""
    return list(PCMANUFACT)


@pytest.fixture
def viscosity() -> list[float]:
    """35 batch viscosities; the first 20 are the trial period."""
    return list(VISCOSITY)
