"""Applying one floor event to the plant's state.

``apply_event`` checks that an event makes sense against what the server knows
and changes the state accordingly, or raises ``Rejected`` with a reason a
person can read. It runs inside the caller's transaction.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from core import events as ev
from core.verdict import Spec, verdict
from server import models as m
from server.services.revs import next_rev

Outcome = dict[str, Any]

_FUTURE_SLACK = timedelta(minutes=10)  # terminal clocks drift; more than this is a wrong clock


class Rejected(Exception):
    """The event cannot be applied; ``reason`` is shown to people as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_holds(session: Session, target_type: str, target: str) -> list[m.Hold]:
    return list(
        session.execute(
            select(m.Hold).where(
                m.Hold.target_type == target_type, m.Hold.target == target, m.Hold.status == "open"
            )
        ).scalars()
    )


def _hold_reason(holds: list[m.Hold]) -> str:
    return "; ".join(h.reason for h in holds) or "on hold"


def _running_job(session: Session, job_id: uuid.UUID, station_id: str) -> m.Job:
    job = session.get(m.Job, str(job_id))
    if job is None:
        raise Rejected(f"job {job_id} was never started")
    return _check_running(job, station_id)


def _check_running(job: m.Job, station_id: str) -> m.Job:
    job_id = job.id
    if job.station_id != station_id:
        raise Rejected(f"job {job_id} runs at station {job.station_id}, not {station_id}")
    if job.status != "running":
        raise Rejected(f"job {job_id} is {job.status}")
    return job


def _operation(session: Session, product: str, seq: int) -> m.Operation:
    op = session.execute(
        select(m.Operation).where(m.Operation.product == product, m.Operation.seq == seq)
    ).scalar_one_or_none()
    if op is None:
        raise Rejected(f"product {product} has no operation {seq}")
    return op


def _touch(session: Session, row: Any) -> None:
    row.rev = next_rev(session)
    session.add(row)


def _job_started(session: Session, event: ev.Event, p: ev.JobStarted) -> Outcome:
    if session.get(m.Job, str(p.job_id)) is not None:
        raise Rejected(f"job {p.job_id} was already started")
    wo = session.get(m.WorkOrder, p.work_order)
    if wo is None:
        raise Rejected(f"work order {p.work_order} does not exist")
    if wo.status == "closed":
        raise Rejected(f"work order {wo.number} is closed")
    holds = open_holds(session, "work_order", wo.number)
    if wo.status == "on_hold" or holds:
        raise Rejected(f"work order {wo.number} is on hold: {_hold_reason(holds)}")
    station_holds = open_holds(session, "station", event.station_id)
    if station_holds:
        raise Rejected(f"station {event.station_id} is on hold: {_hold_reason(station_holds)}")
    op = _operation(session, wo.product, p.operation)
    if event.station_id not in op.stations:
        raise Rejected(
            f"work order {wo.number} operation {op.seq} ({op.name}) is routed to "
            f"{', '.join(op.stations)}, not {event.station_id}"
        )
    planned = p.output_lot or planned_lot_id(event.station_id, p.job_id)
    if p.output_lot and session.get(m.Lot, p.output_lot) is not None:
        raise Rejected(f"output lot {p.output_lot} already exists")
    session.add(
        m.Job(
            id=str(p.job_id),
            work_order=wo.number,
            operation_seq=op.seq,
            station_id=event.station_id,
            operator_id=event.operator_id,
            started_at=event.occurred_at,
            output_lot=planned,
        )
    )
    session.flush()
    if wo.kind == "rework" and wo.rework_lot:
        # A rework job takes the whole reworked lot; its history carries on in the output lot.
        lot = session.get(m.Lot, wo.rework_lot)
        if lot is None or lot.status != "rework":
            raise Rejected(f"rework lot {wo.rework_lot} is not waiting for rework")
        session.add(m.Consumption(job_id=str(p.job_id), lot=lot.id, part=lot.part, qty=lot.qty, event_id=str(event.id)))
        lot.qty = 0.0
        lot.status = "consumed"
        _touch(session, lot)
    if wo.status == "released":
        wo.status = "in_progress"
        _touch(session, wo)
    return {"job_id": str(p.job_id), "operation": op.seq, "operation_name": op.name, "output_lot": planned}


