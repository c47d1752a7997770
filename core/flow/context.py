"""What a step may consult: the station's reference data, a clock, an id source.

``ReferenceData`` is read-only; the kiosk's cache implements it over SQLite and
the feed, tests use ``core.flow.memory.MemoryReference``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from core.barcodes import BarcodeGrammar
from core.reference import (
    DefectCodeRef,
    HoldRef,
    LotRef,
    OperatorRef,
    RoutingRef,
    StationRef,
    WorkOrderRef,
)


class ReferenceData(Protocol):
    """The station's view of the plant, as last synced (plus its own optimistic changes)."""

    def station(self) -> StationRef | None: ...

    def grammar(self) -> BarcodeGrammar: ...

    def operator(self, badge: str) -> OperatorRef | None: ...

    def work_order(self, number: str) -> WorkOrderRef | None: ...

    def work_orders(self) -> list[WorkOrderRef]: ...

    def routing(self, product: str) -> RoutingRef | None: ...

    def lot(self, lot_id: str) -> LotRef | None: ...

    def lots_of_part(self, part: str) -> list[LotRef]: ...

    def open_holds(self, target_type: str, target: str) -> list[HoldRef]: ...

    def defect_code(self, code: str) -> DefectCodeRef | None: ...

    def defect_codes(self) -> list[DefectCodeRef]: ...

    def known_rev(self) -> int | None:
        """The change-feed cursor this view reflects (None when it did not come from a feed)."""
        ...

    def quality_settings(self) -> dict[str, list[str]]:
        """The plant's reaction defaults (``on_fail``, ``on_critical_defect``)."""
        ...

    def production_settings(self) -> dict[str, float]:
        """The plant's production settings (``overrun_tolerance``)."""
        ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FlowContext:
    """Everything outside the state that a step needs; all of it replaceable in tests."""

    station_id: str
    reference: ReferenceData
    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], uuid.UUID] = uuid.uuid4
    idle_timeout: timedelta | None = timedelta(minutes=15)
    plausibility_factor: float = 10.0


Source = Literal["keyboard", "scanner", "gauge", "plc", "replay"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One line the operator scanned or typed (GS separators kept)."""

    text: str
    source: Source = "keyboard"


@dataclass(frozen=True, slots=True)
class Reading:
    """A value from a device (gauge, PLC): a measurement of the prompted characteristic."""

    value: float
    unit: str = ""
    source: Literal["gauge", "plc"] = "gauge"
    device: str = ""


Input = Entry | Reading
