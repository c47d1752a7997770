"""Numbers and spec limits as people write them on the floor: 1000, never 1e+03."""

from __future__ import annotations

import re

# Worded in core, so the command line writes numbers and limits as the kiosk does.
from core.verdict import NO_LIMITS, limits, plain

__all__ = ["NO_LIMITS", "limits", "plain", "plain_text"]

#: A number in Python's exponent notation ("1e+03", "8.12e-04") inside a sentence.
_EXPONENT = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?e[-+]\d+(?![\w.])")


def plain_text(text: str) -> str:
    """``text`` with every number in exponent notation written out ("1e+03×" -> "1000×").

    Sentences made in ``core`` format with ``:g``; this is the last stop before an
    operator reads them.
    """
    return _EXPONENT.sub(lambda m: plain(float(m.group())), text)
