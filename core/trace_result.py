"""What a trace answers: the page of lots, each with what an investigation needs.

The server builds these from one SQL statement (``server.trace.query``); the
kiosk and the CLI read them back from the API's JSON. They live in core so that
a station can parse a trace without loading the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Direction = Literal["backward", "forward"]


# --- results ----------------------------------------------------------------


class FrozenModel(BaseModel):
    """An immutable API answer."""

    model_config = ConfigDict(frozen=True)


# The parts of a trace are plain frozen dataclasses: a page holds thousands of them and
# they come straight from the database, so they are built without validation.


@dataclass(frozen=True, slots=True)
class Link:
    """An edge from a node in the direction of the trace, with the quantity that moved."""

    lot: str
    qty: float
    kind: str


@dataclass(frozen=True, slots=True)
class MeasurementSummary:
    characteristic: str
    name: str | None
    unit: str
    n: int
    fails: int
    min: float | None
    max: float | None
    verdict: Literal["pass", "fail"]


@dataclass(frozen=True, slots=True)
class DefectSummary:
    code: str
    qty: float
    count: int


@dataclass(frozen=True, slots=True)
class HoldInfo:
    id: str
    target_type: str
    status: str
    reason: str
    source: str
    placed_by: str | None
    placed_at: datetime | None
    released_at: datetime | None
    ncr: str | None


@dataclass(frozen=True, slots=True)
class ShipmentInfo:
    id: int
    lot: str
    qty: float
    customer: str
    customer_order: str
    delivery_note: str | None
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class TraceNode:
    """One lot or serial of a trace, with what an investigation needs to know about it."""

    lot: str
    kind: Literal["lot", "serial", "unknown"]
    depth: int
    part: str | None = None
    part_description: str | None = None
    qty: float | None = None
    initial_qty: float | None = None
    status: str | None = None
    in_lot: str | None = None  # a serial: the lot it belongs to
    origin: str | None = None  # job | received | split | merge | rework | opening stock
    supplier: str | None = None
    supplier_name: str | None = None
    supplier_lot: str | None = None
    purchase_order: str | None = None
    work_order: str | None = None
    operation: int | None = None
    operation_name: str | None = None
    job_id: str | None = None
    station: str | None = None
    equipment: list[str] = field(default_factory=list)
    operator: str | None = None
    operator_name: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    note: str = ""
    measurements: list[MeasurementSummary] = field(default_factory=list)
    defects: list[DefectSummary] = field(default_factory=list)
    holds: list[HoldInfo] = field(default_factory=list)
    shipments: list[ShipmentInfo] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    links_total: int = 0
    cut: bool = False  # at the depth limit: its links were not followed

    @property
    def on_hold(self) -> bool:
        return self.status == "on_hold" or any(h.status == "open" for h in self.holds)


@dataclass(frozen=True, slots=True)
class CustomerShipment:
    customer: str
    customer_order: str
    lots: int
    qty: float


class TraceResult(FrozenModel):
    """A page of a trace. ``lots`` is ordered by depth, then id; ``total`` counts every node
    (every node found, when the walk stopped at its limit)."""

    root: str
    direction: Direction
    depth_limit: int | None
    total: int
    offset: int
    limit: int
    deepest: int
    cut_links: int  # edges leaving the depth limit that were not followed
    complete: bool = True  # False: the walk stopped at its limit; ``total`` is a lower bound
    customers: list[CustomerShipment]
    lots: list[TraceNode]

    @property
    def truncated(self) -> bool:
        return self.offset + len(self.lots) < self.total
