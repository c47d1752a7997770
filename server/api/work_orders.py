from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from server.api.deps import AdminDep, CallerDep, SessionDep
from server.models import Operation, Part, WorkOrder
from server.schemas import WorkOrderIn, WorkOrderOut
from server.services.progress import work_order_progress
from server.services.revs import next_rev

router = APIRouter(prefix="/api/v1", tags=["work orders"])


def _out(w: WorkOrder) -> WorkOrderOut:
    return WorkOrderOut(
        number=w.number,
        product=w.product,
        qty=w.qty,
        status=w.status,
        completed_qty=w.completed_qty,
        due=w.due,
    )


@router.post("/work-orders", response_model=WorkOrderOut, status_code=status.HTTP_201_CREATED)
def create_work_order(body: WorkOrderIn, _admin: AdminDep, session: SessionDep) -> WorkOrderOut:
    """Release a work order (from the ERP)."""
    number = body.number.upper()
    if session.get(WorkOrder, number) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"work order {number} already exists")
    if session.get(Part, body.product) is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"product {body.product} is unknown"
        )
    if session.execute(select(Operation).where(Operation.product == body.product)).first() is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"product {body.product} has no routing"
        )
    wo = WorkOrder(
        number=number, product=body.product, qty=body.qty, due=body.due, rev=next_rev(session)
    )
    session.add(wo)
    session.commit()
    return _out(wo)


@router.get("/work-orders/{number}", response_model=WorkOrderOut)
def get_work_order(number: str, _caller: CallerDep, session: SessionDep) -> WorkOrderOut:
    wo = session.get(WorkOrder, number.upper())
    if wo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"work order {number} does not exist")
    return _out(wo).model_copy(update={"operations": work_order_progress(session, wo)})
