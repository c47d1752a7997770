"""CODE128 data for the printer's own barcode command (ESC/POS ``GS k 73``), pure.

The printer needs the code set spelled out: ``{B`` (ASCII), ``{C`` (digit
pairs sent as byte values 0-99), and a literal ``{`` doubled in set B.
Runs of 4+ digits go in set C, which halves their width: that is what lets a
lot id such as ``LOT-260301-0042`` fit 58 mm paper at 2 dots per module.
"""

from __future__ import annotations

import re

_DIGIT_RUN = re.compile(r"\d{4,}")


def escpos_code128(data: str) -> tuple[str, int]:
    """Return (payload for ``GS k 73``, number of data symbols incl. code-set switches)."""
    if not data or any(not 32 <= ord(ch) < 127 for ch in data):
        raise ValueError(f"CODE128 set B/C needs printable ASCII: {data!r}")
    parts: list[str] = []
    symbols = 0
    current = ""
    pos = 0
    for match in _DIGIT_RUN.finditer(data):
        start, end = match.span()
        if (end - start) % 2:  # odd run: the first digit stays in set B
            start += 1
        if start > pos:
            parts.append(_set_b(data[pos:start], current == "B"))
            symbols += (start - pos) + (current not in ("", "B"))
            current = "B"
        digits = data[start:end]
        pairs = "".join(chr(int(digits[i : i + 2])) for i in range(0, len(digits), 2))
        parts.append(("" if current == "C" else "{C") + pairs)
        symbols += len(digits) // 2 + (current not in ("", "C"))
        current = "C"
        pos = end
    if pos < len(data):
        parts.append(_set_b(data[pos:], current == "B"))
        symbols += (len(data) - pos) + (current not in ("", "B"))
    return "".join(parts), symbols


def _set_b(text: str, already_b: bool) -> str:
    return ("" if already_b else "{B") + text.replace("{", "{{")


def code128_modules(symbols: int) -> int:
    """Bar width in modules: start + data + check (11 each) + stop (13)."""
    return 11 * (symbols + 2) + 13


def decode_escpos_code128(payload: str) -> str:
    """Inverse of :func:`escpos_code128` (for tests and the text preview)."""
    out: list[str] = []
    code_set = ""
    i = 0
    while i < len(payload):
        ch = payload[i]
        if ch == "{" and i + 1 < len(payload):
            nxt = payload[i + 1]
            if nxt in "ABC":
                code_set = nxt
                i += 2
                continue
            if nxt == "{":
                out.append("{")
                i += 2
                continue
        out.append(f"{ord(ch):02d}" if code_set == "C" else ch)
        i += 1
    return "".join(out)
