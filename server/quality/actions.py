"""Actions of supervisors and quality engineers: holds, NCRs, signed dispositions.

Each action becomes a server-recorded event that goes through the same
ingest path as the floor's events, so it is checked, applied in one
transaction and chained into the audit log. PINs are checked here and never
stored or logged.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.quality.signing import LOCKOUT_AFTER, MEANINGS, locked_until
from core.security import verify_pin
from server import models as m
from server.apply.context import Sender
from server.apply.pipeline import EventResult, post
from server.models_quality import Disposition, Ncr, SignFailure
from server.quality.ncrs import new_ncr_id


def _post(engine: Engine, payload: ev.Payload, operator: str | None) -> EventResult:
    """Record an action in the name of the person who took it."""
    if not operator:
        return EventResult(id="", status="rejected", reason="the action needs the person's badge")
    return post(engine, payload, Sender.of_person(operator))


def place_hold(
    engine: Engine,
    *,
    target_type: str,
    target: str,
    reason: str,
    badge: str,
    include_downstream: bool = False,
    ncr: str | None = None,
) -> EventResult:
    return _post(
        engine,
        ev.HoldPlaced(
            hold_id=uuid.uuid4(),
            target_type=target_type,
            target=target,  # type: ignore[arg-type]
            reason=reason,
            source="manual",
            include_downstream=include_downstream,
            ncr=ncr,
        ),
        badge,
    )


def release_hold(engine: Engine, hold_id: str, *, badge: str, note: str = "") -> EventResult:
    try:
        hid = uuid.UUID(hold_id)
    except ValueError:
        return EventResult(id="", status="rejected", reason=f"{hold_id!r} is not a hold id")
    return _post(engine, ev.HoldReleased(hold_id=hid, note=note), badge)


def open_ncr(
    engine: Engine, *, title: str, badge: str, lots: list[str], hold: bool = True
) -> tuple[str | None, list[EventResult]]:
    """Open an NCR by hand; with ``hold`` its lots are held under it."""
    with Session(engine) as session:
        for lot in lots:
            if session.get(m.Lot, lot) is None:
                return None, [
                    EventResult(id="", status="rejected", reason=f"lot {lot} does not exist")
                ]
        ncr_id = new_ncr_id(session, datetime.now(UTC))
        session.commit()
    results = [
        _post(engine, ev.NcrOpened(ncr=ncr_id, title=title, source="manual", lots=lots), badge)
    ]
    if results[0].status != "applied":
        return None, results
    if hold:
        for lot in lots:
            results.append(
                place_hold(
                    engine, target_type="lot", target=lot, reason=title, badge=badge, ncr=ncr_id
                )
            )
    return ncr_id, results


class SignatureError(Exception):
    """A signature that was refused; the refusal itself is in the audit log."""


def sign_disposition(
    engine: Engine,
    ncr_id: str,
    *,
    kind: str,
    badge: str,
    pin: str,
    details: dict[str, Any] | None = None,
    meaning: str | None = None,
    now: datetime | None = None,
) -> EventResult:
    """Propose or countersign the disposition of ``ncr_id``; the signer re-enters their PIN.

    Returns the ingest result; a refused signature (locked, wrong PIN, wrong
    role, same signer twice) comes back rejected with the reason, and is logged.
    """
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        ncr = session.get(Ncr, ncr_id)
        if ncr is None:
            return EventResult(id="", status="rejected", reason=f"{ncr_id} does not exist")
        operator = session.get(m.Operator, badge)
        failures = [
            f.at if f.at.tzinfo else f.at.replace(tzinfo=UTC)
            for f in session.execute(
                select(SignFailure).where(SignFailure.badge == badge).order_by(SignFailure.at)
            ).scalars()
        ]
        pending = (
            session.execute(
                select(Disposition).where(
                    Disposition.ncr == ncr_id, Disposition.status == "pending"
                )
            )
            .scalars()
            .first()
        )
        disposition_id = uuid.UUID(pending.id) if pending else uuid.uuid4()
        if pending is not None:
            kind, details = pending.kind, dict(pending.details)
    until = locked_until(failures, now)
    refusal: tuple[str, bool] | None = None
    if until is not None:
        refusal = (
            f"signing is locked for {badge} until {until.strftime('%H:%M')} UTC after "
            f"{LOCKOUT_AFTER} wrong PINs",
            False,
        )
    elif operator is None or not verify_pin(pin, operator.pin_hash):
        refusal = (f"wrong PIN for {badge}", True)
    if refusal is not None:
        _post(
            engine,
            ev.SignatureRefused(ncr=ncr_id, badge=badge, reason=refusal[0], wrong_pin=refusal[1]),
            badge,
        )
        return EventResult(id="", status="rejected", reason=refusal[0])
    if kind not in MEANINGS:
        return EventResult(id="", status="rejected", reason=f"unknown disposition {kind!r}")
    payload = ev.DispositionSigned(
        disposition_id=disposition_id,
        ncr=ncr_id,
        kind=kind,  # type: ignore[arg-type]
        details=details or {},
        signer=badge,
        meaning=meaning or MEANINGS[kind],
    )
    result = _post(engine, payload, badge)
    if result.status == "rejected":
        # Wrong role or a second signature by the same person: recorded as a refusal too.
        _post(
            engine,
            ev.SignatureRefused(ncr=ncr_id, badge=badge, reason=result.reason or "refused"),
            badge,
        )
    return result
