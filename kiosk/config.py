"""A station's settings: who it is, where its server is, where it keeps its data."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

TOKEN_ENV = "LINESIDE_STATION_TOKEN"


def default_data_dir(station_id: str) -> Path:
    return Path.home() / ".local" / "share" / "lineside" / "kiosk" / station_id


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """Everything a kiosk (UI or headless) needs to run; tests build it directly."""

    station_id: str
    server_url: str
    token: str | None = None
    data_dir: Path | None = None
    idle_timeout: timedelta | None = timedelta(minutes=15)
    demo_hints: bool = False
    allow_quit: bool = False  # operators cannot quit; the demo can (Ctrl+Q)
    sync: bool = True  # False: no network at all (snapshot tests)
    feed_wait_s: float = 25.0  # long-poll length; the server answers at once on a change
    push_batch: int = 200
    clock: Callable[[], datetime] = field(default=utc_now)
    display_tz: tzinfo | None = None  # clock shown on screen; None: the terminal's own zone
    #: In-memory fakes instead of the station's real devices (demo mode).
    fake_devices: bool = False
    #: The station's device tables as in the plant file; None: the ones the feed sends (tests).
    devices_override: Sequence[Mapping[str, object]] | None = None
    #: Attach the station's devices; None: when syncing, faking or given an override
    #: (a ``sync=False`` kiosk is a snapshot rig and stays device-free).
    attach_devices: bool | None = None

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.display_tz)

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or default_data_dir(self.station_id)

    @property
    def print_queue_dir(self) -> Path:
        """Where tickets wait for the printer (``<printer name>/pending``, ``printed``)."""
        return self.resolved_data_dir / "print-queue"

    @property
    def devices_attached(self) -> bool:
        if self.attach_devices is not None:
            return self.attach_devices
        return self.sync or self.fake_devices or self.devices_override is not None

    @property
    def resolved_token(self) -> str | None:
        return self.token or os.environ.get(TOKEN_ENV) or None

    @property
    def base_url(self) -> str:
        return self.server_url.rstrip("/")
