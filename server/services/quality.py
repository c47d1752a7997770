"""The quality loop on the server: reactions to failures, NCRs, holds, dispositions.

Reactions run inside the transaction of the event that caused them and are
recorded as events of their own (station ``SERVER``), chained in the log right
after their cause. Their ids derive from the cause, so each happens once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from core import events as ev
from core.quality.reactions import (
    DEFAULT_ON_CRITICAL_DEFECT,
    DEFAULT_ON_FAIL,
    plan_reactions,
    reaction_id,
)
from core.quality.signing import signatures_required, signer_problem
from server import models as m
from server.models_quality import Disposition, Ncr, Notification, Signature, SignFailure
from server.services.apply import HANDLERS, Outcome, Rejected, open_holds, register_handlers
from server.services.revs import next_counter, next_rev

SERVER_STATION = "SERVER"


def quality_settings(session: Session) -> dict[str, list[str]]:
    row = session.get(m.PlantMeta, "quality")
    data = json.loads(row.value) if row else {}
    return {
        "on_fail": data.get("on_fail", list(DEFAULT_ON_FAIL)),
        "on_critical_defect": data.get("on_critical_defect", list(DEFAULT_ON_CRITICAL_DEFECT)),
    }


def server_event(
    session: Session,
    payload: ev.Payload,
    event_id: uuid.UUID,
    operator: str | None = None,
    occurred_at: datetime | None = None,
) -> ev.Event:
    return ev.make_event(
        payload,
        station_id=SERVER_STATION,
        seq=next_counter(session, "server_seq"),
        operator_id=operator,
        occurred_at=occurred_at or datetime.now(UTC),
        event_id=event_id,
    )


def emit(
    session: Session,
    payload: ev.Payload,
    event_id: uuid.UUID,
    operator: str | None = None,
    occurred_at: datetime | None = None,
) -> Outcome:
    """Apply a derived event now and queue it for the log after its cause."""
    derived = server_event(session, payload, event_id, operator, occurred_at)
    outcome = HANDLERS[type(payload)](session, derived, payload)
    session.info.setdefault("derived", []).append((derived, outcome))
    return outcome


def new_ncr_id(session: Session, when: datetime) -> str:
    return f"NCR-{when.year}-{next_counter(session, f'ncr-{when.year}'):05d}"


def react(
    session: Session,
    cause: ev.Event,
    kinds: list[str],
    *,
    source: str,
    reason: str,
    title: str,
    lot: str | None,
    unit: str | None,
    critical: bool,
    qty: float = 0,
    defect_codes: list[str] | None = None,
    measurements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Carry out a reaction plan for one failure: NCR, holds, line stop, notification."""
    reactions = plan_reactions(
        cause.id, kinds, reason=reason, station=cause.station_id, lot=lot, unit=unit
    )  # type: ignore[arg-type]
    holds = [r for r in reactions if r.target_type is not None]
    ncr_id: str | None = None
    if holds:
        ncr_id = new_ncr_id(session, cause.occurred_at)
        emit(
            session,
            ev.NcrOpened(
                ncr=ncr_id,
                title=title,
                source=source,
                critical=critical,
                lots=[lot] if lot else [],
                units=[unit] if unit else [],
                cause_event_id=cause.id,
            ),
            reaction_id(cause.id, "ncr"),
            occurred_at=cause.occurred_at,
        )
        ncr = session.get(Ncr, ncr_id)
        assert ncr is not None
        ncr.description = reason
        ncr.qty_affected = qty
        ncr.station_id = cause.station_id
        ncr.defect_codes = defect_codes or []
        ncr.measurements = measurements or []
        ncr.opened_by = cause.operator_id
        session.add(ncr)
    done: list[dict[str, Any]] = []
    for r in reactions:
        if r.target_type is not None:
            assert r.target is not None
            emit(
                session,
                ev.HoldPlaced(
                    hold_id=r.id,
                    target_type=r.target_type,
                    target=r.target,
                    reason=reason,
                    source=source,
                    cause_event_id=cause.id,
                    ncr=ncr_id,
                ),  # type: ignore[arg-type]
                reaction_id(r.id, "event"),
                occurred_at=cause.occurred_at,
            )
            done.append(
                {
                    "kind": r.kind,
                    "hold_id": str(r.id),
                    "target_type": r.target_type,
                    "target": r.target,
                }
            )
        elif r.kind == "line_stop":
            emit(
                session,
                ev.LineStopRequested(reason=reason, cause_event_id=cause.id),
                r.id,
                occurred_at=cause.occurred_at,
            )
            done.append({"kind": "line_stop", "station": cause.station_id})
        elif r.kind == "notify":
            emit(
                session,
                ev.SupervisorNotified(
                    kind=source, message=f"{cause.station_id}: {reason}", cause_event_id=cause.id
                ),
                r.id,
                occurred_at=cause.occurred_at,
            )
            done.append({"kind": "notify"})
    return {"ncr": ncr_id, "reactions": done}


