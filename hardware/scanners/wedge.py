"""Keyboard-wedge scanners: tell a scanner burst from a human typing.

A USB scanner in keyboard mode types its code faster than any person: keys
arrive a few milliseconds apart (< ~30 ms), ending with Enter. A person types
80-300 ms apart. :class:`WedgeDecoder` is pure: the kiosk feeds it each key
with its arrival time and gets back either a :class:`Scan` or the keystrokes
to hand on to the focused input as typing. Because a burst is only known to
be typing once the next key is late, the kiosk calls :meth:`WedgeDecoder.flush`
at :attr:`WedgeDecoder.deadline` (a timer) to release held-back keystrokes.

GS (FNC1 in GS1 codes) arrives from Textual as key ``ctrl+right_square_bracket``
with character ``"\\x1d"``; it is kept in the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hardware.feed import Feed
from hardware.scanners.base import GS, Scan
from hardware.status import DeviceStatus, StatusCallback, StatusReporter

GS_KEYS = frozenset({"ctrl+right_square_bracket", "ctrl+]"})
ENTER_KEYS = frozenset({"enter", "ctrl+m", "ctrl+j"})


@dataclass(frozen=True, slots=True)
class WedgeResult:
    """What the kiosk does with one key: publish ``scan``; insert ``typed``; then handle ``key``."""

    scan: Scan | None = None
    #: Characters a person typed, released in order, to insert into the focused input.
    typed: str = ""
    #: A non-character key a person pressed (e.g. "enter", "backspace"), after ``typed``.
    key: str | None = None


class WedgeDecoder:
    def __init__(
        self,
        source: str = "wedge",
        *,
        max_gap_s: float = 0.030,
        min_length: int = 4,
        require_enter: bool = True,
    ) -> None:
        self.source = source
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.require_enter = require_enter
        self._buf: list[str] = []
        self._last = 0.0

    @property
    def deadline(self) -> float | None:
        """When to call :meth:`flush` if no key arrives (None: nothing held back)."""
        return self._last + self.max_gap_s if self._buf else None

    def key(self, key: str, character: str | None, at: float) -> WedgeResult:
        """Feed one key event; ``at`` is its arrival time in seconds (monotonic)."""
        settled = self._settle(at)
        char = GS if key in GS_KEYS or character == GS else character
        if key in ENTER_KEYS:
            if len(self._buf) >= self.min_length and at - self._last <= self.max_gap_s:
                code = "".join(self._buf)
                self._buf.clear()
                return WedgeResult(scan=Scan(code, self.source), typed=settled.typed)
            typed = settled.typed + "".join(self._buf)
            self._buf.clear()
            return WedgeResult(scan=settled.scan, typed=typed, key="enter")
        if char is not None and len(char) == 1 and (char == GS or char.isprintable()):
            self._buf.append(char)
            self._last = at
            return settled
        # backspace, arrows, function keys: a person; release what was held back
        typed = settled.typed + "".join(self._buf)
        self._buf.clear()
        return WedgeResult(scan=settled.scan, typed=typed, key=key)

    def flush(self, now: float) -> WedgeResult:
        """Release held-back keys once ``now`` is past :attr:`deadline`."""
        return self._settle(now)

    def _settle(self, now: float) -> WedgeResult:
        if not self._buf or now - self._last <= self.max_gap_s:
            return WedgeResult()
        held = "".join(self._buf)
        self._buf.clear()
        if not self.require_enter and len(held) >= self.min_length:
            return WedgeResult(scan=Scan(held, self.source))
        return WedgeResult(typed=held)


class WedgeScanner:
    """A wedge scanner as a station device: the kiosk feeds keys, scans come out of ``scans``.

    There is no device to watch, so the status is always "connected".
    """

    kind = "scanner"

    def __init__(
        self,
        name: str = "wedge",
        *,
        max_gap_s: float = 0.030,
        min_length: int = 4,
        require_enter: bool = True,
        on_status: StatusCallback | None = None,
        on_scan: Callable[[Scan], None] | None = None,
    ) -> None:
        self.name = name
        self.decoder = WedgeDecoder(
            name, max_gap_s=max_gap_s, min_length=min_length, require_enter=require_enter
        )
        self.scans: Feed[Scan] = Feed(on_item=on_scan)
        self.reporter = StatusReporter(self.kind, name, on_status)

    @property
    def status(self) -> DeviceStatus:
        return self.reporter.status

    def start(self) -> None:
        self.reporter.connected("keyboard wedge")

    async def stop(self) -> None:
        self.reporter.disconnected("stopped")

    def key(self, key: str, character: str | None, at: float) -> WedgeResult:
        result = self.decoder.key(key, character, at)
        if result.scan is not None:
            self.scans.emit(result.scan)
        return result

    def flush(self, now: float) -> WedgeResult:
        result = self.decoder.flush(now)
        if result.scan is not None:
            self.scans.emit(result.scan)
        return result
