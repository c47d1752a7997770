"""Events a station records: people, jobs, material, measurements, defects, holds, machines."""

from __future__ import annotations

import math
import uuid
from typing import Literal

from pydantic import Field, field_validator

from core.events.base import (
    Code,
    Id40,
    Id60,
    Int32,
    Note,
    Payload,
    PositiveQty,
    Qty,
    Reason,
    Text,
)


class OperatorLoggedIn(Payload):
    badge: Id40


class OperatorLoggedOut(Payload):
    badge: Id40
    reason: Literal["logout", "idle", "shift_end"] = "logout"


class PersonPresent(Payload):
    """Someone badged in at a station for a moment's task without taking it over:
    an inspector doing a check, a supervisor approving a skip or an over-run."""

    badge: Id40
    purpose: Literal["inspection", "approval"]


class JobStarted(Payload):
    job_id: uuid.UUID
    work_order: Id40
    operation: Int32 = Field(description="Routing operation number (e.g. 10, 20)")
    output_lot: Code | None = Field(
        default=None, description="Lot id the job will produce (printed on the traveler)"
    )
    lot: Code | None = Field(
        default=None,
        description="The work-in-process lot this operation works on (None: it starts a new lot)",
    )
    skip: list[Int32] = Field(
        default_factory=list, max_length=50, description="Required operations skipped, approved"
    )
    skip_reason: Note = ""
    approved_by: Id40 | None = Field(default=None, description="Who approved the skip")
    known_rev: Int32 | None = Field(
        default=None,
        description="Feed cursor of the terminal's cache when it allowed the start on ``lot``; a hold "
        "the terminal could not have known of is applied as history and raised as a quality escape",
    )


class JobHandedOver(Payload):
    """The running job passes to the operator now logged in; both are recorded."""

    job_id: uuid.UUID
    from_badge: Id40
    to_badge: Id40


class LotConsumed(Payload):
    job_id: uuid.UUID
    lot: Code
    part: Id60
    qty: PositiveQty
    known_rev: Int32 | None = Field(
        default=None,
        description="Feed cursor of the terminal's cache when it allowed the consumption; a conflict "
        "the terminal could not have known of is applied as history and raised as a quality escape",
    )


class MeasurementRecorded(Payload):
    job_id: uuid.UUID
    characteristic: Id60
    value: float = Field(ge=-1e15, le=1e15)
    unit: Text = Field(default="", max_length=20)
    unit_serial: Code | None = None
    source: Literal["keyboard", "gauge", "plc"] = "keyboard"
    #: The gauge or PLC that took it (its name at the station): a gauge found out of
    #: calibration leads back to every value it gave.
    device: Id60 | None = None
    verdict: Literal["pass", "fail"] | None = None  # the terminal's own verdict, for comparison

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("measurement value must be a finite number")
        return value


class DefectFlagged(Payload):
    job_id: uuid.UUID
    code: Id60
    qty: PositiveQty = 1
    lot: Code | None = None
    note: Note = ""


class JobCompleted(Payload):
    job_id: uuid.UUID
    output_lot: Code
    good_qty: Qty
    scrap_qty: Qty = 0
    overrun_approved_by: Id40 | None = Field(
        default=None, description="The supervisor who confirmed an over-run of the work order"
    )


class JobCancelled(Payload):
    job_id: uuid.UUID
    reason: Text = Field(default="", max_length=200)


HoldSource = Literal[
    "failed_check", "critical_defect", "manual", "spc_signal", "offline_escape", "recall"
]


class HoldPlaced(Payload):
    hold_id: uuid.UUID
    target_type: Literal["lot", "unit", "station", "work_order"]
    target: Code
    reason: Reason
    source: HoldSource = "manual"
    include_downstream: bool = False
    cause_event_id: uuid.UUID | None = None
    ncr: Id40 | None = None


class HoldReleased(Payload):
    hold_id: uuid.UUID
    note: Note = ""


class MachineStateChanged(Payload):
    state: Literal["running", "idle", "down", "setup", "unknown"]
    previous_state: Text | None = Field(default=None, max_length=20)
    reason_code: Int32 | None = None
    duration_s: float | None = Field(default=None, ge=0, le=1e9)


class PartsCounted(Payload):
    job_id: uuid.UUID | None = None
    delta: Int32
    total: int = Field(ge=0, le=2**53)