# --- handlers of server-recorded events --------------------------------------------------


def _ncr_opened(session: Session, event: ev.Event, p: ev.NcrOpened) -> Outcome:
    if session.get(Ncr, p.ncr) is not None:
        raise Rejected(f"{p.ncr} already exists")
    ncr = Ncr(
        id=p.ncr,
        title=p.title,
        source=p.source,
        critical=p.critical,
        lots=list(p.lots),
        units=list(p.units),
        cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        opened_by=event.operator_id,
        opened_at=event.occurred_at,
        description=p.title,
    )
    ncr.rev = next_rev(session)
    session.add(ncr)
    session.flush()
    return {"ncr": p.ncr}


def _notified(session: Session, event: ev.Event, p: ev.SupervisorNotified) -> Outcome:
    note = Notification(
        kind=p.kind,
        message=p.message,
        station_id=event.station_id,
        cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        created_at=event.occurred_at,
        rev=next_rev(session),
    )
    session.add(note)
    session.flush()
    return {"notification": note.id}


def _line_stop(session: Session, event: ev.Event, p: ev.LineStopRequested) -> Outcome:
    return {"line_stop": True}


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


def _disposition_signed(session: Session, event: ev.Event, p: ev.DispositionSigned) -> Outcome:
    ncr = session.get(Ncr, p.ncr)
    if ncr is None:
        raise Rejected(f"{p.ncr} does not exist")
    if ncr.status == "closed":
        raise Rejected(f"{p.ncr} is already closed")
    signer = session.get(m.Operator, p.signer)
    disposition = session.get(Disposition, str(p.disposition_id))
    signed_by = []
    if disposition is not None:
        signed_by = [
            s.signer
            for s in session.execute(
                select(Signature).where(Signature.disposition_id == disposition.id)
            ).scalars()
        ]
        if disposition.kind != p.kind or disposition.details != p.details:
            raise Rejected("a signature must approve the disposition as proposed")
    problem = signer_problem(signer.role if signer and signer.active else None, p.signer, signed_by)
    if problem:
        raise Rejected(problem)
    assert signer is not None
    if disposition is None:
        pending = (
            session.execute(
                select(Disposition).where(
                    Disposition.ncr == ncr.id, Disposition.status == "pending"
                )
            )
            .scalars()
            .first()
        )
        if pending is not None:
            raise Rejected(
                f"{ncr.id} already has a disposition awaiting signature ({pending.kind})"
            )
        _check_disposition(session, ncr, p.kind, p.details)
        disposition = Disposition(
            id=str(p.disposition_id),
            ncr=ncr.id,
            kind=p.kind,
            details=dict(p.details),
            signatures_required=signatures_required(p.kind, ncr.critical),
            proposed_at=event.occurred_at,
        )
        session.add(disposition)
        session.flush()
    session.add(
        Signature(
            disposition_id=disposition.id,
            signer=signer.badge,
            signer_name=signer.name,
            role=signer.role,
            meaning=p.meaning,
            signed_at=event.occurred_at,
            event_id=str(event.id),
            record_hash=record_hash(disposition, signer.badge, p.meaning, event.occurred_at),
        )
    )
    count = len(signed_by) + 1
    outcome: Outcome = {
        "ncr": ncr.id,
        "disposition_id": disposition.id,
        "signatures": count,
        "signatures_required": disposition.signatures_required,
    }
    if count >= disposition.signatures_required:
        outcome["executed"] = execute(session, ncr, disposition, event)
        outcome["status"] = "executed"
    else:
        ncr.status = "pending_signature"
        ncr.rev = next_rev(session)
        session.add(ncr)
        outcome["status"] = "awaiting second signature"
    return outcome


