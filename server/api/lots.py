from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from server.api.deps import CallerDep, SessionDep
from server.models import GenealogyEdge, Hold, Lot
from server.schemas import EdgeOut, HoldOut, LotOut

router = APIRouter(prefix="/api/v1", tags=["lots"])


def hold_out(h: Hold) -> HoldOut:
    return HoldOut(
        id=h.id,
        target_type=h.target_type,
        target=h.target,
        reason=h.reason,
        source=h.source,
        status=h.status,
        placed_by=h.placed_by,
        placed_at=h.placed_at,
        ncr=h.ncr,
    )


@router.get("/lots/{lot_id}", response_model=LotOut)
def get_lot(lot_id: str, _caller: CallerDep, session: SessionDep) -> LotOut:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"lot {lot_id} does not exist")
    parents = session.execute(
        select(GenealogyEdge).where(GenealogyEdge.child_lot == lot_id)
    ).scalars()
    children = session.execute(
        select(GenealogyEdge).where(GenealogyEdge.parent_lot == lot_id)
    ).scalars()
    holds = session.execute(
        select(Hold)
        .where(Hold.target_type == "lot", Hold.target == lot_id)
        .order_by(Hold.placed_at)
    ).scalars()
    return LotOut(
        id=lot.id,
        part=lot.part,
        qty=lot.qty,
        initial_qty=lot.initial_qty,
        status=lot.status,
        supplier=lot.supplier_id,
        supplier_lot=lot.supplier_lot,
        job_id=lot.job_id,
        station_id=lot.station_id,
        created_at=lot.created_at,
        parents=[EdgeOut(lot=e.parent_lot, qty=e.qty, kind=e.kind) for e in parents],
        children=[EdgeOut(lot=e.child_lot, qty=e.qty, kind=e.kind) for e in children],
        holds=[hold_out(h) for h in holds],
    )
