"""MRB dispositions: checking a proposal and carrying out a fully signed one."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core import status as st
from core.outcomes import ExecutedOut
from server import models as m
from server.apply.context import ApplyContext, Rejected
from server.models_quality import Disposition, Ncr
from server.quality import holds, lots
from server.quality.ncrs import ncr_holds, ncr_lots


def record_hash(disposition: Disposition, signer: str, meaning: str, signed_at: datetime) -> str:
    """What a signature is bound to: the disposition's content, the signer, the meaning, the time."""
    content = json.dumps(
        {
            "disposition": disposition.id,
            "ncr": disposition.ncr,
            "kind": disposition.kind,
            "details": disposition.details,
            "signer": signer,
            "meaning": meaning,
            "signed_at": signed_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _qty(details: dict[str, Any], key: str) -> float:
    try:
        return float(details.get(key, 0) or 0)
    except (TypeError, ValueError):
        raise Rejected(f"{key} must be a number, not {details.get(key)!r}") from None


def check_disposition(session: Session, ncr: Ncr, kind: str, details: dict[str, Any]) -> None:
    lots_ = ncr_lots(session, ncr)
    if kind == "return_to_vendor":
        bought = [lot for lot in lots_ if lot.supplier_id]
        if not bought or len(bought) != len(lots_):
            raise Rejected("return to vendor is only for purchased lots with a supplier")
    if kind == "sort":
        if len(lots_) != 1:
            raise Rejected("a sort disposition applies to exactly one lot")
        parts = {k: _qty(details, k) for k in ("release_qty", "scrap_qty", "rework_qty")}
        if any(v < 0 for v in parts.values()):
            raise Rejected("sort quantities cannot be negative")
        if abs(sum(parts.values()) - lots_[0].qty) > 1e-9:
            raise Rejected(
                f"sort quantities add up to {sum(parts.values()):g}, lot {lots_[0].id} holds "
                f"{lots_[0].qty:g}"
            )
    if kind == "rework" or (kind == "sort" and _qty(details, "rework_qty") > 0):
        if not lots_:
            raise Rejected("rework needs a lot to rework")
        op = details.get("operation")
        for lot in lots_:
            seqs = set(
                session.execute(
                    select(m.Operation.seq).where(m.Operation.product == lot.part)
                ).scalars()
            )
            if not seqs:
                raise Rejected(f"part {lot.part} has no routing to rework it on")
            try:
                wanted = None if op is None else int(op)
            except (TypeError, ValueError):
                raise Rejected(f"operation must be a number, not {op!r}") from None
            if wanted is not None and wanted not in seqs:
                raise Rejected(f"part {lot.part} has no operation {op}")


def _rework_order(
    ctx: ApplyContext, ncr: Ncr, lot: m.Lot, qty: float, operation: int | None, n: int
) -> str:
    seqs = sorted(
        ctx.session.execute(
            select(m.Operation.seq).where(m.Operation.product == lot.part)
        ).scalars()
    )
    seq = int(operation) if operation is not None else seqs[0]
    number = f"WO-RW-{ncr.id.removeprefix('NCR-')}-{n}"
    ctx.touch(
        m.WorkOrder(
            number=number,
            product=lot.part,
            qty=qty,
            status="released",
            kind="rework",
            rework_lot=lot.id,
            rework_operation=seq,
        )
    )
    return number


def _free_status(session: Session, lot: m.Lot, other_holds: list[m.Hold]) -> str:
    return "on_hold" if other_holds else lots.status_when_free(session, lot)


def execute(ctx: ApplyContext, ncr: Ncr, d: Disposition) -> ExecutedOut:
    """Carry out a fully signed disposition; every station sees the new lot and hold states."""
    session = ctx.session
    ncr_held = ncr_holds(session, ncr.id)
    lots_ = ncr_lots(session, ncr)
    for hold in ncr_held:
        holds.release(ctx, hold, cause=st.DISPOSITION)
    lot_states: dict[str, str] = {}
    work_orders: list[str] = []
    scrapped: float | None = None
    returned: list[dict[str, str | None]] | None = None
    for n, lot in enumerate(lots_, start=1):
        other = [h for h in holds.open_for(ctx, "lot", lot.id) if h.ncr != ncr.id]
        if d.kind == "use_as_is":
            lots.set_status(ctx, lot, _free_status(session, lot, other), st.DISPOSITION)
        elif d.kind == "scrap":
            scrapped = (scrapped or 0.0) + lot.qty
            lot.qty = 0.0
            lots.set_status(ctx, lot, "scrapped", st.DISPOSITION)
        elif d.kind == "return_to_vendor":
            lot.qty = 0.0
            lots.set_status(ctx, lot, "returned", st.DISPOSITION)
            returned = (returned or []) + [
                {"lot": lot.id, "supplier": lot.supplier_id, "supplier_lot": lot.supplier_lot}
            ]
        elif d.kind == "rework":
            work_orders.append(_rework_order(ctx, ncr, lot, lot.qty, d.details.get("operation"), n))
            lots.set_status(ctx, lot, "rework", st.DISPOSITION)
        elif d.kind == "sort":
            release = _qty(d.details, "release_qty")
            scrap = _qty(d.details, "scrap_qty")
            rework = _qty(d.details, "rework_qty")
            if scrap > 0:
                _split_child(ctx, lot, f"{lot.id}-S", scrap, "scrapped")
            if rework > 0:
                child = _split_child(ctx, lot, f"{lot.id}-R", rework, "rework")
                work_orders.append(
                    _rework_order(ctx, ncr, child, rework, d.details.get("operation"), n)
                )
            lot.qty = release
            lots.set_status(
                ctx, lot, _free_status(session, lot, other) if release > 0 else "consumed",
                st.DISPOSITION,
            )  # fmt: skip
        lot_states[lot.id] = lot.status
    stations = [h.target for h in ncr_held if h.target_type == "station"]
    st.check("disposition", d.status, "executed", st.EXECUTE, d.id[:8])
    d.status = "executed"
    d.executed_at = ctx.occurred_at
    session.add(d)
    st.check("ncr", ncr.status, "closed", st.EXECUTE, ncr.id)
    ncr.status = "closed"
    ncr.closed_at = ctx.occurred_at
    ctx.touch(ncr)
    return ExecutedOut(
        kind=d.kind,
        lots=lot_states,
        work_orders=work_orders,
        scrapped_qty=scrapped,
        returned=returned,
        stations_released=stations or None,
    )


def _split_child(ctx: ApplyContext, lot: m.Lot, child_id: str, qty: float, status: str) -> m.Lot:
    session = ctx.session
    if ctx.batch.get(m.Lot, child_id) is not None:
        raise Rejected(f"lot {child_id} already exists")
    child = m.Lot(
        id=child_id,
        part=lot.part,
        qty=qty,
        initial_qty=qty,
        status=status,
        supplier_id=lot.supplier_id,
        supplier_lot=lot.supplier_lot,
        created_at=ctx.occurred_at,
        work_order=lot.work_order,
        ops_done=list(lot.ops_done or []),
    )
    ctx.touch(child)
    ctx.batch.remember(child, child_id)
    session.add(
        m.GenealogyEdge(
            parent_lot=lot.id, child_lot=child_id, qty=qty, kind="sort", event_id=str(ctx.event.id)
        )
    )
    return child
