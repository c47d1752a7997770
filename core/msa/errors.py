"""The one exception measurement system analysis raises for studies it cannot judge."""

from __future__ import annotations


class MsaError(ValueError):
    """A study or setting that cannot give a trustworthy gauge verdict.

    The message is written for the quality engineer running the study: it
    names the row, part, appraiser or trial at fault and what to do about it.
    """
