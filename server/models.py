"""Database tables (SQLModel). API response models live in ``server/schemas.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


# Plain functions as default factories: pydantic inspects a factory's signature on every
# row built, and reading a builtin's (``list``) signature costs more than the row itself.
def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[str, Any]:
    return {}


class PlantMeta(SQLModel, table=True):
    __tablename__ = "plant_meta"
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Counter(SQLModel, table=True):
    """Named monotonic counters; ``rev`` orders every change the station feed reports."""

    __tablename__ = "counter"
    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class Supplier(SQLModel, table=True):
    __tablename__ = "supplier"
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    rev: int = Field(default=0, index=True)


class Part(SQLModel, table=True):
    __tablename__ = "part"
    id: str = Field(primary_key=True, max_length=60)
    description: str = Field(default="", max_length=200)
    kind: str = Field(default="made", max_length=20)
    unit: str = Field(default="pcs", max_length=20)
    supplier_id: str | None = Field(default=None, foreign_key="supplier.id", max_length=40)
    rev: int = Field(default=0, index=True)


class Operation(SQLModel, table=True):
    __tablename__ = "operation"
    __table_args__ = (UniqueConstraint("product", "seq", name="uq_operation_product_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    product: str = Field(foreign_key="part.id", max_length=60, index=True)
    seq: int
    name: str = Field(max_length=120)
    stations: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    optional: bool = False
    parallel: bool = False  # runs in any order with the parallel operations next to it
    new_lot: bool = False  # the operation makes a new lot (with an edge from the one it took)
    rev: int = Field(default=0, index=True)


class BomLine(SQLModel, table=True):
    __tablename__ = "bom_line"
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operation.id", index=True)
    part: str = Field(foreign_key="part.id", max_length=60)
    qty_per: float
    #: The component may be used once this operation of its own routing is done
    #: (None: only when its routing is finished).
    after_operation: int | None = None


class Characteristic(SQLModel, table=True):
    __tablename__ = "characteristic"
    id: str = Field(primary_key=True, max_length=60)
    operation_id: int = Field(foreign_key="operation.id", index=True)
    name: str = Field(max_length=120)
    nominal: float | None = None
    lsl: float | None = None
    usl: float | None = None
    unit: str = Field(default="", max_length=20)
    critical: bool = False
    kind: str = Field(default="variable", max_length=20)
    subgroup_size: int = 1
    inspection: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reaction: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Station(SQLModel, table=True):
    __tablename__ = "station"
    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    line: str = Field(default="", max_length=60)
    devices: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    token_hash: str | None = Field(default=None, max_length=64, index=True)
    token_issued_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    token_revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    rev: int = Field(default=0, index=True)


class Operator(SQLModel, table=True):
    __tablename__ = "operator"
    badge: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    role: str = Field(max_length=30)
    pin_hash: str | None = Field(default=None, max_length=200)
    active: bool = True
    rev: int = Field(default=0, index=True)


class DefectCode(SQLModel, table=True):
    __tablename__ = "defect_code"
    code: str = Field(primary_key=True, max_length=60)
    description: str = Field(max_length=200)
    severity: str = Field(default="minor", max_length=20)
    reaction: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    rev: int = Field(default=0, index=True)


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    number: str = Field(primary_key=True, max_length=40)
    product: str = Field(foreign_key="part.id", max_length=60, index=True)
    qty: float
    status: str = Field(default="released", max_length=20)
    completed_qty: float = 0
    due: str | None = Field(default=None, max_length=40)
    kind: str = Field(default="production", max_length=20)  # production | rework
    rework_lot: str | None = Field(default=None, max_length=80)
    rework_operation: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    rev: int = Field(default=0, index=True)


class Lot(SQLModel, table=True):
    __tablename__ = "lot"
    id: str = Field(primary_key=True, max_length=80)
    part: str = Field(foreign_key="part.id", max_length=60, index=True)
    qty: float = 0
    initial_qty: float = 0
    status: str = Field(default="available", max_length=20)
    supplier_id: str | None = Field(default=None, foreign_key="supplier.id", max_length=40)
    supplier_lot: str | None = Field(default=None, max_length=80, index=True)
    job_id: str | None = Field(default=None, max_length=36)
    station_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    #: Work in process: the work order whose routing the lot moves through, and the
    #: operations already done on it (skipped ones included).
    work_order: str | None = Field(default=None, max_length=40, index=True)
    ops_done: list[int] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    rev: int = Field(default=0, index=True)


class LotOperation(SQLModel, table=True):
    """One operation done on a lot (or skipped with approval): the lot's routing record."""

    __tablename__ = "lot_operation"
    __table_args__ = (UniqueConstraint("lot", "operation_seq", name="uq_lot_operation"),)
    id: int | None = Field(default=None, primary_key=True)
    lot: str = Field(max_length=80, index=True)
    work_order: str = Field(max_length=40, index=True)
    operation_seq: int
    job_id: str | None = Field(default=None, max_length=36)
    station_id: str | None = Field(default=None, max_length=40)
    operator_id: str | None = Field(default=None, max_length=40)
    qty_in: float = 0
    good_qty: float = 0
    scrap_qty: float = 0
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    skipped: bool = False
    reason: str | None = Field(default=None, max_length=500)
    approved_by: str | None = Field(default=None, max_length=40)
    event_id: str = Field(max_length=36)


