"""Shared helpers for the hardware tests: free ports, pty pairs, polling with timeouts."""

from __future__ import annotations

import asyncio
import os
import socket
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.backoff import Backoff
from hardware.status import DeviceState, DeviceStatus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until truthy; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.01)


def fast_backoff() -> Backoff:
    return Backoff(initial_s=0.02, max_s=0.1, jitter=0)


class StatusLog:
    """Collects status callbacks; the test asserts on the sequence of states."""

    def __init__(self) -> None:
        self.items: list[DeviceStatus] = []

    def __call__(self, status: DeviceStatus) -> None:
        self.items.append(status)

    def states(self, name: str | None = None) -> list[DeviceState]:
        return [s.state for s in self.items if name is None or s.name == name]

    def saw(self, state: DeviceState, containing: str = "") -> bool:
        return any(s.state == state and containing in s.message for s in self.items)


@pytest.fixture
def status_log() -> StatusLog:
    return StatusLog()


class FakeSerialDevice:
    """A pty pair standing in for a serial device; ``path`` is a stable symlink
    (like /dev/serial/by-id/...) that ``replug()`` re-points at a fresh pty."""

    def __init__(self, directory: Path) -> None:
        self.path = str(directory / "ttyFAKE0")
        self.master = -1
        self.slave = -1
        self.replug()

    def replug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        if os.path.lexists(self.path):
            os.unlink(self.path)
        os.symlink(os.ttyname(self.slave), self.path)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    async def read(self, n: int, timeout: float = 5.0) -> bytes:
        """Read exactly n bytes the host wrote to the device."""
        loop = asyncio.get_running_loop()
        os.set_blocking(self.master, False)
        got = b""
        deadline = loop.time() + timeout
        while len(got) < n:
            try:
                got += os.read(self.master, n - len(got))
            except BlockingIOError:
                if loop.time() > deadline:
                    raise AssertionError(f"device got only {got!r}") from None
                await asyncio.sleep(0.01)
        return got

    def vanish(self) -> None:
        """Unplug: close both ends so the host's reads fail and the path dangles."""
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1

    def close(self) -> None:
        self.vanish()


@pytest.fixture
def serial_device(tmp_path: Path) -> Iterator[FakeSerialDevice]:
    device = FakeSerialDevice(tmp_path)
    yield device
    device.close()
