"""The lifecycle every device adapter shares: start, reconnect with backoff, stop.

An adapter implements ``_session()``: open the device, report connected, work
until the device goes away, then return or raise. The runner reports why it
ended, waits the backoff delay and tries again, forever, until ``stop()``.
Nothing a device does can raise into the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

from hardware.backoff import Backoff
from hardware.status import DeviceStatus, StatusCallback, StatusReporter

log = logging.getLogger(__name__)


class DeviceUnavailable(Exception):
    """The device cannot be reached right now (unplugged, refused, timed out)."""


class DeviceFault(DeviceUnavailable):
    """The device is there but misbehaved (timeout, exception reply); reported as "error"."""


class DeviceMissingLibrary(DeviceUnavailable):
    """A library this transport needs is not installed; retrying will not help."""


class ReconnectingDevice:
    kind: str = "device"

    def __init__(
        self,
        name: str,
        *,
        on_status: StatusCallback | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self.reporter = StatusReporter(self.kind, name, on_status)
        self.backoff = backoff or Backoff()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def status(self) -> DeviceStatus:
        return self.reporter.status

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the adapter's task on the running loop (idempotent)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run_forever(), name=f"{self.kind}:{self.name}"
            )

    async def stop(self) -> None:
        """Cancel the task and release the device."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._release()
        self.reporter.disconnected("stopped")

    def retry_now(self) -> None:
        """Skip the current backoff delay (e.g. the operator says 'printer fixed')."""
        self._wake.set()

    async def __aenter__(self) -> ReconnectingDevice:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _session(self) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        """Close whatever ``_session`` opened; must not raise."""

    async def _run_forever(self) -> None:
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                self._release()
                raise
            except DeviceMissingLibrary as exc:
                self._release()
                self.reporter.error(str(exc))
                return  # retrying cannot install a library
            except DeviceFault as exc:
                self._release()
                self.reporter.error(str(exc))
            except DeviceUnavailable as exc:
                self._release()
                self.reporter.disconnected(str(exc))
            except Exception as exc:  # a bug or an unexpected device reply
                self._release()
                log.exception("%s %s failed", self.kind, self.name)
                self.reporter.error(f"{type(exc).__name__}: {exc}")
            self._wake.clear()
            await self.backoff.sleep(self._wake)
