"""The PLC seam and the typed events a poller emits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

#: Modbus data tables: coils and holding registers are writable.
Table = Literal["coil", "discrete", "holding", "input"]


class PlcError(Exception):
    """A PLC request failed: not connected, timed out, or an exception response."""


class Plc(Protocol):
    """Narrow access to a PLC's data tables; every method raises only :class:`PlcError`."""

    name: str

    @property
    def connected(self) -> bool: ...

    async def connect(self) -> None: ...

    async def read(self, table: Table, address: int, count: int = 1) -> list[int]:
        """Registers (0..65535) or, for coil/discrete, bits as 0/1."""
        ...

    async def write(self, table: Table, address: int, values: Sequence[int]) -> None:
        """Write holding registers, or coils (values 0/1)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class MachineStateChanged:
    """The machine entered ``state``; it had been ``previous_state`` for ``duration_s``.

    The first poll after start reports the current state with ``previous_state=None``.
    A new reason code in the same state (another fault) is also a change.
    """

    state: str
    reason_code: int | None
    previous_state: str | None
    duration_s: float
    state_code: int = 0
    plc: str = ""


@dataclass(frozen=True, slots=True)
class PartsCounted:
    """``delta`` parts made since the last report; ``total`` since the poller started."""

    delta: int
    total: int
    #: The PLC counter's raw value now (it may wrap or be reset).
    counter: int = 0
    plc: str = ""


@dataclass(frozen=True, slots=True)
class ProcessValue:
    name: str
    characteristic: str | None
    value: float
    unit: str
    plc: str = ""


PlcEvent = MachineStateChanged | PartsCounted | ProcessValue
