"""Holds, NCRs, dispositions and notifications (for the supervisor console, QE tools and ERP)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from core.events.base import JsonObject, Text
from server.api.deps import AdminDep, CallerDep, EngineDep, SessionDep
from server.api.lots import hold_out
from server.apply.pipeline import EventResult
from server.models import Hold
from server.models_quality import Disposition, Ncr, Notification, Signature
from server.quality import actions as qe
from server.schemas import EventResultOut, HoldOut

router = APIRouter(prefix="/api/v1", tags=["quality"])


class HoldIn(BaseModel):
    target_type: Literal["lot", "unit", "station", "work_order"]
    target: Text = Field(min_length=1, max_length=80)
    reason: Text = Field(min_length=1, max_length=500)
    badge: Text = Field(min_length=1, max_length=40, description="who places the hold")
    include_downstream: bool = False


class ReleaseIn(BaseModel):
    badge: Text = Field(min_length=1, max_length=40)
    note: Text = Field(default="", max_length=500)


class NcrIn(BaseModel):
    title: Text = Field(min_length=1, max_length=300)
    badge: Text = Field(min_length=1, max_length=40)
    lots: list[Text] = Field(default=[], max_length=1000)
    hold: bool = True


class SignIn(BaseModel):
    kind: Literal["use_as_is", "rework", "scrap", "return_to_vendor", "sort"] | None = None
    details: JsonObject = {}
    badge: Text = Field(min_length=1, max_length=40)
    pin: Text = Field(min_length=1, max_length=20)
    meaning: Text | None = Field(default=None, max_length=200)


class SignatureOut(BaseModel):
    signer: str
    signer_name: str
    role: str
    meaning: str
    signed_at: datetime
    record_hash: str


class DispositionOut(BaseModel):
    id: str
    kind: str
    status: str
    details: dict[str, Any]
    signatures_required: int
    signatures: list[SignatureOut]


class NcrOut(BaseModel):
    id: str
    status: str
    title: str
    description: str
    source: str
    critical: bool
    qty_affected: float
    lots: list[str]
    units: list[str]
    defect_codes: list[str]
    measurements: list[dict[str, Any]]
    station_id: str | None
    opened_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    holds: list[HoldOut]
    dispositions: list[DispositionOut]


class NotificationOut(BaseModel):
    id: int
    kind: str
    message: str
    station_id: str | None
    created_at: datetime
    acknowledged_by: str | None


def _result(r: EventResult) -> EventResultOut:
    if r.status == "rejected":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, r.reason or "refused")
    return EventResultOut(
        id=r.id,
        status=r.status,
        reason=r.reason,
        outcome=r.outcome,
        original_status=r.original_status,
    )


@router.get("/holds", response_model=list[HoldOut])
def list_holds(
    _caller: CallerDep,
    session: SessionDep,
    state: Literal["open", "released", "all"] = "open",
    limit: int = Query(500, le=5000),
) -> list[HoldOut]:
    stmt = select(Hold)
    if state != "all":
        stmt = stmt.where(Hold.status == state)
    return [
        hold_out(h)
        for h in session.execute(stmt.order_by(Hold.placed_at.desc()).limit(limit)).scalars()
    ]


@router.post("/holds", response_model=EventResultOut, status_code=status.HTTP_201_CREATED)
def place_hold(body: HoldIn, _admin: AdminDep, engine: EngineDep) -> EventResultOut:
    return _result(
        qe.place_hold(
            engine,
            target_type=body.target_type,
            target=body.target,
            reason=body.reason,
            badge=body.badge,
            include_downstream=body.include_downstream,
        )
    )


@router.post("/holds/{hold_id}/release", response_model=EventResultOut)
def release_hold(
    hold_id: str, body: ReleaseIn, _admin: AdminDep, engine: EngineDep
) -> EventResultOut:
    return _result(qe.release_hold(engine, hold_id, badge=body.badge, note=body.note))


def ncr_out(session: Any, ncr: Ncr) -> NcrOut:
    holds = session.execute(
        select(Hold).where(Hold.ncr == ncr.id).order_by(Hold.placed_at)
    ).scalars()
    dispositions = []
    for d in session.execute(
        select(Disposition).where(Disposition.ncr == ncr.id).order_by(Disposition.proposed_at)
    ).scalars():
        sigs = session.execute(
            select(Signature).where(Signature.disposition_id == d.id).order_by(Signature.id)
        ).scalars()
        dispositions.append(
            DispositionOut(
                id=d.id,
                kind=d.kind,
                status=d.status,
                details=d.details,
                signatures_required=d.signatures_required,
                signatures=[
                    SignatureOut(
                        signer=s.signer,
                        signer_name=s.signer_name,
                        role=s.role,
                        meaning=s.meaning,
                        signed_at=s.signed_at,
                        record_hash=s.record_hash,
                    )
                    for s in sigs
                ],
            )
        )
    return NcrOut(
        id=ncr.id,
        status=ncr.status,
        title=ncr.title,
        description=ncr.description,
        source=ncr.source,
        critical=ncr.critical,
        qty_affected=ncr.qty_affected,
        lots=ncr.lots,
        units=ncr.units,
        defect_codes=ncr.defect_codes,
        measurements=ncr.measurements,
        station_id=ncr.station_id,
        opened_by=ncr.opened_by,
        opened_at=ncr.opened_at,
        closed_at=ncr.closed_at,
        holds=[hold_out(h) for h in holds],
        dispositions=dispositions,
    )


@router.get("/ncrs", response_model=list[NcrOut])
def list_ncrs(
    _caller: CallerDep,
    session: SessionDep,
    state: Literal["open", "closed", "all"] = "open",
    limit: int = Query(200, le=2000),
) -> list[NcrOut]:
    stmt = select(Ncr)
    if state == "open":
        stmt = stmt.where(Ncr.status != "closed")
    elif state == "closed":
        stmt = stmt.where(Ncr.status == "closed")
    return [
        ncr_out(session, n)
        for n in session.execute(stmt.order_by(Ncr.opened_at.desc()).limit(limit)).scalars()
    ]


@router.get("/ncrs/{ncr_id}", response_model=NcrOut)
def get_ncr(ncr_id: str, _caller: CallerDep, session: SessionDep) -> NcrOut:
    ncr = session.get(Ncr, ncr_id)
    if ncr is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{ncr_id} does not exist")
    return ncr_out(session, ncr)


@router.post("/ncrs", response_model=NcrOut, status_code=status.HTTP_201_CREATED)
def open_ncr(body: NcrIn, _admin: AdminDep, engine: EngineDep, session: SessionDep) -> NcrOut:
    ncr_id, results = qe.open_ncr(
        engine, title=body.title, badge=body.badge, lots=body.lots, hold=body.hold
    )
    if ncr_id is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, results[0].reason or "refused")
    ncr = session.get(Ncr, ncr_id)
    assert ncr is not None
    return ncr_out(session, ncr)


@router.post("/ncrs/{ncr_id}/disposition", response_model=EventResultOut)
def sign_disposition(
    ncr_id: str, body: SignIn, _admin: AdminDep, engine: EngineDep, session: SessionDep
) -> EventResultOut:
    """Propose a disposition (first signature) or countersign the pending one.

    The signer re-enters their PIN; wrong role or PIN is refused and recorded,
    and three wrong PINs lock signing for that badge for a while."""
    pending = (
        session.execute(
            select(Disposition).where(Disposition.ncr == ncr_id, Disposition.status == "pending")
        )
        .scalars()
        .first()
    )
    kind = body.kind or (pending.kind if pending else None)
    if kind is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "kind is required to propose a disposition"
        )
    session.close()  # the signature runs in its own transactions
    return _result(
        qe.sign_disposition(
            engine,
            ncr_id,
            kind=kind,
            badge=body.badge,
            pin=body.pin,
            details=body.details,
            meaning=body.meaning,
        )
    )


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(
    _admin: AdminDep,
    session: SessionDep,
    unacknowledged: bool = True,
    limit: int = Query(200, le=2000),
) -> list[NotificationOut]:
    stmt = select(Notification)
    if unacknowledged:
        stmt = stmt.where(Notification.acknowledged_at.is_(None))
    rows = session.execute(stmt.order_by(Notification.id.desc()).limit(limit)).scalars()
    return [
        NotificationOut(
            id=n.id or 0,
            kind=n.kind,
            message=n.message,
            station_id=n.station_id,
            created_at=n.created_at,
            acknowledged_by=n.acknowledged_by,
        )
        for n in rows
    ]
