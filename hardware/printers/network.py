"""Network receipt printers: raw TCP on port 9100 (JetDirect/"RAW").

Written on asyncio streams rather than ``escpos.printer.Network`` (a blocking
socket) so that connect, status query and send each have a timeout and never
hold a thread. One connection per ticket: printers serve one client at a
time, and a fresh connection notices a power-cycled printer.
"""

from __future__ import annotations

import asyncio
import contextlib

from hardware.printers.base import (
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterOffline,
    judge_status,
)


class NetworkPrinter:
    def __init__(
        self,
        name: str,
        host: str,
        port: int = 9100,
        *,
        timeout_s: float = 5.0,
        status_check: bool = True,
        status_timeout_s: float = 0.5,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.status_check = status_check
        self.status_timeout_s = status_timeout_s
        self.warning = ""

    async def check(self) -> None:
        await self._send(b"", check=True)

    async def write(self, data: bytes) -> None:
        await self._send(data, check=self.status_check)

    async def _send(self, data: bytes, *, check: bool) -> None:
        where = f"{self.host}:{self.port}"
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout_s
            )
        except (OSError, TimeoutError) as exc:
            raise PrinterOffline(f"cannot reach {where}: {exc or 'timeout'}") from exc
        try:
            warning = ""
            if check:
                printer = await self._query(reader, writer, DLE_EOT_PRINTER)
                paper = await self._query(reader, writer, DLE_EOT_PAPER)
                warning = judge_status(printer, paper)
            if data:
                writer.write(data)
                await asyncio.wait_for(writer.drain(), self.timeout_s)
            self.warning = warning
        except (OSError, TimeoutError) as exc:
            raise PrinterOffline(f"sending to {where} failed: {exc or 'timeout'}") from exc
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _query(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, query: bytes
    ) -> int | None:
        writer.write(query)
        await asyncio.wait_for(writer.drain(), self.timeout_s)
        try:
            answer = await asyncio.wait_for(reader.read(1), self.status_timeout_s)
        except TimeoutError:
            return None  # printer does not answer status queries
        if not answer:
            raise PrinterOffline("printer closed the connection")
        return answer[0]
