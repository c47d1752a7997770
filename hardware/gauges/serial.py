"""Gauges on a serial line (RS-232 or a USB interface cable), push or poll.

Push: the gauge sends a frame when the operator presses its data button (or
a foot switch). Poll: lineside sends ``poll_command`` and the gauge answers
with one frame -- either every ``poll_interval_s`` or when the kiosk calls
:meth:`SerialGauge.request`.

Readings in a unit other than the configured one are refused, never
converted: the status turns to "error" with a message telling the operator
to switch the gauge, and nothing is published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Literal

from hardware.backoff import Backoff
from hardware.feed import Feed
from hardware.framing import make_framer
from hardware.gauges.parsers import PARSERS
from hardware.gauges.reading import FrameError, GaugeReading, UnitMismatch, check_unit
from hardware.runner import ReconnectingDevice
from hardware.serialport import SerialLink, SerialSettings
from hardware.status import DeviceState, StatusCallback


class SerialGauge(ReconnectingDevice):
    kind = "gauge"

    def __init__(
        self,
        name: str,
        settings: SerialSettings,
        *,
        protocol: str,
        unit: str,
        framing: Literal["crlf", "cr", "lf", "stx-etx"] = "crlf",
        trigger: Literal["push", "poll"] = "push",
        poll_command: bytes | None = None,
        poll_interval_s: float | None = None,
        response_timeout_s: float = 2.0,
        on_status: StatusCallback | None = None,
        on_reading: Callable[[GaugeReading], None] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(name, on_status=on_status, backoff=backoff)
        if protocol not in PARSERS:
            raise ValueError(f"unknown gauge protocol {protocol!r}; one of {', '.join(PARSERS)}")
        if trigger == "poll" and not poll_command:
            raise ValueError("poll mode needs a poll_command")
        self.settings = settings
        self.parse = PARSERS[protocol]
        self.unit = unit
        self.framer = make_framer(framing)
        self.trigger = trigger
        self.poll_command = poll_command
        self.poll_interval_s = poll_interval_s
        self.response_timeout_s = response_timeout_s
        self.readings: Feed[GaugeReading] = Feed(on_item=on_reading)
        #: Frames that could not be parsed or were refused, newest last (bounded).
        self.rejected: list[tuple[bytes, str]] = []
        self._link: SerialLink | None = None
        self._waiters: list[asyncio.Future[GaugeReading]] = []

    async def request(self, timeout: float | None = None) -> GaugeReading | None:
        """Poll once: send the poll command and wait for the answer.

        Returns None if the gauge is not connected or does not answer in time
        (the status says why); never raises for a device problem.
        """
        link = self._link
        if link is None or not self.poll_command:
            return None
        waiter: asyncio.Future[GaugeReading] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await link.write(self.poll_command)
            return await asyncio.wait_for(waiter, timeout or self.response_timeout_s)
        except (TimeoutError, OSError):
            self.reporter.error("no answer to poll command")
            return None
        except Exception as exc:  # DeviceUnavailable while writing
            self.reporter.error(str(exc))
            return None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    async def _session(self) -> None:
        self._link = link = await SerialLink.open(self.settings)
        self.framer.reset()
        self.reporter.connected(self.settings.port)
        self.backoff.reset()
        poller = None
        if self.trigger == "poll" and self.poll_interval_s:
            poller = asyncio.get_running_loop().create_task(self._poll_periodically())
        try:
            while True:
                for frame in self.framer.feed(await link.read()):
                    self._handle(frame)
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    async def _poll_periodically(self) -> None:
        assert self.poll_interval_s
        while True:
            await self.request()
            await asyncio.sleep(self.poll_interval_s)

    def _handle(self, frame: bytes) -> None:
        try:
            reading = check_unit(self.parse(frame, self.unit), self.unit)
        except FrameError as exc:
            self._reject(frame, f"unreadable frame: {exc}")
            return
        except UnitMismatch as exc:
            self._reject(frame, str(exc))
            return
        if self.reporter.status.state != DeviceState.CONNECTED:
            self.reporter.connected(self.settings.port)
        self.readings.emit(reading)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(reading)

    def _reject(self, frame: bytes, message: str) -> None:
        self.rejected.append((frame, message))
        del self.rejected[:-20]
        self.reporter.error(message)

    def _release(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()
        dropped = self.framer.reset()
        if dropped:
            self.reporter.error(
                f"device vanished mid-frame: partial frame dropped ({len(dropped)} bytes)"
            )
