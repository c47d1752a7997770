"""A pyserial port read through the event loop, so a dead port never blocks.

pyserial opens the port (and sets baud rate, parity, ...) and leaves the fd
non-blocking; reads wait on the loop's selector instead of a thread. A device
that vanishes (USB unplugged, pty closed) shows up as EIO or end-of-file and
is raised as :class:`DeviceUnavailable`.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from hardware.runner import DeviceMissingLibrary, DeviceUnavailable


@dataclass(frozen=True, slots=True)
class SerialSettings:
    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1

    @classmethod
    def of(cls, config: Any) -> SerialSettings:
        """Take the serial line settings from any config with port/baudrate/..."""
        return cls(config.port, config.baudrate, config.bytesize, config.parity, config.stopbits)


class SerialLink:
    def __init__(self, port: Any) -> None:
        self._port = port
        self._fd: int = port.fileno()
        self.name: str = port.port

    @classmethod
    async def open(cls, settings: SerialSettings) -> SerialLink:
        try:
            import serial
        except ImportError as exc:  # pragma: no cover - pyserial is a hard dependency
            raise DeviceMissingLibrary("pyserial is not installed") from exc

        def _open() -> Any:
            return serial.Serial(
                settings.port,
                baudrate=settings.baudrate,
                bytesize=settings.bytesize,
                parity=settings.parity,
                stopbits=settings.stopbits,
                timeout=0,
                write_timeout=2,
            )

        try:
            port = await asyncio.to_thread(_open)
        except (OSError, ValueError) as exc:  # SerialException is an OSError
            raise DeviceUnavailable(f"cannot open {settings.port}: {exc}") from exc
        return cls(port)

    async def read(self) -> bytes:
        """Wait for and return the bytes available now (never empty)."""
        loop = asyncio.get_running_loop()
        while True:
            # Wait first: with pyserial's timeout=0 (VMIN=0) a read with no data returns
            # b"" rather than EAGAIN, so only "readable but empty" means the device is gone.
            await self._readable(loop)
            try:
                data = os.read(self._fd, 4096)
            except BlockingIOError:
                continue
            except OSError as exc:  # EIO: the other end (USB device, pty master) is gone
                raise DeviceUnavailable(f"{self.name} vanished: {exc.strerror or exc}") from exc
            if not data:
                raise DeviceUnavailable(f"{self.name} hung up")
            return data

    async def _readable(self, loop: asyncio.AbstractEventLoop) -> None:
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self._fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(self._fd)

    async def write(self, data: bytes) -> None:
        try:
            await asyncio.to_thread(self._port.write, data)
        except OSError as exc:
            raise DeviceUnavailable(f"cannot write to {self.name}: {exc}") from exc

    def close(self) -> None:
        try:
            self._port.close()
        except OSError:
            pass