def planned_lot_id(station_id: str, job_id: uuid.UUID) -> str:
    """The output lot of a job whose terminal did not name one at start."""
    return f"LOT-{station_id}-{job_id.hex[:8].upper()}"


def _lot_consumed(session: Session, event: ev.Event, p: ev.LotConsumed) -> Outcome:
    job = _running_job(session, p.job_id, event.station_id)
    lot = session.get(m.Lot, p.lot)
    if lot is None:
        raise Rejected(f"lot {p.lot} does not exist")
    wo = session.get(m.WorkOrder, job.work_order)
    assert wo is not None
    op = _operation(session, wo.product, job.operation_seq)
    bom_parts = [
        line.part
        for line in session.execute(select(m.BomLine).where(m.BomLine.operation_id == op.id)).scalars()
    ]
    if lot.part not in bom_parts:
        expected = ", ".join(bom_parts) or "nothing (this operation has no BOM)"
        raise Rejected(f"lot {lot.id} is part {lot.part}; operation {op.seq} consumes {expected}")
    if p.part != lot.part:
        raise Rejected(f"event says lot {lot.id} is part {p.part}, the server knows it as {lot.part}")
    holds = open_holds(session, "lot", lot.id)
    conflict: str | None = None
    changed_rev = lot.rev
    if holds or lot.status == "on_hold":
        conflict = f"on hold: {_hold_reason(holds)}"
        changed_rev = max([h.rev for h in holds] + [lot.rev if not holds else 0])
    elif lot.status == "rework":
        conflict = "waiting for rework: run its rework work order"
    elif lot.status != "available":
        conflict = lot.status
    elif p.qty > lot.qty + 1e-9:
        conflict = f"short: {lot.qty:g} left, {p.qty:g} consumed"
    if conflict is not None:
        if p.known_rev is None or changed_rev <= p.known_rev:
            # The terminal knew (or does not say what it knew): refuse, as the operator was told.
            if conflict.startswith("short"):
                raise Rejected(f"lot {lot.id} has {lot.qty:g} left, {p.qty:g} cannot be consumed")
            raise Rejected(f"lot {lot.id} is {conflict}")
        return _quality_escape(session, event, p, job, wo, lot, conflict)
    lot.qty = max(0.0, lot.qty - p.qty)
    if lot.qty <= 1e-9:
        lot.qty = 0.0
        lot.status = "consumed"
    _touch(session, lot)
    session.add(m.Consumption(job_id=job.id, lot=lot.id, part=lot.part, qty=p.qty, event_id=str(event.id)))
    return {"lot": lot.id, "remaining": lot.qty, "lot_status": lot.status}


def _quality_escape(
    session: Session, event: ev.Event, p: ev.LotConsumed, job: m.Job, wo: m.WorkOrder, lot: m.Lot, conflict: str
) -> Outcome:
    """A consumption decided from a stale cache conflicts with what the server knows.

    It happened on the floor, so it is applied as history; what the lot went
    into is held and supervisors are alerted (a quality escape)."""
    from server.services.quality import react

    lot.qty = max(0.0, lot.qty - p.qty)
    if lot.status == "available" and lot.qty <= 1e-9:
        lot.qty = 0.0
        lot.status = "consumed"
    _touch(session, lot)
    session.add(m.Consumption(job_id=job.id, lot=lot.id, part=lot.part, qty=p.qty, event_id=str(event.id)))
    reason = (f"quality escape: {event.station_id} consumed {p.qty:g} of lot {lot.id} into {job.output_lot} "
              f"({wo.number}) while it was {conflict}")
    outcome: Outcome = {"lot": lot.id, "remaining": lot.qty, "lot_status": lot.status, "escape": conflict}
    outcome.update(react(session, event, ["hold_lot", "notify"], source="offline_escape", reason=reason,
                         title=f"Quality escape: lot {lot.id} used while {conflict.split(':')[0]}",
                         lot=job.output_lot, unit=None, critical=False, qty=p.qty))
    return outcome


def characteristic_spec(ch: m.Characteristic) -> Spec:
    return Spec(nominal=ch.nominal, lsl=ch.lsl, usl=ch.usl, unit=ch.unit)


