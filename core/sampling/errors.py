"""The one exception acceptance sampling raises for a request it cannot answer."""

from __future__ import annotations


class SamplingError(ValueError):
    """A lot size, inspection level, AQL, severity or switching step the standard cannot serve.

    The message is written for the inspector or quality engineer: it names the
    value at fault and the values that would be accepted.
    """
