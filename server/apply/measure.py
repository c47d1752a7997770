"""Measurements and defects: the verdict, the reaction to a failure, the SPC chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core import events as ev
from core.outcomes import Outcome
from core.quality.reactions import reaction_kinds
from core.verdict import Spec, verdict
from server import models as m
from server.apply.context import ApplyContext, Batch, Rejected
from server.apply.jobs import check_running, running_job
from server.db import one_of
from server.quality.ncrs import quality_settings
from server.quality.reactions import react
from server.spc.stream import on_measurement

MEASUREMENT = m.Measurement.__table__  # type: ignore[attr-defined]
DEFECT = m.Defect.__table__  # type: ignore[attr-defined]


def characteristic_spec(ch: m.Characteristic) -> Spec:
    return Spec(nominal=ch.nominal, lsl=ch.lsl, usl=ch.usl, unit=ch.unit)


def prefetch(session: Session, batch: Batch, job_ids: set[str], characteristics: set[str]) -> None:
    """Load a batch's jobs (with their work orders) and characteristics (with their
    operations) in two round trips; handlers then find them in ``batch.get``."""
    if job_ids:
        found = session.execute(
            select(m.Job, m.WorkOrder)
            .join(m.WorkOrder, m.WorkOrder.number == m.Job.work_order)
            .where(one_of(session, m.Job.id, job_ids))
        ).all()
        for job, wo in found:
            batch.remember(job, job.id)
            batch.remember(wo, wo.number)
        for job_id in job_ids - {job.id for job, _ in found}:
            batch.remember_as(m.Job, job_id, None)  # to be started in this batch (or unknown)
    if characteristics:
        for ch, op in session.execute(
            select(m.Characteristic, m.Operation)
            .join(m.Operation, m.Operation.id == m.Characteristic.operation_id)
            .where(one_of(session, m.Characteristic.id, characteristics))
        ).all():
            batch.remember(ch, ch.id)
            batch.remember(op, op.id)


@dataclass(frozen=True, slots=True)
class _Measuring:
    """What every measurement of one characteristic in one job needs (once per batch)."""

    job: m.Job
    wo: m.WorkOrder
    ch: m.Characteristic
    spec: Spec
    unit: str
    lsl: float | None
    usl: float | None


def _measuring(ctx: ApplyContext, job_id: str, char_id: str) -> _Measuring:
    key = ("measuring", job_id, char_id)
    found = ctx.batch.memo.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    batch = ctx.batch
    job = batch.get(m.Job, job_id)  # prefetched for the batch: no round trip
    if job is None:
        raise Rejected(f"job {job_id} was never started")
    check_running(job, ctx.station_id)
    wo = batch.get(m.WorkOrder, job.work_order)
    ch = batch.get(m.Characteristic, char_id)
    if ch is None:
        raise Rejected(f"characteristic {char_id} is unknown")
    op = batch.get(m.Operation, ch.operation_id)
    assert wo is not None and op is not None
    if op.product != wo.product or op.seq != job.operation_seq:
        raise Rejected(
            f"characteristic {ch.id} belongs to {op.product} op {op.seq}, "
            f"not to this job ({wo.product} op {job.operation_seq})"
        )
    found = _Measuring(job, wo, ch, characteristic_spec(ch), ch.unit, ch.lsl, ch.usl)
    batch.memo[key] = found
    return found


def on_measurement_recorded(ctx: ApplyContext, p: ev.MeasurementRecorded) -> Outcome:
    t = _measuring(ctx, str(p.job_id), p.characteristic)
    job, ch = t.job, t.ch
    if job.status != "running" or job.station_id != ctx.station_id:
        check_running(job, ctx.station_id)
    if p.unit and t.unit and p.unit != t.unit:
        raise Rejected(f"value is in {p.unit}, characteristic {ch.id} is measured in {t.unit}")
    result = verdict(p.value, t.spec)
    event_id = str(ctx.event.id)
    # Measurements are the bulk of a plant's events: inserted with the batch, no ORM object.
    ctx.batch.insert_later(
        MEASUREMENT,
        {
            "event_id": event_id,
            "job_id": job.id,
            "characteristic": ch.id,
            "value": p.value,
            "unit": t.unit,
            "verdict": result,
            "lsl": t.lsl,
            "usl": t.usl,
            "station_id": ctx.station_id,
            "operator_id": ctx.operator_id,
            "unit_serial": p.unit_serial,
            "source": p.source,
            "device": p.device,
            "occurred_at": ctx.occurred_at,
        },
    )
    fields: dict[str, Any] = {
        "verdict": result, "characteristic": ch.id, "value": p.value, "lsl": t.lsl,
        "usl": t.usl, "unit": t.unit,
    }  # fmt: skip
    if result == "fail":
        wo = t.wo
        kinds = reaction_kinds(ch.reaction, quality_settings(ctx.session), "on_fail")
        reason = (
            f"{ch.id} ({ch.name}) = {p.value:g} {t.unit} outside {t.spec.describe()} "
            f"at {ctx.station_id}, {wo.number} op {job.operation_seq}"
        )
        reacted = react(
            ctx, kinds, source="failed_check", reason=reason,
            title=f"{ch.name} out of tolerance on {wo.product}",
            lots=[job.output_lot] if job.output_lot else [],
            units=[p.unit_serial] if p.unit_serial else [],
            critical=ch.critical, qty=wo.qty,
            measurements=[{"event_id": event_id, "characteristic": ch.id, "value": p.value,
                           "lsl": t.lsl, "usl": t.usl, "unit": t.unit}],
        )  # fmt: skip
        fields.update({k: getattr(reacted, k) for k in reacted.model_fields_set})
    fields["spc"] = on_measurement(ctx, ch, p.value, job, t.wo)
    return Outcome(**fields)


def on_defect_flagged(ctx: ApplyContext, p: ev.DefectFlagged) -> Outcome:
    session = ctx.session
    job = running_job(ctx, p.job_id)
    code = ctx.batch.get(m.DefectCode, p.code)
    if code is None:
        raise Rejected(f"defect code {p.code} is not on the plant's defect sheet")
    ctx.batch.insert_later(
        DEFECT,
        {
            "event_id": str(ctx.event.id),
            "job_id": job.id,
            "code": code.code,
            "qty": p.qty,
            "lot": p.lot,
            "note": p.note,
            "station_id": ctx.station_id,
            "operator_id": ctx.operator_id,
            "occurred_at": ctx.occurred_at,
        },
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