def _measurement(session: Session, event: ev.Event, p: ev.MeasurementRecorded) -> Outcome:
    # The job, its work order, the characteristic and its operation in one round trip: this
    # runs for every measurement a plant takes.
    row = session.execute(
        select(m.Job, m.WorkOrder, m.Characteristic, m.Operation)
        .select_from(m.Job)
        .join(m.WorkOrder, m.WorkOrder.number == m.Job.work_order)
        .outerjoin(m.Characteristic, m.Characteristic.id == p.characteristic)
        .outerjoin(m.Operation, m.Operation.id == m.Characteristic.operation_id)
        .where(m.Job.id == str(p.job_id))
    ).first()
    if row is None:
        raise Rejected(f"job {p.job_id} was never started")
    job, wo, ch, op = row
    _check_running(job, event.station_id)
    if ch is None:
        raise Rejected(f"characteristic {p.characteristic} is unknown")
    assert op is not None
    if op.product != wo.product or op.seq != job.operation_seq:
        raise Rejected(
            f"characteristic {ch.id} belongs to {op.product} op {op.seq}, "
            f"not to this job ({wo.product} op {job.operation_seq})"
        )
    if p.unit and ch.unit and p.unit != ch.unit:
        raise Rejected(f"value is in {p.unit}, characteristic {ch.id} is measured in {ch.unit}")
    if not math.isfinite(p.value):
        raise Rejected("measurement value is not a finite number")
    spec = characteristic_spec(ch)
    result = verdict(p.value, spec)
    measurement = m.Measurement(
        event_id=str(event.id),
        job_id=job.id,
        characteristic=ch.id,
        value=p.value,
        unit=ch.unit,
        verdict=result,
        lsl=ch.lsl,
        usl=ch.usl,
        station_id=event.station_id,
        operator_id=event.operator_id,
        unit_serial=p.unit_serial,
        source=p.source,
        device=p.device,
        occurred_at=event.occurred_at,
    )
    session.add(measurement)
    outcome: Outcome = {
        "verdict": result,
        "characteristic": ch.id,
        "value": p.value,
        "lsl": ch.lsl,
        "usl": ch.usl,
        "unit": ch.unit,
    }
    if result == "fail":
        from server.services.quality import quality_settings, react

        kinds = ch.reaction if ch.reaction is not None else quality_settings(session)["on_fail"]
        reason = (f"{ch.id} ({ch.name}) = {p.value:g} {ch.unit} outside {spec.describe()} "
                  f"at {event.station_id}, {wo.number} op {job.operation_seq}")
        outcome.update(react(
            session, event, list(kinds), source="failed_check", reason=reason,
            title=f"{ch.name} out of tolerance on {wo.product}", lot=job.output_lot, unit=p.unit_serial,
            critical=ch.critical, qty=wo.qty,
            measurements=[{"event_id": str(event.id), "characteristic": ch.id, "value": p.value,
                           "lsl": ch.lsl, "usl": ch.usl, "unit": ch.unit}],
        ))
    from server.services.spc import on_measurement

    outcome.update(on_measurement(session, event, ch, measurement, job, wo))
    return outcome


def _defect(session: Session, event: ev.Event, p: ev.DefectFlagged) -> Outcome:
    job = _running_job(session, p.job_id, event.station_id)
    code = session.get(m.DefectCode, p.code)
    if code is None:
        raise Rejected(f"defect code {p.code} is not on the plant's defect sheet")
    session.add(
        m.Defect(
            event_id=str(event.id),
            job_id=job.id,
            code=code.code,
            qty=p.qty,
            lot=p.lot,
            note=p.note,
            station_id=event.station_id,
            operator_id=event.operator_id,
            occurred_at=event.occurred_at,
        )
    )
    outcome: Outcome = {"code": code.code, "severity": code.severity}
    if code.severity == "critical" or code.reaction:
        from server.services.quality import quality_settings, react

        kinds = code.reaction if code.reaction is not None else quality_settings(session)["on_critical_defect"]
        wo = session.get(m.WorkOrder, job.work_order)
        assert wo is not None
        reason = f"{code.severity} defect {code.code} ({code.description}) x{p.qty:g} at {event.station_id}, {wo.number}"
        outcome.update(react(
            session, event, list(kinds), source="critical_defect", reason=reason,
            title=f"{code.description} on {wo.product}", lot=p.lot or job.output_lot, unit=None,
            critical=code.severity == "critical", qty=p.qty, defect_codes=[code.code],
        ))
    return outcome


