"""Printers reached through a device file: ``/dev/usb/lp0`` (usblp), a parallel port,
or a plain file (archiving, tests).

Plain ``os.write`` in a thread: ``escpos.printer.File`` opens with "wb" (which
truncates a regular file) and blocks forever on a usblp printer out of paper.
Here the file is opened non-blocking and the write gives up after the timeout.
"""

from __future__ import annotations

import asyncio
import errno
import os
import select
import time

from hardware.printers.base import PrinterOffline


class FilePrinter:
    def __init__(self, name: str, path: str, *, timeout_s: float = 5.0) -> None:
        self.name = name
        self.path = path
        self.timeout_s = timeout_s
        self.warning = ""

    async def write(self, data: bytes) -> None:
        await asyncio.to_thread(self._write, data)

    async def check(self) -> None:
        await asyncio.to_thread(self._write, b"")

    def _write(self, data: bytes) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK
        if not self.path.startswith("/dev/"):
            # never create /dev/usb/lp0 as a plain file while the printer is unplugged
            flags |= os.O_CREAT
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise PrinterOffline(f"cannot open {self.path}: {exc.strerror or exc}") from exc
        try:
            view = memoryview(data)
            deadline = time.monotonic() + self.timeout_s
            while view:
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise PrinterOffline(
                            f"{self.path} not accepting data (out of paper or offline?)"
                        ) from None
                    select.select([], [fd], [], min(left, 0.2))
                except OSError as exc:
                    gone = exc.errno in (errno.ENODEV, errno.EIO, errno.ENXIO)
                    what = "disappeared" if gone else "write failed"
                    raise PrinterOffline(f"{self.path} {what}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
