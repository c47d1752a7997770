"""What the server answers for each event: typed, the same schema on both sides.

The server's handlers return an ``Outcome``; it is stored (as JSON, hash
chained) with the event and sent back to the station, which parses it with
``Outcome.model_validate``. Every field is optional: an event fills the part
that concerns it (a measurement its verdict and SPC point, a completion its
output lot, a failure the NCR and the reactions it set off).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)

    def stored(self) -> str:
        """The outcome as it is kept in the event log (JSON text)."""
        return self.model_dump_json(exclude_unset=True)


class ReactionOut(_Out):
    """One reaction a failure set off: a hold (with its id and target), a line stop, a notice."""

    kind: str
    hold_id: str | None = None
    target_type: str | None = None
    target: str | None = None
    station: str | None = None


class SpcPartOut(_Out):
    part: str
    value: float | None = None
    center: float | None = None
    lcl: float | None = None
    ucl: float | None = None
    sigma: float | None = None
    z: float | None = None


class SpcViolationOut(_Out):
    rule: str
    part: str = ""
    index: int | None = None
    points: list[int] = []
    message: str = ""


class SpcPointOut(_Out):
    index: int
    in_control: bool
    work_order: str | None = None
    values: list[float] = []
    parts: list[SpcPartOut] = []
    violations: list[SpcViolationOut] = []


class SpcSignalOut(_Out):
    """A signal a point opened (``continues`` is None) or a later point that joined one."""

    id: str | None = None
    continues: str | None = None
    rules: list[str] = []
    message: str | None = None
    suspect_from: int | None = None
    lots: list[str] = []
    downstream: list[str] = []
    units: list[str] = []
    ncr: str | None = None


class SpcOut(_Out):
    """Where a measurement went on its chart: off (why), collecting a subgroup, or plotted."""

    status: Literal["off", "collecting", "plotted", "error"]
    reason: str | None = None
    chart: str | None = None
    limits_version: int | None = None
    station: str | None = None
    work_order: str | None = None
    pending: int | None = None
    subgroup_size: int | None = None
    point: SpcPointOut | None = None
    signal: SpcSignalOut | None = None
    open_signal: str | None = None


class ExecutedOut(_Out):
    """What a fully signed disposition did."""

    kind: str
    lots: dict[str, str] = {}
    work_orders: list[str] = []
    scrapped_qty: float | None = None
    returned: list[dict[str, str | None]] | None = None
    stations_released: list[str] | None = None


class OperationProgressOut(_Out):
    """Where a lot stands in its routing after the event."""

    done: list[int] = []
    next: list[int] = []
    finished: bool = False


class Outcome(_Out):
    # jobs
    job_id: str | None = None
    operation: int | None = None
    operation_name: str | None = None
    output_lot: str | None = None
    input_lot: str | None = None
    parents: list[str] | None = None
    good_qty: float | None = None
    scrap_qty: float | None = None
    routing: OperationProgressOut | None = None
    skipped: list[int] | None = None
    handed_over_from: str | None = None
    # lots
    lot: str | None = None
    remaining: float | None = None
    lot_status: str | None = None
    escape: str | None = None
    new_lots: list[str] | None = None
    sources: list[str] | None = None
    new_lot: str | None = None
    qty: float | None = None
    components: list[str] | None = None
    serials: int | None = None
    shipment: int | None = None
    customer: str | None = None
    customer_order: str | None = None
    part: str | None = None
    supplier_lot: str | None = None
    # measurements and defects
    verdict: Literal["pass", "fail"] | None = None
    characteristic: str | None = None
    value: float | None = None
    lsl: float | None = None
    usl: float | None = None
    unit: str | None = None
    spc: SpcOut | None = None
    code: str | None = None
    severity: str | None = None
    # reactions: the NCR a failure opened and what it set off
    ncr: str | None = None
    reactions: list[ReactionOut] | None = None
    # people
    operator: str | None = None
    role: str | None = None
    # holds
    hold_id: str | None = None
    target: str | None = None
    held: list[str] | None = None
    # machines
    state: str | None = None
    total: int | None = None
    # server facts
    notification: int | None = None
    line_stop: bool | None = None
    disposition_id: str | None = None
    signatures: int | None = None
    signatures_required: int | None = None
    status: str | None = None
    executed: ExecutedOut | None = None
    refused: str | None = None
    signal: str | None = None
    rules: list[str] | None = None
    continues: str | None = None
    version: int | None = None
    chart: str | None = None
    center: float | None = None
    sigma: float | None = None
    subgroup_size: int | None = None
    acknowledged_by: str | None = None
    imported: dict[str, int] | None = None

    def holds_placed(self) -> list[ReactionOut]:
        """The holds this event's reactions placed."""
        return [r for r in self.reactions or [] if r.hold_id is not None]

    def merged(self, other: Outcome) -> Outcome:
        """This outcome with ``other``'s fields laid over it."""
        return self.model_copy(update={k: getattr(other, k) for k in other.model_fields_set})


def parse_outcome(data: dict[str, Any] | None) -> Outcome:
    """A stored or received outcome; unknown fields (a newer server) are dropped."""
    if not data:
        return Outcome()
    known = {k: v for k, v in data.items() if k in Outcome.model_fields}
    return Outcome.model_validate(known)
