"""Gauges: frame parsers (pure), the unit rule, a serial reader, and a fake.

Importing this package does not load pyserial.
"""

from hardware.gauges.parsers import PARSERS
from hardware.gauges.reading import (
    FrameError,
    GaugeReading,
    UnitMismatch,
    check_unit,
    normalize_unit,
)

__all__ = [
    "PARSERS",
    "FrameError",
    "GaugeReading",
    "UnitMismatch",
    "check_unit",
    "normalize_unit",
]
