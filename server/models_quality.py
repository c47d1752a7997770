"""Tables of the quality loop: NCRs, dispositions, e-signatures, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from server.models import empty_dict, empty_list, utcnow


class Ncr(SQLModel, table=True):
    """A nonconformance report: what was found, what it affects, how it was disposed."""

    __tablename__ = "ncr"
    id: str = Field(primary_key=True, max_length=40)
    status: str = Field(default="open", max_length=20)  # open | pending_signature | closed
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=30)
    critical: bool = False
    qty_affected: float = 0
    lots: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    units: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    defect_codes: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    measurements: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    station_id: str | None = Field(default=None, max_length=40)
    cause_event_id: str | None = Field(default=None, max_length=36, index=True)
    opened_by: str | None = Field(default=None, max_length=40)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    rev: int = Field(default=0, index=True)


class Disposition(SQLModel, table=True):
    __tablename__ = "disposition"
    id: str = Field(primary_key=True, max_length=36)
    ncr: str = Field(foreign_key="ncr.id", max_length=40, index=True)
    kind: str = Field(max_length=30)
    status: str = Field(default="pending", max_length=20)  # pending | executed
    details: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    signatures_required: int = 1
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    executed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Signature(SQLModel, table=True):
    """An electronic signature: who, when, what it means; bound to the log row that records it."""

    __tablename__ = "signature"
    id: int | None = Field(default=None, primary_key=True)
    disposition_id: str = Field(foreign_key="disposition.id", max_length=36, index=True)
    signer: str = Field(max_length=40)
    signer_name: str = Field(max_length=120)
    role: str = Field(max_length=30)
    meaning: str = Field(max_length=200)
    signed_at: datetime = Field(sa_type=DateTime(timezone=True))
    event_id: str = Field(max_length=36)
    record_hash: str = Field(max_length=64)


class SignFailure(SQLModel, table=True):
    __tablename__ = "sign_failure"
    id: int | None = Field(default=None, primary_key=True)
    badge: str = Field(max_length=40, index=True)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    reason: str = Field(max_length=200)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    message: str = Field(sa_column=Column(Text, nullable=False))
    station_id: str | None = Field(default=None, max_length=40)
    cause_event_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    acknowledged_by: str | None = Field(default=None, max_length=40)
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    note: str | None = Field(default=None, max_length=500)
    rev: int = Field(default=0, index=True)
