"""A scanner with no device: tests and demo mode push codes in by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hardware.feed import Feed
from hardware.scanners.base import Scan
from hardware.status import DeviceStatus, StatusCallback, StatusReporter


class FakeScanner:
    kind = "scanner"

    def __init__(
        self,
        name: str = "fake-scanner",
        *,
        on_status: StatusCallback | None = None,
        on_scan: Callable[[Scan], None] | None = None,
    ) -> None:
        self.name = name
        self.scans: Feed[Scan] = Feed(on_item=on_scan)
        self.reporter = StatusReporter(self.kind, name, on_status)

    @property
    def status(self) -> DeviceStatus:
        return self.reporter.status

    def start(self) -> None:
        self.reporter.connected("fake")

    async def stop(self) -> None:
        self.reporter.disconnected("stopped")

    def feed(self, codes: Iterable[str]) -> list[Scan]:
        """Publish each code as a scan, as if it had just been read."""
        scans = [Scan(code, self.name) for code in codes]
        for scan in scans:
            self.scans.emit(scan)
        return scans

    def unplug(self, message: str = "unplugged") -> None:
        self.reporter.disconnected(message)

    def plug_in(self) -> None:
        self.reporter.connected("fake")
