"""Chart types and the validated data a chart is drawn from.

Every check on raw data happens here, once, so the chart formulas downstream
can assume finite numbers of the right shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from core.spc.errors import SpcError

ChartType = Literal["xbar-r", "xbar-s", "imr", "p", "np", "c", "u"]
PartName = Literal["xbar", "r", "s", "i", "mr", "p", "np", "c", "u"]

CHART_TYPES: tuple[ChartType, ...] = get_args(ChartType)
VARIABLES_CHARTS: frozenset[str] = frozenset({"xbar-r", "xbar-s", "imr"})
ATTRIBUTE_CHARTS: frozenset[str] = frozenset({"p", "np", "c", "u"})

# The plotted statistics of each chart, location part first.
CHART_PARTS: dict[str, tuple[PartName, ...]] = {
    "xbar-r": ("xbar", "r"),
    "xbar-s": ("xbar", "s"),
    "imr": ("i", "mr"),
    "p": ("p",),
    "np": ("np",),
    "c": ("c",),
    "u": ("u",),
}
# Spread parts are skewed (and MR points overlap), so only limit checks apply to them.
SPREAD_PARTS: frozenset[str] = frozenset({"r", "s", "mr"})


def check_chart_type(chart: str) -> ChartType:
    """Return chart as a ChartType, or raise SpcError naming the valid ones."""
    if chart not in CHART_TYPES:
        raise SpcError(f"unknown chart type {chart!r}: choose one of {', '.join(CHART_TYPES)}")
    return chart  # type: ignore[return-value]


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: numpy arrays have no single truth value
class ChartData:
    """Validated points for one chart.

    measurements: (m, n) subgroups for X-bar charts, (m,) values for I-MR.
    counts/sizes: (m,) nonconforming units or nonconformities, and the number of
    units (p, np, u) inspected in each sample; sizes is None for a c chart.
    """

    chart: ChartType
    measurements: np.ndarray | None = None
    counts: np.ndarray | None = None
    sizes: np.ndarray | None = None

    @property
    def points(self) -> int:
        """Number of plotted points (subgroups, individual values or samples)."""
        if self.measurements is not None:
            return int(self.measurements.shape[0])
        assert self.counts is not None
        return int(self.counts.shape[0])

    def subset(self, keep: np.ndarray) -> ChartData:
        """The same data with only the points where keep (bool mask) is true."""
        return ChartData(
            chart=self.chart,
            measurements=None if self.measurements is None else _frozen(self.measurements[keep]),
            counts=None if self.counts is None else _frozen(self.counts[keep]),
            sizes=None if self.sizes is None else _frozen(self.sizes[keep]),
        )


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _as_float_array(values: ArrayLike, what: str) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpcError(f"{what} must be numbers: {exc}") from None
    return arr


def _check_finite(arr: np.ndarray, what: str, point: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0]
        first = int(where[0])
        value = arr[tuple(where)]
        raise SpcError(
            f"{what} contain a missing or infinite value ({value}) in {point} {first}: "
            "remove or correct it before charting"
        )


def measurement_data(chart: str, measurements: ArrayLike | Sequence[Sequence[float]]) -> ChartData:
    """Validate measurements for an X-bar R, X-bar S or I-MR chart.

    X-bar charts take equal-sized subgroups (rows); I-MR takes a flat series.
    Raises SpcError for empty data, ragged or single-value subgroups, NaN/inf.
    """
    chart = check_chart_type(chart)
    if chart not in VARIABLES_CHARTS:
        raise SpcError(f"a {chart} chart plots counts, not measurements")
    if chart == "imr":
        arr = _as_float_array(measurements, "measurements")
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise SpcError("an individuals (I-MR) chart takes one measurement per point")
        if arr.size == 0:
            raise SpcError("no measurements to chart")
        if arr.size < 2:
            raise SpcError("an I-MR chart needs at least 2 measurements for a moving range")
        _check_finite(arr, "measurements", "point")
        return ChartData(chart=chart, measurements=_frozen(arr))
    try:
        arr = np.array(measurements, dtype=float)
    except ValueError:
        raise SpcError(
            "subgroups have different sizes: an X-bar chart here needs equal subgroups "
            "(drop incomplete subgroups or use an I-MR chart)"
        ) from None
    except TypeError as exc:
        raise SpcError(f"measurements must be numbers: {exc}") from None
    if arr.size == 0:
        raise SpcError("no subgroups to chart")
    if arr.ndim != 2:
        raise SpcError(
            "an X-bar chart needs subgroups: rows of measurements taken together "
            "(give a subgroup size or a subgroup column)"
        )
    if arr.shape[1] < 2:
        raise SpcError(
            f"subgroup size {arr.shape[1]} is too small for an {chart} chart: a subgroup "
            "needs at least 2 measurements (use an I-MR chart for single measurements)"
        )
    if chart == "xbar-r" and arr.shape[1] > 25:
        raise SpcError(
            f"subgroup size {arr.shape[1]} is above 25: use an X-bar S chart for large subgroups"
        )
    _check_finite(arr, "measurements", "subgroup")
    return ChartData(chart=chart, measurements=_frozen(arr))


def count_data(chart: str, counts: ArrayLike, sizes: ArrayLike | None = None) -> ChartData:
    """Validate counts (and sample sizes) for a p, np, c or u chart.

    p and np count nonconforming units out of sizes units (counts <= sizes,
    whole numbers); c and u count nonconformities; u divides by sizes
    (units or area inspected, may be fractional). np needs one common size.
    """
    chart = check_chart_type(chart)
    if chart not in ATTRIBUTE_CHARTS:
        raise SpcError(f"an {chart} chart plots measurements, not counts")
    c = _as_float_array(counts, "counts")
    if c.ndim != 1:
        raise SpcError("counts must be one number per sample")
    if c.size == 0:
        raise SpcError("no samples to chart")
    _check_finite(c, "counts", "sample")
    if (c < 0).any():
        first = int(np.argmax(c < 0))
        raise SpcError(
            f"sample {first} has a negative count ({c[first]:g}): counts cannot be below 0"
        )
    if (c != np.floor(c)).any():
        first = int(np.argmax(c != np.floor(c)))
        raise SpcError(f"sample {first} has a count of {c[first]:g}: counts must be whole numbers")
    if chart == "c":
        if sizes is not None:
            s = _as_float_array(sizes, "sample sizes")
            if s.size and not np.all(s == s.flat[0]):
                raise SpcError(
                    "a c chart assumes the same inspection area for every sample: "
                    "use a u chart when sample sizes vary"
                )
        return ChartData(chart=chart, counts=_frozen(c))
    if sizes is None:
        raise SpcError(f"a {chart} chart needs the number of units inspected in each sample")
    s = _as_float_array(sizes, "sample sizes")
    if s.ndim == 0:
        s = np.full(c.shape, float(s))
    if s.shape != c.shape:
        raise SpcError(f"{c.size} counts but {s.size} sample sizes: give one size per sample")
    _check_finite(s, "sample sizes", "sample")
    if (s <= 0).any():
        first = int(np.argmax(s <= 0))
        raise SpcError(
            f"sample {first} has size {s[first]:g}: a sample must inspect at least 1 unit"
        )
    if chart in ("p", "np"):
        if (s != np.floor(s)).any():
            first = int(np.argmax(s != np.floor(s)))
            raise SpcError(f"sample {first} has size {s[first]:g}: sizes must be whole units")
        if (c > s).any():
            first = int(np.argmax(c > s))
            raise SpcError(
                f"sample {first} has {c[first]:g} nonconforming units out of only {s[first]:g} "
                "inspected: a count cannot exceed its sample size"
            )
    if chart == "np" and not np.all(s == s[0]):
        raise SpcError("an np chart needs the same sample size throughout: use a p chart")
    return ChartData(chart=chart, counts=_frozen(c), sizes=_frozen(s))
