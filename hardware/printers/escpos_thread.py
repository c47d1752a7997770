"""Run a blocking ``escpos.printer`` transport (Usb, Serial) in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hardware.printers.base import (
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterError,
    PrinterOffline,
    judge_status,
)


class EscposThreadPrinter:
    """Open, (ask status,) send, close -- each ticket in one thread call."""

    def __init__(
        self, name: str, make: Callable[[], Any], *, where: str, status_check: bool = True
    ) -> None:
        self.name = name
        self.where = where
        self.status_check = status_check
        self.warning = ""
        self._make = make

    async def write(self, data: bytes) -> None:
        self.warning = await asyncio.to_thread(self._write, data)

    async def check(self) -> None:
        self.warning = await asyncio.to_thread(self._write, b"")

    def _write(self, data: bytes) -> str:
        printer = self._make()
        try:
            printer.open()
        except PrinterError:
            raise
        except Exception as exc:  # DeviceNotFoundError, USBNotFoundError, SerialException
            raise PrinterOffline(f"cannot open {self.where}: {exc}") from exc
        try:
            warning = ""
            if self.status_check:
                online = self._query(printer, DLE_EOT_PRINTER)
                warning = judge_status(online, self._query(printer, DLE_EOT_PAPER))
            if data:
                printer._raw(data)
            return warning
        except PrinterError:
            raise
        except Exception as exc:  # a USB or serial error mid-ticket
            raise PrinterOffline(f"sending to {self.where} failed: {exc}") from exc
        finally:
            try:
                printer.close()
            except Exception:  # already gone
                pass

    def _query(self, printer: Any, query: bytes) -> int | None:
        """Send a DLE EOT query; the status byte, or None if the printer did not answer."""
        answer = printer.query_status(query)
        return answer[0] if answer else None