def _signature_refused(session: Session, event: ev.Event, p: ev.SignatureRefused) -> Outcome:
    if p.wrong_pin:
        session.add(SignFailure(badge=p.badge, at=event.occurred_at, reason=p.reason))
    return {"refused": p.reason}


register_handlers(
    {
        ev.NcrOpened: _ncr_opened,
        ev.SupervisorNotified: _notified,
        ev.LineStopRequested: _line_stop,
        ev.DispositionSigned: _disposition_signed,
        ev.SignatureRefused: _signature_refused,
    }
)


# --- dispositions -------------------------------------------------------------------------


def ncr_holds(session: Session, ncr_id: str) -> list[m.Hold]:
    return list(
        session.execute(
            select(m.Hold).where(m.Hold.ncr == ncr_id, m.Hold.status == "open")
        ).scalars()
    )


def ncr_lots(session: Session, ncr: Ncr) -> list[m.Lot]:
    ids = list(
        dict.fromkeys(
            list(ncr.lots)
            + [h.target for h in ncr_holds(session, ncr.id) if h.target_type == "lot"]
        )
    )
    return [lot for lot in (session.get(m.Lot, i) for i in ids) if lot is not None]


def _check_disposition(session: Session, ncr: Ncr, kind: str, details: dict[str, Any]) -> None:
    lots = ncr_lots(session, ncr)
    if kind == "return_to_vendor":
        bought = [lot for lot in lots if lot.supplier_id]
        if not bought or len(bought) != len(lots):
            raise Rejected("return to vendor is only for purchased lots with a supplier")
    if kind == "sort":
        if len(lots) != 1:
            raise Rejected("a sort disposition applies to exactly one lot")
        parts = {
            k: float(details.get(k, 0) or 0) for k in ("release_qty", "scrap_qty", "rework_qty")
        }
        if any(v < 0 for v in parts.values()):
            raise Rejected("sort quantities cannot be negative")
        if abs(sum(parts.values()) - lots[0].qty) > 1e-9:
            raise Rejected(
                f"sort quantities add up to {sum(parts.values()):g}, lot {lots[0].id} holds {lots[0].qty:g}"
            )
    if kind in ("rework", "sort") and (
        kind == "rework" or float(details.get("rework_qty", 0) or 0) > 0
    ):
        if not lots:
            raise Rejected("rework needs a lot to rework")
        op = details.get("operation")
        for lot in lots:
            ops = (
                session.execute(select(m.Operation).where(m.Operation.product == lot.part))
                .scalars()
                .all()
            )
            if not ops:
                raise Rejected(f"part {lot.part} has no routing to rework it on")
            if op is not None and int(op) not in {o.seq for o in ops}:
                raise Rejected(f"part {lot.part} has no operation {op}")


def _release(session: Session, hold: m.Hold, by: str, when: datetime) -> None:
    hold.status = "released"
    hold.released_by = by
    hold.released_at = when
    hold.rev = next_rev(session)
    session.add(hold)


def _set_lot(session: Session, lot: m.Lot, status: str, qty: float | None = None) -> None:
    lot.status = status
    if qty is not None:
        lot.qty = qty
    lot.rev = next_rev(session)
    session.add(lot)


def _rework_order(
    session: Session, ncr: Ncr, lot: m.Lot, qty: float, operation: int | None, n: int
) -> str:
    ops = (
        session.execute(
            select(m.Operation).where(m.Operation.product == lot.part).order_by(m.Operation.seq)
        )
        .scalars()
        .all()
    )
    seq = int(operation) if operation is not None else ops[0].seq
    number = f"WO-RW-{ncr.id.removeprefix('NCR-')}-{n}"
    session.add(
        m.WorkOrder(
            number=number,
            product=lot.part,
            qty=qty,
            status="released",
            kind="rework",
            rework_lot=lot.id,
            rework_operation=seq,
            rev=next_rev(session),
        )
    )
    return number


