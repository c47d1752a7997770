"""Tables of material flow beyond a job: lot origins, serial units, shipments.

Genealogy edges themselves live in ``genealogy_edge`` (``server/models.py``);
the tables here carry the facts a trace shows on its nodes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from server.models import Defect, Measurement, utcnow


class LotOrigin(SQLModel, table=True):
    """How a lot that no job produced came to be: received, split, merged or reworked."""

    __tablename__ = "lot_origin"
    lot: str = Field(primary_key=True, foreign_key="lot.id", max_length=80)
    kind: str = Field(max_length=20)  # received | split | merge | rework
    event_id: str = Field(max_length=36)
    station_id: str | None = Field(default=None, max_length=40)
    operator_id: str | None = Field(default=None, max_length=40)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    purchase_order: str | None = Field(default=None, max_length=80)
    note: str = Field(default="", max_length=500)


class Shipment(SQLModel, table=True):
    """A quantity of a lot that left the plant for a customer order."""

    __tablename__ = "shipment"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, index=True)
    lot: str = Field(foreign_key="lot.id", max_length=80, index=True)
    qty: float
    customer: str = Field(max_length=80, index=True)
    customer_order: str = Field(max_length=80, index=True)
    delivery_note: str | None = Field(default=None, max_length=80)
    station_id: str | None = Field(default=None, max_length=40)
    operator_id: str | None = Field(default=None, max_length=40)
    shipped_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    rev: int = Field(default=0, index=True)


class SerialUnit(SQLModel, table=True):
    """One serialised unit inside a lot; an edge ``lot -> serial`` (kind "serial") links it."""

    __tablename__ = "serial_unit"
    serial: str = Field(primary_key=True, max_length=80)
    lot: str = Field(foreign_key="lot.id", max_length=80, index=True)
    part: str = Field(foreign_key="part.id", max_length=60)
    status: str = Field(default="in_stock", max_length=20)  # in_stock | shipped
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id", index=True)
    event_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    rev: int = Field(default=0, index=True)


# A trace looks up defects recorded against a lot and measurements of a serial.
Index("ix_defect_lot", Defect.__table__.c.lot)  # type: ignore[attr-defined]
Index("ix_measurement_unit_serial", Measurement.__table__.c.unit_serial)  # type: ignore[attr-defined]