def _job_completed(session: Session, event: ev.Event, p: ev.JobCompleted) -> Outcome:
    job = _running_job(session, p.job_id, event.station_id)
    if session.get(m.Lot, p.output_lot) is not None:
        raise Rejected(f"output lot {p.output_lot} already exists")
    wo = session.get(m.WorkOrder, job.work_order)
    assert wo is not None
    if job.output_lot and job.output_lot != p.output_lot:
        # Holds placed on the lot while it was being made follow it to its final id.
        for hold in open_holds(session, "lot", job.output_lot):
            hold.target = p.output_lot
            _touch(session, hold)
    consumed = session.execute(
        select(m.Consumption.lot, func.sum(m.Consumption.qty))
        .where(m.Consumption.job_id == job.id)
        .group_by(m.Consumption.lot)
        .order_by(m.Consumption.lot)
    ).all()
    rev = next_rev(session)
    lot = m.Lot(
        id=p.output_lot,
        part=wo.product,
        qty=p.good_qty,
        initial_qty=p.good_qty,
        status=("on_hold" if open_holds(session, "lot", p.output_lot) else "available")
        if p.good_qty > 0
        else "scrapped",
        job_id=job.id,
        station_id=event.station_id,
        created_at=event.occurred_at,
        rev=rev,
    )
    session.add(lot)
    session.flush()
    for parent, qty in consumed:
        session.add(
            m.GenealogyEdge(
                parent_lot=parent, child_lot=lot.id, qty=float(qty),
                kind="rework" if wo.kind == "rework" and parent == wo.rework_lot else "consume",
                event_id=str(event.id),
            )
        )
    job.status = "completed"
    job.ended_at = event.occurred_at
    job.output_lot = lot.id
    job.good_qty = p.good_qty
    job.scrap_qty = p.scrap_qty
    session.add(job)
    last_op = session.execute(
        select(func.max(m.Operation.seq)).where(m.Operation.product == wo.product)
    ).scalar_one()
    if job.operation_seq == last_op:
        wo.completed_qty += p.good_qty
        _touch(session, wo)
    return {"output_lot": lot.id, "parents": [row[0] for row in consumed], "good_qty": p.good_qty}


def _job_cancelled(session: Session, event: ev.Event, p: ev.JobCancelled) -> Outcome:
    job = _running_job(session, p.job_id, event.station_id)
    job.status = "cancelled"
    job.ended_at = event.occurred_at
    session.add(job)
    return {"job_id": job.id}


def _login(session: Session, event: ev.Event, p: ev.OperatorLoggedIn) -> Outcome:
    op = session.get(m.Operator, p.badge)
    if op is None or not op.active:
        raise Rejected(f"badge {p.badge} is not an active operator")
    return {"operator": op.badge, "role": op.role}


def _logout(session: Session, event: ev.Event, p: ev.OperatorLoggedOut) -> Outcome:
    return {"operator": p.badge}


def _pending_lot(session: Session, lot_id: str) -> bool:
    """A lot a running job will produce (holds may name it before it exists)."""
    return session.execute(
        select(m.Job.id).where(m.Job.output_lot == lot_id, m.Job.status == "running")
    ).first() is not None


def _hold_placed(session: Session, event: ev.Event, p: ev.HoldPlaced) -> Outcome:
    if session.get(m.Hold, str(p.hold_id)) is not None:
        raise Rejected(f"hold {p.hold_id} already exists")
    operator = session.get(m.Operator, event.operator_id or "")
    if p.source == "manual" and (operator is None or operator.role == "operator"):
        raise Rejected("a manual hold needs a supervisor, inspector or quality engineer badge")
    targets = [p.target]
    if p.target_type == "lot":
        lot = session.get(m.Lot, p.target)
        if lot is None and not _pending_lot(session, p.target):
            raise Rejected(f"lot {p.target} does not exist")
        if p.include_downstream:
            from server.services.quality import downstream_lots

            targets += downstream_lots(session, [p.target])
    elif p.target_type == "station" and session.get(m.Station, p.target) is None:
        raise Rejected(f"station {p.target} does not exist")
    elif p.target_type == "work_order" and session.get(m.WorkOrder, p.target) is None:
        raise Rejected(f"work order {p.target} does not exist")
    placed = []
    for i, target in enumerate(targets):
        hold_id = str(p.hold_id) if i == 0 else str(uuid.uuid5(p.hold_id, target))
        if i and session.get(m.Hold, hold_id) is not None:
            continue
        reason = p.reason if i == 0 else f"{p.reason} (made from {p.target})"
        hold = m.Hold(
            id=hold_id,
            target_type=p.target_type,
            target=target,
            reason=reason,
            source=p.source,
            placed_by=event.operator_id,
            placed_at=event.occurred_at,
            event_id=str(event.id),
            ncr=p.ncr,
            cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        )
        _touch(session, hold)
        placed.append(target)
        if p.target_type == "lot":
            lot = session.get(m.Lot, target)
            if lot is not None and lot.status == "available":
                lot.status = "on_hold"
                _touch(session, lot)
        if p.target_type == "work_order":
            wo = session.get(m.WorkOrder, target)
            if wo is not None and wo.status in ("released", "in_progress"):
                wo.status = "on_hold"
                _touch(session, wo)
    session.flush()
    return {"hold_id": str(p.hold_id), "target": p.target, "held": placed}


