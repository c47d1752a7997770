"""API request and response models (never the table classes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from server.services.progress import OperationProgress


class EventBatch(BaseModel):
    """A batch of events; each is validated on its own so one bad event rejects only itself."""

    events: list[dict[str, Any]] = Field(max_length=5000)


class EventResultOut(BaseModel):
    id: str
    status: Literal["applied", "duplicate", "rejected"]
    reason: str | None = None
    outcome: dict[str, Any] = {}
    original_status: str | None = None


class EventBatchResult(BaseModel):
    results: list[EventResultOut]
    applied: int
    duplicate: int
    rejected: int


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    plant: str | None
    plant_version: str | None
    events: int  # in the event log, over every chain
    revision: str | None
    pid: int | None = None  # the server process that answered (several run with --workers)


class EdgeOut(BaseModel):
    lot: str
    qty: float
    kind: str


class HoldOut(BaseModel):
    id: str
    target_type: str
    target: str
    reason: str
    source: str
    status: str
    placed_by: str | None
    placed_at: datetime | None
    ncr: str | None


class LotOut(BaseModel):
    id: str
    part: str
    qty: float
    initial_qty: float
    status: str
    supplier: str | None
    supplier_lot: str | None
    job_id: str | None
    station_id: str | None
    created_at: datetime | None
    parents: list[EdgeOut]
    children: list[EdgeOut]
    holds: list[HoldOut]


class WorkOrderIn(BaseModel):
    number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9\-]+$")
    product: str = Field(min_length=1, max_length=60)
    qty: float = Field(gt=0, allow_inf_nan=False)
    due: str | None = None


class WorkOrderOut(BaseModel):
    number: str
    product: str
    qty: float
    status: str
    completed_qty: float
    due: str | None
    #: Per operation: good and scrap so far, in process, waiting, remaining.
    operations: list[OperationProgress] = []


class RejectedEventOut(BaseModel):
    event_id: str
    type: str
    station_id: str
    seq: int | None
    received_at: datetime
    reason: str | None
    payload: dict[str, Any] | list[Any] | Any
