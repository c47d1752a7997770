"""An in-memory PLC: a register map tests and demo mode set by hand."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from hardware.plc.base import PlcError, Table
from hardware.plc.codec import WordOrder, encode_float32, encode_uint32


class FakePlc:
    """Implements :class:`~hardware.plc.base.Plc` over dicts; unset addresses read 0.

    ``online = False`` makes every call fail like an unreachable PLC;
    ``fail_next`` makes the next N requests fail like timeouts.
    """

    def __init__(self, name: str = "fake-plc", word_order: WordOrder = "big") -> None:
        self.name = name
        self.where = "in-memory"
        self.word_order = word_order
        self.tables: dict[str, dict[int, int]] = defaultdict(dict)
        self.online = True
        self.fail_next = 0
        self.writes: list[tuple[Table, int, list[int]]] = []
        self._connected = False

    # --- test helpers ---
    def set(self, table: Table, address: int, *values: int) -> None:
        for i, value in enumerate(values):
            self.tables[table][address + i] = value

    def set_float(self, table: Table, address: int, value: float) -> None:
        self.set(table, address, *encode_float32(value, self.word_order))

    def set_uint32(self, table: Table, address: int, value: int) -> None:
        self.set(table, address, *encode_uint32(value, self.word_order))

    def get(self, table: Table, address: int) -> int:
        return self.tables[table].get(address, 0)

    # --- Plc ---
    @property
    def connected(self) -> bool:
        return self._connected and self.online

    async def connect(self) -> None:
        await asyncio.sleep(0)
        if not self.online:
            raise PlcError("fake PLC offline")
        self._connected = True

    async def read(self, table: Table, address: int, count: int = 1) -> list[int]:
        self._check()
        await asyncio.sleep(0)
        return [self.tables[table].get(address + i, 0) for i in range(count)]

    async def write(self, table: Table, address: int, values: Sequence[int]) -> None:
        self._check()
        if table not in ("coil", "holding"):
            raise PlcError(f"{table} is read-only")
        await asyncio.sleep(0)
        self.writes.append((table, address, list(values)))
        self.set(table, address, *values)

    def close(self) -> None:
        self._connected = False

    def _check(self) -> None:
        if not self.online:
            self._connected = False
            raise PlcError("fake PLC offline")
        if not self._connected:
            raise PlcError("not connected")
        if self.fail_next:
            self.fail_next -= 1
            raise PlcError("timeout (simulated)")
