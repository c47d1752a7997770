"""Measurements and defects: the verdict, the reaction to a failure, the SPC chart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core import events as ev
from core.outcomes import Outcome
from core.quality.reactions import reaction_kinds
from core.verdict import Spec, verdict
from server import models as m
from server.apply.context import ApplyContext, Rejected
from server.apply.jobs import check_running, running_job
from server.quality.ncrs import quality_settings
from server.quality.reactions import react
from server.spc.stream import on_measurement


def characteristic_spec(ch: m.Characteristic) -> Spec:
    return Spec(nominal=ch.nominal, lsl=ch.lsl, usl=ch.usl, unit=ch.unit)


def prefetch(session: Session, keep: list[Any], job_ids: set[str], characteristics: set[str]) -> None:
    """Load a batch's jobs (with their work orders) and characteristics (with their
    operations) into the session in two round trips; handlers then find them there
    (``keep`` holds them: the session's identity map alone would let them go)."""
    if job_ids:
        keep += session.execute(
            select(m.Job, m.WorkOrder)
            .join(m.WorkOrder, m.WorkOrder.number == m.Job.work_order)
            .where(m.Job.id.in_(sorted(job_ids)))  # type: ignore[attr-defined]
        ).all()
    if characteristics:
        keep += session.execute(
            select(m.Characteristic, m.Operation)
            .join(m.Operation, m.Operation.id == m.Characteristic.operation_id)
            .where(m.Characteristic.id.in_(sorted(characteristics)))  # type: ignore[attr-defined]
        ).all()


def on_measurement_recorded(ctx: ApplyContext, p: ev.MeasurementRecorded) -> Outcome:
    session = ctx.session
    job = session.get(m.Job, str(p.job_id))  # prefetched for the batch: no round trip
    if job is None:
        raise Rejected(f"job {p.job_id} was never started")
    check_running(job, ctx.station_id)
    wo = session.get(m.WorkOrder, job.work_order)
    ch = session.get(m.Characteristic, p.characteristic)
    if ch is None:
        raise Rejected(f"characteristic {p.characteristic} is unknown")
    op = session.get(m.Operation, ch.operation_id)
    assert wo is not None and op is not None
    if op.product != wo.product or op.seq != job.operation_seq:
        raise Rejected(
            f"characteristic {ch.id} belongs to {op.product} op {op.seq}, "
            f"not to this job ({wo.product} op {job.operation_seq})"
        )
    if p.unit and ch.unit and p.unit != ch.unit:
        raise Rejected(f"value is in {p.unit}, characteristic {ch.id} is measured in {ch.unit}")
    spec = characteristic_spec(ch)
    result = verdict(p.value, spec)
    measurement = m.Measurement(
        event_id=str(ctx.event.id),
        job_id=job.id,
        characteristic=ch.id,
        value=p.value,
        unit=ch.unit,
        verdict=result,
        lsl=ch.lsl,
        usl=ch.usl,
        station_id=ctx.station_id,
        operator_id=ctx.operator_id,
        unit_serial=p.unit_serial,
        source=p.source,
        device=p.device,
        occurred_at=ctx.occurred_at,
    )
    session.add(measurement)
    outcome = Outcome(
        verdict=result, characteristic=ch.id, value=p.value, lsl=ch.lsl, usl=ch.usl, unit=ch.unit
    )
    if result == "fail":
        kinds = reaction_kinds(ch.reaction, quality_settings(session), "on_fail")
        reason = (
            f"{ch.id} ({ch.name}) = {p.value:g} {ch.unit} outside {spec.describe()} "
            f"at {ctx.station_id}, {wo.number} op {job.operation_seq}"
        )
        outcome = outcome.merged(
            react(
                ctx, kinds, source="failed_check", reason=reason,
                title=f"{ch.name} out of tolerance on {wo.product}",
                lots=[job.output_lot] if job.output_lot else [],
                units=[p.unit_serial] if p.unit_serial else [],
                critical=ch.critical, qty=wo.qty,
                measurements=[{"event_id": str(ctx.event.id), "characteristic": ch.id,
                               "value": p.value, "lsl": ch.lsl, "usl": ch.usl, "unit": ch.unit}],
            )
        )  # fmt: skip
    spc = on_measurement(ctx, ch, measurement, job, wo)
    return outcome.model_copy(update={"spc": spc})


def on_defect_flagged(ctx: ApplyContext, p: ev.DefectFlagged) -> Outcome:
    session = ctx.session
    job = running_job(ctx, p.job_id)
    code = session.get(m.DefectCode, p.code)
    if code is None:
        raise Rejected(f"defect code {p.code} is not on the plant's defect sheet")
    session.add(
        m.Defect(
            event_id=str(ctx.event.id),
            job_id=job.id,
            code=code.code,
            qty=p.qty,
            lot=p.lot,
            note=p.note,
            station_id=ctx.station_id,
            operator_id=ctx.operator_id,
            occurred_at=ctx.occurred_at,
        )
    )
    outcome = Outcome(code=code.code, severity=code.severity)
    if code.severity == "critical" or code.reaction:
        kinds = reaction_kinds(code.reaction, quality_settings(session), "on_critical_defect")
        wo = session.get(m.WorkOrder, job.work_order)
        assert wo is not None
        reason = (
            f"{code.severity} defect {code.code} ({code.description}) x{p.qty:g} at "
            f"{ctx.station_id}, {wo.number}"
        )
        lot = p.lot or job.output_lot
        outcome = outcome.merged(
            react(
                ctx, kinds, source="critical_defect", reason=reason,
                title=f"{code.description} on {wo.product}", lots=[lot] if lot else [],
                critical=code.severity == "critical", qty=p.qty, defect_codes=[code.code],
            )
        )  # fmt: skip
    return outcome