def _hold_released(session: Session, event: ev.Event, p: ev.HoldReleased) -> Outcome:
    hold = session.get(m.Hold, str(p.hold_id))
    if hold is None or hold.status != "open":
        raise Rejected(f"hold {p.hold_id} is not open")
    operator = session.get(m.Operator, event.operator_id or "")
    if operator is None or operator.role not in ("supervisor", "quality_engineer", "mrb", "admin"):
        raise Rejected("releasing a hold needs a supervisor or quality engineer")
    if hold.ncr:
        from server.models_quality import Ncr

        ncr = session.get(Ncr, hold.ncr)
        if ncr is not None and ncr.status != "closed":
            raise Rejected(f"hold belongs to {hold.ncr}: it is released by the NCR's signed disposition")
    hold.status = "released"
    hold.released_by = event.operator_id
    hold.released_at = event.occurred_at
    _touch(session, hold)
    session.flush()
    if hold.target_type == "lot":
        lot = session.get(m.Lot, hold.target)
        if lot is not None and lot.status == "on_hold" and not open_holds(session, "lot", lot.id):
            lot.status = "available" if lot.qty > 0 else "consumed"
            _touch(session, lot)
    if hold.target_type == "work_order":
        wo = session.get(m.WorkOrder, hold.target)
        if wo is not None and wo.status == "on_hold" and not open_holds(session, "work_order", wo.number):
            has_jobs = session.execute(select(m.Job.id).where(m.Job.work_order == wo.number)).first()
            wo.status = "in_progress" if has_jobs else "released"
            _touch(session, wo)
    return {"hold_id": hold.id}


def _machine_state(session: Session, event: ev.Event, p: ev.MachineStateChanged) -> Outcome:
    return {"state": p.state}


def _parts_counted(session: Session, event: ev.Event, p: ev.PartsCounted) -> Outcome:
    return {"total": p.total}


HANDLERS: dict[type[ev.Payload], Callable[[Session, ev.Event, Any], Outcome]] = {
    ev.JobStarted: _job_started,
    ev.LotConsumed: _lot_consumed,
    ev.MeasurementRecorded: _measurement,
    ev.DefectFlagged: _defect,
    ev.JobCompleted: _job_completed,
    ev.JobCancelled: _job_cancelled,
    ev.OperatorLoggedIn: _login,
    ev.OperatorLoggedOut: _logout,
    ev.HoldPlaced: _hold_placed,
    ev.HoldReleased: _hold_released,
    ev.MachineStateChanged: _machine_state,
    ev.PartsCounted: _parts_counted,
}


def register_handlers(extra: dict[type[ev.Payload], Callable[[Session, ev.Event, Any], Outcome]]) -> None:
    HANDLERS.update(extra)


def apply_event(session: Session, event: ev.Event, payload: ev.Payload) -> Outcome:
    """Apply ``event`` inside the caller's transaction or raise ``Rejected``."""
    if event.occurred_at > datetime.now(UTC).replace(microsecond=0) + _FUTURE_SLACK:
        raise Rejected(f"event time {event.occurred_at.isoformat()} lies in the future: check the terminal clock")
    handler = HANDLERS.get(type(payload))
    if handler is None:
        raise Rejected(f"the server does not apply {event.type} events")
    return handler(session, event, payload)



# Further event families register their handlers on import.
from server.services import material as _material  # noqa: E402,F401
from server.services import quality as _quality  # noqa: E402,F401
