"""What every scanner hands the kiosk: a :class:`Scan`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hardware.feed import Feed
from hardware.status import DeviceStatus

GS = "\x1d"  # GS1 FNC1 separator; scanners send it as Ctrl+]


@dataclass(frozen=True, slots=True)
class Scan:
    """One complete barcode read. ``code`` keeps GS (``\\x1d``) separators as they came."""

    code: str
    source: str


class Scanner(Protocol):
    """The kiosk's view of any scanner: ``async for scan in scanner.scans``."""

    name: str
    scans: Feed[Scan]

    @property
    def status(self) -> DeviceStatus: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...
