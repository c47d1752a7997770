"""Traceability: trace a lot either way, scope a supplier recall, hold what is in the plant."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from server.api.deps import AdminDep, CallerDep, EngineDep
from server.trace import query as tr
from server.trace import recall as rc

router = APIRouter(prefix="/api/v1", tags=["traceability"])


class RecallHoldIn(BaseModel):
    reason: str = Field(min_length=1, max_length=400)
    operator: str = Field(
        min_length=1, max_length=40, description="badge of the supervisor or QE who orders it"
    )
    supplier: str | None = Field(default=None, max_length=40)


def _problem(exc: tr.TraceError) -> HTTPException:
    if isinstance(exc, tr.UnknownLot | rc.UnknownSupplierLot):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, tr.GenealogyCycle):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get("/trace/{lot:path}", response_model=tr.TraceResult)
async def get_trace(
    lot: str,
    _caller: CallerDep,
    engine: EngineDep,
    direction: Literal["backward", "forward"] = Query(
        "backward", description="backward: what went into the lot; forward: where it went"
    ),
    depth: int | None = Query(
        None, ge=0, le=tr.MAX_DEPTH, description="edges to follow (all when omitted)"
    ),
    limit: int = Query(tr.DEFAULT_LIMIT, ge=1, le=tr.MAX_LIMIT),
    offset: int = Query(0, ge=0),
) -> tr.TraceResult:
    """A lot's (or serial's) genealogy, one page of nodes ordered by depth, each with what an
    investigation needs: part, quantity, status, supplier lot, job, station, operator,
    measurements, defects, holds, shipments and the lots it links to."""
    try:
        return await run_in_threadpool(tr.trace, engine, lot, direction, depth, limit, offset)
    except tr.TraceError as exc:
        raise _problem(exc) from None


@router.get("/recall/{supplier_lot:path}", response_model=rc.RecallScope)
async def get_recall(
    supplier_lot: str,
    _caller: CallerDep,
    engine: EngineDep,
    supplier: str | None = Query(None, description="only lots received from this supplier"),
    state: Literal["in_stock", "in_process", "held", "shipped", "consumed", "scrapped"]
    | None = Query(None, description="only lots in this state on the page"),
    limit: int = Query(rc.DEFAULT_LIMIT, ge=1, le=rc.MAX_LIMIT),
    offset: int = Query(0, ge=0),
) -> rc.RecallScope:
    """Every lot and serial containing a supplier lot: in stock, held or shipped (to whom)."""
    try:
        return await run_in_threadpool(
            lambda: rc.recall_scope(
                engine, supplier_lot, supplier, limit=limit, offset=offset, state=state
            )
        )
    except tr.TraceError as exc:
        raise _problem(exc) from None


@router.post("/recall/{supplier_lot:path}/hold", response_model=rc.RecallHoldResult)
async def hold_recall(
    supplier_lot: str, body: RecallHoldIn, _admin: AdminDep, engine: EngineDep
) -> rc.RecallHoldResult:
    """Hold every lot containing the supplier lot that is still in the plant (as hash-chained
    events)."""
    try:
        return await run_in_threadpool(
            rc.recall_hold, engine, supplier_lot, body.reason, body.operator, body.supplier
        )
    except tr.TraceError as exc:
        raise _problem(exc) from None
