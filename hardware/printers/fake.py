"""A printer with no device: it keeps what it was sent; it can be off or out of paper."""

from __future__ import annotations

import asyncio

from hardware.printers.base import PaperOut, PrinterOffline


class FakePrinter:
    def __init__(self, name: str = "fake-printer") -> None:
        self.name = name
        self.warning = ""
        self.online = True
        self.paper = True
        self.received: list[bytes] = []

    async def check(self) -> None:
        await asyncio.sleep(0)
        if not self.online:
            raise PrinterOffline("fake printer switched off")
        if not self.paper:
            raise PaperOut("out of paper")

    async def write(self, data: bytes) -> None:
        await self.check()
        self.received.append(data)
