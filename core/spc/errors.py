"""The one exception SPC raises for data or settings it cannot chart."""

from __future__ import annotations


class SpcError(ValueError):
    """Data or settings that cannot give a trustworthy chart.

    The message is written for a quality engineer: it names the problem in
    the data (which subgroup, which value) and what to do about it.
    """
