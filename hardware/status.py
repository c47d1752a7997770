"""Device status: what the kiosk shows in its device bar.

Every adapter owns a :class:`StatusReporter` and calls ``report(state, message)``
whenever something happens; the reporter calls the station's callback only when
the state or the message changed, and keeps ``since`` at the moment the state
last changed. A failing callback is logged and never reaches the device loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

log = logging.getLogger(__name__)


class DeviceState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """One device's state as last reported. ``since`` is when ``state`` began."""

    kind: str
    name: str
    state: DeviceState
    message: str = ""
    since: datetime = field(default_factory=_now)


StatusCallback = Callable[[DeviceStatus], None]


class StatusReporter:
    """Turns repeated ``report()`` calls into de-duplicated status changes."""

    def __init__(
        self,
        kind: str,
        name: str,
        on_status: StatusCallback | None = None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._on_status = on_status
        self._clock = clock
        self.history: list[DeviceStatus] = []
        self.status = DeviceStatus(kind, name, DeviceState.DISCONNECTED, "not started", clock())

    def report(self, state: DeviceState, message: str = "") -> DeviceStatus:
        """Record ``state``/``message``; notify only if either changed."""
        current = self.status
        if state == current.state and message == current.message:
            return current
        since = current.since if state == current.state else self._clock()
        self.status = DeviceStatus(current.kind, current.name, state, message, since)
        level = logging.INFO if state == DeviceState.CONNECTED else logging.WARNING
        log.log(level, "%s %s: %s %s", current.kind, current.name, state.value, message)
        self.history.append(self.status)
        del self.history[:-50]  # bounded: a flapping device must not grow memory
        if self._on_status is not None:
            try:
                self._on_status(self.status)
            except Exception:  # the kiosk's bug must not stop the device loop
                log.exception("status callback failed for %s %s", current.kind, current.name)
        return self.status

    def connected(self, message: str = "") -> DeviceStatus:
        return self.report(DeviceState.CONNECTED, message)

    def disconnected(self, message: str = "") -> DeviceStatus:
        return self.report(DeviceState.DISCONNECTED, message)

    def error(self, message: str) -> DeviceStatus:
        return self.report(DeviceState.ERROR, message)