class StationPresence(SQLModel, table=True):
    """Who is at a station now, as its events tell: the logged-in operator, and an inspector
    or supervisor who badged in for a check or an approval."""

    __tablename__ = "station_presence"
    station_id: str = Field(primary_key=True, max_length=40)
    badge: str = Field(primary_key=True, max_length=40)
    purpose: str = Field(default="login", max_length=20)
    since: datetime = Field(sa_type=DateTime(timezone=True))


class GenealogyEdge(SQLModel, table=True):
    """Material flow: ``qty`` of ``parent_lot`` went into ``child_lot``."""

    __tablename__ = "genealogy_edge"
    __table_args__ = (
        Index("ix_edge_parent_child", "parent_lot", "child_lot"),
        Index("ix_edge_child_parent", "child_lot", "parent_lot"),
    )
    id: int | None = Field(default=None, primary_key=True)
    parent_lot: str = Field(max_length=80)
    child_lot: str = Field(max_length=80)
    qty: float = 0
    kind: str = Field(default="consume", max_length=20)
    event_id: str | None = Field(default=None, max_length=36)


class Job(SQLModel, table=True):
    __tablename__ = "job"
    id: str = Field(primary_key=True, max_length=36)
    work_order: str = Field(foreign_key="work_order.number", max_length=40, index=True)
    operation_seq: int
    station_id: str = Field(foreign_key="station.id", max_length=40, index=True)
    operator_id: str | None = Field(default=None, max_length=40)
    status: str = Field(default="running", max_length=20)
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    output_lot: str | None = Field(default=None, max_length=80, index=True)
    #: The work-in-process lot this operation works on (None: the job starts a new lot).
    input_lot: str | None = Field(default=None, max_length=80, index=True)
    good_qty: float | None = None
    scrap_qty: float | None = None


class Consumption(SQLModel, table=True):
    __tablename__ = "consumption"
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="job.id", max_length=36, index=True)
    lot: str = Field(foreign_key="lot.id", max_length=80, index=True)
    part: str = Field(max_length=60)
    qty: float
    event_id: str = Field(max_length=36)


class Measurement(SQLModel, table=True):
    __tablename__ = "measurement"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    job_id: str = Field(foreign_key="job.id", max_length=36, index=True)
    characteristic: str = Field(foreign_key="characteristic.id", max_length=60, index=True)
    value: float
    unit: str = Field(default="", max_length=20)
    verdict: str = Field(max_length=10)
    lsl: float | None = None
    usl: float | None = None
    station_id: str = Field(max_length=40)
    operator_id: str | None = Field(default=None, max_length=40)
    unit_serial: str | None = Field(default=None, max_length=80)
    source: str = Field(default="keyboard", max_length=20)
    device: str | None = Field(default=None, max_length=60, index=True)
    occurred_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class Defect(SQLModel, table=True):
    __tablename__ = "defect"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    job_id: str = Field(foreign_key="job.id", max_length=36, index=True)
    code: str = Field(foreign_key="defect_code.code", max_length=60)
    qty: float = 1
    lot: str | None = Field(default=None, max_length=80)
    note: str = Field(default="", max_length=500)
    station_id: str = Field(max_length=40)
    operator_id: str | None = Field(default=None, max_length=40)
    occurred_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class Hold(SQLModel, table=True):
    __tablename__ = "hold"
    __table_args__ = (Index("ix_hold_target", "target_type", "target", "status"),)
    id: str = Field(primary_key=True, max_length=36)
    target_type: str = Field(max_length=20)
    target: str = Field(max_length=80)
    reason: str = Field(max_length=500)
    source: str = Field(default="manual", max_length=30)
    status: str = Field(default="open", max_length=20)
    placed_by: str | None = Field(default=None, max_length=40)
    placed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    released_by: str | None = Field(default=None, max_length=40)
    released_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    ncr: str | None = Field(default=None, max_length=40)
    event_id: str | None = Field(default=None, max_length=36)
    cause_event_id: str | None = Field(default=None, max_length=36)
    rev: int = Field(default=0, index=True)


class EventLog(SQLModel, table=True):
    """Every event a terminal sent, applied or rejected: the hash-chained audit trail."""

    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_station_seq", "station_id", "seq"),
        Index("ix_event_log_chain_id", "chain", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(default="plant", max_length=40)
    event_id: str = Field(max_length=36, unique=True)
    type: str = Field(max_length=60)
    station_id: str = Field(max_length=80)
    operator_id: str | None = Field(default=None, max_length=80)
    occurred_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    seq: int | None = None
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), index=True
    )
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class LedgerHead(SQLModel, table=True):
    """The tip of one hash chain of the event log; locking it serialises that chain's appends."""

    __tablename__ = "ledger_head"
    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(default="plant", max_length=40, unique=True)
    last_id: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
    count: int = 0


class LedgerCheckpoint(SQLModel, table=True):
    """Every chain's tip at one moment, chained to the checkpoint before."""

    __tablename__ = "ledger_checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    heads: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, index=True)


class LedgerVerified(SQLModel, table=True):
    """How far each chain was verified by the last incremental check."""

    __tablename__ = "ledger_verified"
    chain: str = Field(primary_key=True, max_length=40)
    last_id: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
    count: int = 0
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


# Tables of further capabilities register with the same metadata.
import server.models_genealogy  # noqa: E402,F401
import server.models_quality  # noqa: E402,F401
import server.models_spc  # noqa: E402,F401
