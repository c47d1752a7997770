"""A gauge with no device: tests and demo mode hand it frames or values."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Literal

from hardware.feed import Feed
from hardware.gauges.parsers import PARSERS
from hardware.gauges.reading import FrameError, GaugeReading, UnitMismatch, check_unit
from hardware.status import DeviceStatus, StatusCallback, StatusReporter


class FakeGauge:
    kind = "gauge"

    def __init__(
        self,
        name: str = "fake-gauge",
        *,
        unit: str = "mm",
        protocol: str = "generic-ascii",
        trigger: Literal["push", "poll"] = "push",
        on_status: StatusCallback | None = None,
        on_reading: Callable[[GaugeReading], None] | None = None,
    ) -> None:
        self.name = name
        self.unit = unit
        self.trigger = trigger
        self.parse = PARSERS[protocol]
        self.readings: Feed[GaugeReading] = Feed(on_item=on_reading)
        self.reporter = StatusReporter(self.kind, name, on_status)
        self._next: list[float] = []

    @property
    def status(self) -> DeviceStatus:
        return self.reporter.status

    def start(self) -> None:
        self.reporter.connected("fake")

    async def stop(self) -> None:
        self.reporter.disconnected("stopped")

    def feed_frames(self, frames: Iterable[bytes]) -> list[GaugeReading]:
        """Parse and publish frames as the serial gauge would (same refusals)."""
        published = []
        for frame in frames:
            try:
                reading = check_unit(self.parse(frame, self.unit), self.unit)
            except (FrameError, UnitMismatch) as exc:
                self.reporter.error(str(exc))
                continue
            self.reporter.connected("fake")
            self.readings.emit(reading)
            published.append(reading)
        return published

    def feed_values(self, values: Iterable[float]) -> list[GaugeReading]:
        readings = [GaugeReading(v, self.unit, "ok", f"{v} {self.unit}".encode()) for v in values]
        for reading in readings:
            self.readings.emit(reading)
        return readings

    def queue_values(self, values: Iterable[float]) -> None:
        """Values that successive :meth:`request` calls answer with."""
        self._next.extend(values)

    async def request(self, timeout: float | None = None) -> GaugeReading | None:
        await asyncio.sleep(0)
        if not self._next:
            return None
        return self.feed_values([self._next.pop(0)])[0]
