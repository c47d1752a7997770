"""Scanners on a serial line (USB CDC-ACM "virtual COM" or RS-232).

The port only moves bytes; :mod:`hardware.framing` cuts them into frames
(CR/LF or STX/ETX, set to match the scanner's suffix/prefix programming) and
each frame is one scan. If the device vanishes mid-frame, the partial frame is
dropped (never published as a shorter, wrong code), reported, and the port
reopened with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from hardware.backoff import Backoff
from hardware.feed import Feed
from hardware.framing import make_framer
from hardware.runner import ReconnectingDevice
from hardware.scanners.base import Scan
from hardware.serialport import SerialLink, SerialSettings
from hardware.status import StatusCallback


def frame_to_code(frame: bytes) -> str:
    """Decode one frame; scanners send ASCII, QR payloads may be UTF-8."""
    return frame.decode("utf-8", errors="replace")


class SerialScanner(ReconnectingDevice):
    kind = "scanner"

    def __init__(
        self,
        name: str,
        settings: SerialSettings,
        *,
        framing: Literal["crlf", "cr", "lf", "stx-etx"] = "crlf",
        max_frame: int = 4096,
        on_status: StatusCallback | None = None,
        on_scan: Callable[[Scan], None] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(name, on_status=on_status, backoff=backoff)
        self.settings = settings
        self.framer = make_framer(framing, max_frame)
        self.scans: Feed[Scan] = Feed(on_item=on_scan)
        self._link: SerialLink | None = None
        #: Partial frames dropped because the device vanished mid-frame.
        self.dropped_partials: list[bytes] = []

    async def _session(self) -> None:
        self._link = link = await SerialLink.open(self.settings)
        self.framer.reset()
        self.reporter.connected(self.settings.port)
        self.backoff.reset()
        overflows = self.framer.overflows
        while True:
            data = await link.read()
            for frame in self.framer.feed(data):
                self.scans.emit(Scan(frame_to_code(frame), self.name))
            if self.framer.overflows != overflows:
                overflows = self.framer.overflows
                self.reporter.error("frame too long, dropped: check the scanner's suffix setting")

    def _release(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()
        dropped = self.framer.reset()
        if dropped:
            self.dropped_partials.append(dropped)
            del self.dropped_partials[:-20]
            self.reporter.error(
                f"device vanished mid-scan: partial frame dropped ({len(dropped)} bytes)"
            )
