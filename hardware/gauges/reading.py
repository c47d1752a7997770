"""A gauge reading and the unit rule: refuse, never convert.

A reading in inches for a characteristic specified in millimetres is almost
always a gauge left in the wrong mode; converting it silently would hide that
and put a rounded value into SPC. :func:`check_unit` refuses it with a message
the operator can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ReadingStatus = Literal["ok", "error", "overrange"]


@dataclass(frozen=True, slots=True)
class GaugeReading:
    """One value from a gauge. ``value`` is NaN unless ``status`` is "ok"."""

    value: float
    unit: str
    status: ReadingStatus
    raw: bytes
    #: Interface channel for multiplexers (Mitutoyo "01".."99"), if the frame has one.
    channel: str | None = None
    #: The tester's own verdict ("ok"/"nok") where the frame carries one; informational.
    verdict: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not math.isnan(self.value)


class FrameError(ValueError):
    """The bytes are not a frame of this protocol (noise, wrong baud rate, partial frame)."""


class UnitMismatch(ValueError):
    """The gauge reports a unit different from the characteristic's."""


# Spellings seen on gauge displays and interfaces -> one canonical name.
_UNIT_ALIASES: dict[str, str] = {
    "mm": "mm", "MM": "mm", "Mm": "mm",
    "um": "um", "µm": "um", "μm": "um", "UM": "um", "micron": "um",
    "in": "in", "IN": "in", "In": "in", "inch": "in", "INCH": "in", '"': "in", "''": "in",
    "Nm": "N·m", "N.m": "N·m", "N·m": "N·m", "N-m": "N·m", "NM": "N·m",
    "cNm": "cN·m", "lbf.in": "lbf·in", "lbf·in": "lbf·in", "in-lb": "lbf·in",
    "ml/min": "ml/min", "cc/min": "ml/min", "ccm": "ml/min", "sccm": "ml/min",
    "Pa": "Pa", "kPa": "kPa", "mbar": "mbar", "bar": "bar", "psi": "psi",
    "deg": "deg", "°": "deg", "g": "g", "kg": "kg", "N": "N", "kN": "kN",
}  # fmt: skip


def normalize_unit(unit: str) -> str:
    """Canonical spelling of ``unit`` ("µm" -> "um", "inch" -> "in"); unknown units unchanged."""
    unit = unit.strip()
    return _UNIT_ALIASES.get(unit, unit)


def check_unit(
    reading: GaugeReading, expected_unit: str, characteristic: str | None = None
) -> GaugeReading:
    """Return ``reading`` if it is in ``expected_unit``; raise :class:`UnitMismatch` otherwise."""
    got, want = normalize_unit(reading.unit), normalize_unit(expected_unit)
    if got == want:
        return reading
    what = f"characteristic {characteristic!r}" if characteristic else "this gauge"
    shown = f"{reading.value:g} {reading.unit}" if reading.ok else reading.unit
    raise UnitMismatch(
        f"gauge reported {shown} but {what} is measured in {expected_unit}: "
        f"switch the gauge to {expected_unit} and measure again (readings are never converted)"
    )
