"""Tables of statistical process control: frozen limits, chart streams, plotted points, signals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models import empty_dict, empty_list, utcnow


class SpcLimits(SQLModel, table=True):
    """One frozen version of a characteristic's control limits and the rules monitored with them."""

    __tablename__ = "spc_limits"
    __table_args__ = (
        UniqueConstraint("characteristic", "version", name="uq_spc_limits_characteristic_version"),
        Index("ix_spc_limits_characteristic_active", "characteristic", "active"),
    )
    id: int | None = Field(default=None, primary_key=True)
    characteristic: str = Field(foreign_key="characteristic.id", max_length=60)
    version: int
    chart: str = Field(max_length=10)
    limits: dict[str, Any] = Field(
        sa_column=Column(JSON, nullable=False)
    )  # ControlLimits.to_dict()
    rules: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))  # RuleSpec fields
    frozen_by: str = Field(max_length=40)
    frozen_at: datetime = Field(sa_type=DateTime(timezone=True))
    reason: str = Field(max_length=500)
    active: bool = True
    event_id: str = Field(max_length=36)
    rev: int = Field(default=0, index=True)


class SpcStream(SQLModel, table=True):
    """The live chart of one characteristic at one station, and what waits for a subgroup.

    Rule state is not stored: it is rebuilt from the last few plotted points
    (at most the longest rule window) once per batch, so a point costs the same
    at any history and no server process keeps state of its own.
    """

    __tablename__ = "spc_stream"
    characteristic: str = Field(primary_key=True, foreign_key="characteristic.id", max_length=60)
    station_id: str = Field(primary_key=True, max_length=40)
    limits_version: int
    version_from: int = 0  # first point charted against limits_version
    next_index: int = 0
    prev_value: float | None = None  # I-MR: the last value, for the next moving range
    # work order -> [[measurement event id, value, job id], ...] of the open subgroup
    pending: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    last_in_control: int | None = None
    open_signal_id: str | None = Field(default=None, max_length=36)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SpcPoint(SQLModel, table=True):
    """One plotted point (a subgroup or an individual value) of a station's chart."""

    __tablename__ = "spc_point"
    __table_args__ = (
        UniqueConstraint("characteristic", "station_id", "idx", name="uq_spc_point_stream_idx"),
        Index("ix_spc_point_characteristic_at", "characteristic", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    characteristic: str = Field(max_length=60)
    station_id: str = Field(max_length=40)
    idx: int
    work_order: str = Field(max_length=40)
    limits_version: int
    values: list[float] = Field(sa_column=Column(JSON, nullable=False))
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))  # measurement event ids
    jobs: list[str] = Field(sa_column=Column(JSON, nullable=False))
    parts: list[dict[str, Any]] = Field(
        sa_column=Column(JSON, nullable=False)
    )  # value, centre, limits, z
    violations: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    in_control: bool = True
    signal_id: str | None = Field(default=None, max_length=36)
    at: datetime = Field(sa_type=DateTime(timezone=True))


class SpcSignalRow(SQLModel, table=True):
    """A rule violation on a chart, its containment and its acknowledgement."""

    __tablename__ = "spc_signal"
    __table_args__ = (Index("ix_spc_signal_station_rev", "station_id", "rev"),)
    id: str = Field(primary_key=True, max_length=36)
    characteristic: str = Field(foreign_key="characteristic.id", max_length=60, index=True)
    station_id: str = Field(max_length=40)
    work_order: str | None = Field(default=None, max_length=40)
    point: int
    rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    violations: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    limits_version: int
    suspect_from: int
    lots: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    downstream: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    units: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    later_points: list[int] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    ncr: str | None = Field(default=None, max_length=40)
    continues: str | None = Field(default=None, max_length=36, index=True)
    cause_event_id: str | None = Field(default=None, max_length=36)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    acknowledged_by: str | None = Field(default=None, max_length=40)
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rev: int = Field(default=0, index=True)
