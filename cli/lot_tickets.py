"""A lot's traveler and hold tag as the database has them (``lineside print preview``).

The same fields the kiosk prints: the work order, its product's routing with
the lot's next operation marked, the lot's quantity; for a hold tag, the open
hold's reason, NCR, who placed it and when (plant time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from hardware.printers.tickets import HoldTag, Operation, Traveler
from server import models as m
from server.db import as_utc
from server.services.report import zone

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: What a hold tag says while the hold has no NCR yet (as the kiosk prints it).
NO_NCR_YET = "to be opened"


class TicketDataError(LookupError):
    """The database cannot fill this ticket; the message says why."""


@dataclass(frozen=True, slots=True)
class LotTicket:
    ticket: Traveler | HoldTag
    #: Worth saying beside the preview (several open holds, a released hold, ...).
    notes: list[str] = field(default_factory=list)


def _person(session: Session, badge: str | None) -> str:
    if not badge:
        return ""
    operator = session.get(m.Operator, badge)
    return f"{operator.name} ({badge})" if operator is not None else badge


def _lot(session: Session, lot_id: str, where: str) -> m.Lot:
    lot = session.get(m.Lot, lot_id)
    if lot is None:
        raise TicketDataError(f"lot {lot_id} is not in the database {where}")
    return lot


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def traveler_for_lot(engine: Engine, lot_id: str, tz: str, now: datetime) -> LotTicket:
    """The traveler the lot would carry now; ``now`` is shown on the plant's clock."""
    with Session(engine) as session:
        lot = _lot(session, lot_id, _where(engine))
        if not lot.work_order:
            raise TicketDataError(
                f"lot {lot_id} ({lot.part}) was not made on a work order: it has no traveler"
            )
        order = session.get(m.WorkOrder, lot.work_order)
        product = order.product if order is not None else lot.part
        part = session.get(m.Part, product)
        operations = list(
            session.execute(
                select(m.Operation).where(m.Operation.product == product).order_by(m.Operation.seq)
            ).scalars()
        )
        done = set(lot.ops_done or [])
        current = next((op.seq for op in operations if op.seq not in done), None)
        last_badge = session.execute(
            select(m.LotOperation.operator_id)
            .where(m.LotOperation.lot == lot_id, m.LotOperation.operator_id.is_not(None))  # type: ignore[union-attr]
            .order_by(m.LotOperation.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar_one_or_none()
        notes = [] if current is not None else [f"lot {lot_id} has finished its routing"]
        ticket = Traveler(
            work_order=lot.work_order,
            product=product,
            lot_id=lot.id,
            quantity=lot.qty,
            operations=tuple(Operation(str(op.seq), op.name) for op in operations),
            current_op=None if current is None else str(current),
            operator=_person(session, last_badge) or "-",
            printed_at=now.astimezone(zone(tz)),
            product_name=part.description if part is not None else "",
            unit=part.unit if part is not None else "pcs",
        )
        return LotTicket(ticket, notes)


def hold_tag_for_lot(
    engine: Engine, lot_id: str | None, hold_ref: str | None, tz: str
) -> LotTicket:
    """The hold tag of the lot's newest open hold, or of the hold ``hold_ref`` names
    (a hold id or its first characters)."""
    from cli.hold_ids import resolve_hold_id

    notes: list[str] = []
    with Session(engine) as session:
        if hold_ref:
            hold = session.get(m.Hold, resolve_hold_id(session, hold_ref))
            assert hold is not None
            if hold.target_type != "lot":
                raise TicketDataError(
                    f"hold {hold.id[:8]} holds {hold.target_type} {hold.target}: "
                    "hold tags are hung on lots"
                )
            if lot_id and lot_id != hold.target:
                raise TicketDataError(f"hold {hold.id[:8]} holds lot {hold.target}, not {lot_id}")
            if hold.status != "open":
                notes.append(f"hold {hold.id[:8]} was released; this is the tag it had")
        else:
            assert lot_id is not None
            _lot(session, lot_id, _where(engine))
            holds = list(
                session.execute(
                    select(m.Hold)
                    .where(
                        m.Hold.target_type == "lot",
                        m.Hold.target == lot_id,
                        m.Hold.status == "open",
                    )
                    .order_by(m.Hold.placed_at.desc(), m.Hold.id)  # type: ignore[attr-defined]
                ).scalars()
            )
            if not holds:
                raise TicketDataError(
                    f"lot {lot_id} has no open hold, so it has no hold tag "
                    "(`lineside hold list --all` shows its holds; --hold ID picks one)"
                )
            hold = holds[0]
            if len(holds) > 1:
                others = ", ".join(h.id[:8] for h in holds[1:])
                notes.append(
                    f"lot {lot_id} has {len(holds)} open holds: the newest is shown "
                    f"(--hold picks another: {others})"
                )
        lot = session.get(m.Lot, hold.target)
        part = session.get(m.Part, lot.part) if lot is not None else None
        placed_at = as_utc(hold.placed_at) or hold.placed_at
        ticket = HoldTag(
            lot_id=hold.target,
            reason=hold.reason,
            ncr=hold.ncr or NO_NCR_YET,
            held_by=_person(session, hold.placed_by) or hold.source,
            held_at=placed_at.astimezone(zone(tz)),
            product=lot.part if lot is not None else "",
            quantity=lot.qty if lot is not None else None,
            unit=part.unit if part is not None else "pcs",
        )
        return LotTicket(ticket, notes)
