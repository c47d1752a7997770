"""Byte-stream framing for serial devices (pure: bytes in, frames out).

A serial port delivers bytes in arbitrary chunks; a framer collects them and
returns complete frames. Framing is separate from meaning: the scanner turns
frames into codes, the gauge parsers turn them into readings.
"""

from __future__ import annotations

from typing import Literal, Protocol

STX = 0x02
ETX = 0x03
CR = 0x0D
LF = 0x0A


class Framer(Protocol):
    #: Frames dropped because they grew past ``max_frame`` bytes.
    overflows: int

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the frames they complete (terminators stripped)."""
        ...

    @property
    def pending(self) -> bytes:
        """Bytes of a frame begun but not finished."""
        ...

    def reset(self) -> bytes:
        """Forget the unfinished frame (device vanished); return what was dropped."""
        ...


class LineFramer:
    """Frames end at CR and/or LF. ``"crlf"`` accepts CR, LF or CRLF; empty lines are skipped."""

    def __init__(self, mode: Literal["crlf", "cr", "lf"] = "crlf", max_frame: int = 4096) -> None:
        self._ends = {"crlf": (CR, LF), "cr": (CR,), "lf": (LF,)}[mode]
        self._strip = b"\r\n" if mode == "lf" else b""
        self._buf = bytearray()
        self._max = max_frame
        self._overflowing = False
        self.overflows = 0

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        for byte in data:
            if byte in self._ends:
                if self._overflowing:
                    self._overflowing = False
                elif self._buf:
                    frame = bytes(self._buf).rstrip(self._strip)
                    if frame:
                        frames.append(frame)
                self._buf.clear()
            elif self._overflowing:
                continue
            else:
                self._buf.append(byte)
                if len(self._buf) > self._max:
                    # a device streaming without terminators: drop until the next one
                    self._buf.clear()
                    self._overflowing = True
                    self.overflows += 1
        return frames

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def reset(self) -> bytes:
        dropped = bytes(self._buf)
        self._buf.clear()
        self._overflowing = False
        return dropped


class StxEtxFramer:
    """Frames are ``STX payload ETX``; bytes outside a frame are noise and ignored.

    An STX inside a frame means the previous frame was cut off: it is dropped
    and a new frame begins.
    """

    def __init__(self, max_frame: int = 4096) -> None:
        self._buf = bytearray()
        self._in_frame = False
        self._max = max_frame
        self.overflows = 0
        self.truncated = 0

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        for byte in data:
            if byte == STX:
                if self._in_frame and self._buf:
                    self.truncated += 1
                self._buf.clear()
                self._in_frame = True
            elif not self._in_frame:
                continue
            elif byte == ETX:
                frames.append(bytes(self._buf))
                self._buf.clear()
                self._in_frame = False
            else:
                self._buf.append(byte)
                if len(self._buf) > self._max:
                    self._buf.clear()
                    self._in_frame = False
                    self.overflows += 1
        return frames

    @property
    def pending(self) -> bytes:
        return bytes(self._buf) if self._in_frame else b""

    def reset(self) -> bytes:
        dropped = self.pending
        self._buf.clear()
        self._in_frame = False
        return dropped


def make_framer(
    framing: Literal["crlf", "cr", "lf", "stx-etx"], max_frame: int = 4096
) -> LineFramer | StxEtxFramer:
    if framing == "stx-etx":
        return StxEtxFramer(max_frame)
    return LineFramer(framing, max_frame)
