"""The composition root of event application: every event type and its one handler.

Nothing registers itself by being imported: this table is the whole list. A
test checks it names exactly the types of ``core.events``, and that every
fact only the server records is produced by some handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from core import events as ev
from core.outcomes import Outcome
from server.apply import consume, holds, jobs, machine, material, measure, ncr, spc
from server.apply.context import ApplyContext, Batch, Rejected
from server.quality import holds as hold_store

Handler = Callable[[ApplyContext, Any], Outcome]

HANDLERS: dict[str, Handler] = {
    "OperatorLoggedIn": jobs.on_login,
    "OperatorLoggedOut": jobs.on_logout,
    "PersonPresent": jobs.on_present,
    "JobStarted": jobs.on_job_started,
    "JobHandedOver": jobs.on_handed_over,
    "LotConsumed": consume.on_lot_consumed,
    "MeasurementRecorded": measure.on_measurement_recorded,
    "DefectFlagged": measure.on_defect_flagged,
    "JobCompleted": jobs.on_job_completed,
    "JobCancelled": jobs.on_job_cancelled,
    "HoldPlaced": holds.on_hold_placed,
    "HoldReleased": holds.on_hold_released,
    "MachineStateChanged": machine.on_machine_state,
    "PartsCounted": machine.on_parts_counted,
    "LotReceived": material.on_lot_received,
    "LotSplit": material.on_lot_split,
    "LotMerged": material.on_lot_merged,
    "ReworkRecorded": material.on_rework_recorded,
    "SerialsAssigned": material.on_serials_assigned,
    "LotShipped": material.on_lot_shipped,
    "NcrOpened": ncr.on_ncr_opened,
    "SupervisorNotified": ncr.on_notified,
    "LineStopRequested": ncr.on_line_stop,
    "DispositionSigned": ncr.on_disposition_signed,
    "SignatureRefused": ncr.on_signature_refused,
    "SpcLimitsFrozen": spc.on_limits_frozen,
    "SpcSignal": spc.on_signal,
    "SpcSignalAcknowledged": spc.on_acknowledged,
}

#: Which handler module derives each fact only the server records (checked by a test).
DERIVED_BY: dict[str, str] = {
    "SupervisorNotified": "server.quality.reactions",
    "LineStopRequested": "server.quality.reactions",
    "SpcSignal": "server.spc.containment",
}


def dispatch(ctx: ApplyContext, payload: ev.Payload) -> Outcome:
    """Apply ``payload`` (the event ``ctx.event``) with its handler."""
    handler = HANDLERS.get(ctx.event.type)
    if handler is None:
        raise Rejected(f"the server does not apply {ctx.event.type} events")
    return handler(ctx, payload)


def prefetch(session: Session, batch: Batch, station: str, payloads: list[ev.Payload]) -> None:
    """Load what a batch's events will look up, a few round trips for the whole batch."""
    job_ids = {str(p.job_id) for p in payloads if getattr(p, "job_id", None) is not None}
    chars = {p.characteristic for p in payloads if isinstance(p, ev.MeasurementRecorded)}
    measure.prefetch(session, batch, job_ids, chars)
    lots = {
        lot
        for p in payloads
        for lot in (getattr(p, "output_lot", None), getattr(p, "lot", None))
        if isinstance(lot, str)
    }
    orders = {p.work_order for p in payloads if isinstance(p, ev.JobStarted)}
    completing = {str(p.job_id) for p in payloads if isinstance(p, ev.JobCompleted)}
    jobs.prefetch(session, batch, lots, orders, completing)
    hold_store.prefetch(session, batch, {"lot": lots, "work_order": orders, "station": {station}})