def execute(session: Session, ncr: Ncr, d: Disposition, event: ev.Event) -> dict[str, Any]:
    """Carry out a fully signed disposition; every station sees the new lot and hold states."""
    when, by = event.occurred_at, event.operator_id or "SERVER"
    holds = ncr_holds(session, ncr.id)
    lots = ncr_lots(session, ncr)
    for hold in holds:
        _release(session, hold, by, when)
    result: dict[str, Any] = {"kind": d.kind, "lots": {}, "work_orders": []}
    for n, lot in enumerate(lots, start=1):
        other_holds = [h for h in open_holds(session, "lot", lot.id) if h.ncr != ncr.id]
        if d.kind == "use_as_is":
            _set_lot(
                session,
                lot,
                "on_hold" if other_holds else ("available" if lot.qty > 0 else "consumed"),
            )
        elif d.kind == "scrap":
            result.setdefault("scrapped_qty", 0.0)
            result["scrapped_qty"] += lot.qty
            _set_lot(session, lot, "scrapped", 0.0)
        elif d.kind == "return_to_vendor":
            _set_lot(session, lot, "returned", 0.0)
            result.setdefault("returned", []).append(
                {"lot": lot.id, "supplier": lot.supplier_id, "supplier_lot": lot.supplier_lot}
            )
        elif d.kind == "rework":
            result["work_orders"].append(
                _rework_order(session, ncr, lot, lot.qty, d.details.get("operation"), n)
            )
            _set_lot(session, lot, "rework")
        elif d.kind == "sort":
            release = float(d.details.get("release_qty", 0) or 0)
            scrap = float(d.details.get("scrap_qty", 0) or 0)
            rework = float(d.details.get("rework_qty", 0) or 0)
            if scrap > 0:
                _split_child(session, lot, f"{lot.id}-S", scrap, "scrapped", event)
            if rework > 0:
                child = _split_child(session, lot, f"{lot.id}-R", rework, "rework", event)
                result["work_orders"].append(
                    _rework_order(session, ncr, child, rework, d.details.get("operation"), n)
                )
            _set_lot(
                session,
                lot,
                ("on_hold" if other_holds else "available") if release > 0 else "consumed",
                release,
            )
        result["lots"][lot.id] = lot.status
    for hold in [h for h in holds if h.target_type == "station"]:
        result.setdefault("stations_released", []).append(hold.target)
    d.status = "executed"
    d.executed_at = when
    session.add(d)
    ncr.status = "closed"
    ncr.closed_at = when
    ncr.rev = next_rev(session)
    session.add(ncr)
    return result


def _split_child(
    session: Session, lot: m.Lot, child_id: str, qty: float, status: str, event: ev.Event
) -> m.Lot:
    if session.get(m.Lot, child_id) is not None:
        raise Rejected(f"lot {child_id} already exists")
    child = m.Lot(
        id=child_id,
        part=lot.part,
        qty=qty,
        initial_qty=qty,
        status=status,
        supplier_id=lot.supplier_id,
        supplier_lot=lot.supplier_lot,
        created_at=event.occurred_at,
        rev=next_rev(session),
    )
    session.add(child)
    session.add(
        m.GenealogyEdge(
            parent_lot=lot.id, child_lot=child_id, qty=qty, kind="sort", event_id=str(event.id)
        )
    )
    return child


def downstream_lots(session: Session, lots: list[str]) -> list[str]:
    """Every lot made from ``lots`` (through genealogy), not including them."""
    if not lots:
        return []
    params = {f"l{i}": lot for i, lot in enumerate(lots)}
    seeds = " UNION ".join(f"SELECT CAST(:l{i} AS VARCHAR(80)) AS lot" for i in range(len(lots)))
    rows = session.execute(
        text(
            f"WITH RECURSIVE down(lot) AS ({seeds} UNION SELECT e.child_lot FROM genealogy_edge e "
            f"JOIN down d ON e.parent_lot = d.lot) SELECT lot FROM down"
        ),
        params,
    ).scalars()
    return sorted(set(rows) - set(lots))
