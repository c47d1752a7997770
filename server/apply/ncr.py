"""NCRs, notices, line stops and e-signed dispositions."""

from __future__ import annotations

from sqlalchemy import select

from core import events as ev
from core import status as st
from core.outcomes import Outcome
from core.quality.signing import signatures_required, signer_problem
from server import models as m
from server.apply.context import ApplyContext, Rejected
from server.models_quality import Disposition, Ncr, Notification, Signature, SignFailure
from server.quality.dispositions import check_disposition, execute, record_hash


def on_ncr_opened(ctx: ApplyContext, p: ev.NcrOpened) -> Outcome:
    session = ctx.session
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
        opened_by=ctx.operator_id,
        opened_at=ctx.occurred_at,
        description=p.title,
    )
    ctx.touch(ncr)
    session.flush()
    return Outcome(ncr=p.ncr)


def on_notified(ctx: ApplyContext, p: ev.SupervisorNotified) -> Outcome:
    note = Notification(
        kind=p.kind,
        message=p.message,
        station_id=ctx.station_id,
        cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        created_at=ctx.occurred_at,
    )
    ctx.touch(note)
    ctx.session.flush()
    return Outcome(notification=note.id)


def on_line_stop(ctx: ApplyContext, p: ev.LineStopRequested) -> Outcome:
    return Outcome(line_stop=True)


def on_disposition_signed(ctx: ApplyContext, p: ev.DispositionSigned) -> Outcome:
    session = ctx.session
    ncr = session.get(Ncr, p.ncr)
    if ncr is None:
        raise Rejected(f"{p.ncr} does not exist")
    if ncr.status == "closed":
        raise Rejected(f"{p.ncr} is already closed")
    if ctx.operator_id != p.signer:
        raise Rejected(f"a signature is made by its signer: {p.signer}, not {ctx.operator_id}")
    signer = session.get(m.Operator, p.signer)
    disposition = session.get(Disposition, str(p.disposition_id))
    signed_by: list[str] = []
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
        check_disposition(session, ncr, p.kind, p.details)
        disposition = Disposition(
            id=str(p.disposition_id),
            ncr=ncr.id,
            kind=p.kind,
            details=dict(p.details),
            signatures_required=signatures_required(p.kind, ncr.critical),
            proposed_at=ctx.occurred_at,
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
            signed_at=ctx.occurred_at,
            event_id=str(ctx.event.id),
            record_hash=record_hash(disposition, signer.badge, p.meaning, ctx.occurred_at),
        )
    )
    count = len(signed_by) + 1
    base = Outcome(
        ncr=ncr.id,
        disposition_id=disposition.id,
        signatures=count,
        signatures_required=disposition.signatures_required,
    )
    if count >= disposition.signatures_required:
        return base.model_copy(
            update={"executed": execute(ctx, ncr, disposition), "status": "executed"}
        )
    if ncr.status != "pending_signature":
        st.check("ncr", ncr.status, "pending_signature", st.SIGN, ncr.id)
        ncr.status = "pending_signature"
    ctx.touch(ncr)
    return base.model_copy(update={"status": "awaiting second signature"})


def on_signature_refused(ctx: ApplyContext, p: ev.SignatureRefused) -> Outcome:
    if p.wrong_pin:
        ctx.session.add(SignFailure(badge=p.badge, at=ctx.occurred_at, reason=p.reason))
    return Outcome(refused=p.reason)
