"""Status transitions of lots, holds, NCRs, dispositions and work orders, as one table.

Every writer asks ``check(kind, from, to, cause)`` before it changes a status
(the server through its one setter per kind). A transition missing from the
table is refused with a sentence a person can read; the permission a person
needs to cause it comes from ``core.permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.permissions import Action

Kind = Literal["lot", "hold", "ncr", "disposition", "work_order"]

LOT_STATUSES: tuple[str, ...] = (
    "wip",  # inside its routing: an operation is still to be done
    "available",  # finished (or purchased and received): in stock
    "on_hold",
    "rework",  # waiting for its rework work order
    "consumed",
    "scrapped",
    "shipped",
    "returned",
)
HOLD_STATUSES: tuple[str, ...] = ("open", "released")
NCR_STATUSES: tuple[str, ...] = ("open", "pending_signature", "closed")
DISPOSITION_STATUSES: tuple[str, ...] = ("pending", "executed")
WORK_ORDER_STATUSES: tuple[str, ...] = ("released", "in_progress", "on_hold", "closed", "cancelled")

#: Statuses a lot never leaves.
LOT_FINAL: frozenset[str] = frozenset({"consumed", "scrapped", "shipped", "returned"})
#: Lots that still hold material in the plant (held or not).
LOT_IN_PLANT: frozenset[str] = frozenset({"wip", "available", "on_hold", "rework"})


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a status changes; ``action`` is the permission a person needs to cause it."""

    name: str
    action: Action | None = None


RECEIVE = Cause("receive")
MAKE = Cause("make")  # an operation produced the lot
COMPLETE_OPERATION = Cause("complete operation", Action.RUN_JOB)
FINISH_ROUTING = Cause("finish routing", Action.RUN_JOB)
CONSUME = Cause("consume", Action.RUN_JOB)
SPLIT = Cause("split")
MERGE = Cause("merge")
SHIP = Cause("ship")
HOLD = Cause("hold")
RELEASE = Cause("release", Action.HOLD_RELEASE)
DISPOSITION = Cause("disposition", Action.DISPOSITION_SIGN)
REWORK = Cause("rework")
SCRAP_AT_OPERATION = Cause("scrap at operation", Action.RUN_JOB)
#: An operation that makes a new lot uses up the lot it took (a hold on it moves to the new lot).
TRANSFORM = Cause("make the next lot", Action.RUN_JOB)
ESCAPE = Cause("quality escape")  # applied as history: it happened on the floor
START = Cause("start", Action.RUN_JOB)
CLOSE = Cause("close", Action.ORDERS_MANAGE)
CANCEL = Cause("cancel", Action.ORDERS_MANAGE)
SIGN = Cause("sign", Action.DISPOSITION_SIGN)
EXECUTE = Cause("execute", Action.DISPOSITION_SIGN)

_C = Cause


def _t(*pairs: tuple[str, str, tuple[Cause, ...]]) -> dict[tuple[str, str], frozenset[str]]:
    table: dict[tuple[str, str], frozenset[str]] = {}
    for frm, to, causes in pairs:
        table[(frm, to)] = frozenset(c.name for c in causes)
    return table


TRANSITIONS: dict[str, dict[tuple[str, str], frozenset[str]]] = {
    "lot": _t(
        ("wip", "wip", (COMPLETE_OPERATION, SCRAP_AT_OPERATION, CONSUME, SPLIT, REWORK)),
        ("wip", "available", (FINISH_ROUTING, RELEASE, DISPOSITION)),
        ("wip", "on_hold", (HOLD,)),
        ("wip", "consumed", (CONSUME, SPLIT, MERGE, REWORK, ESCAPE, DISPOSITION, TRANSFORM)),
        ("wip", "scrapped", (SCRAP_AT_OPERATION, DISPOSITION)),
        ("wip", "rework", (DISPOSITION,)),
        ("available", "available", (CONSUME, SPLIT, MERGE, SHIP, REWORK, DISPOSITION)),
        ("available", "on_hold", (HOLD,)),
        ("available", "consumed", (CONSUME, SPLIT, MERGE, REWORK, ESCAPE, DISPOSITION, TRANSFORM)),
        ("available", "shipped", (SHIP,)),
        ("available", "scrapped", (DISPOSITION, SCRAP_AT_OPERATION)),
        ("available", "returned", (DISPOSITION,)),
        ("available", "rework", (DISPOSITION,)),
        ("available", "wip", (REWORK,)),
        ("on_hold", "on_hold", (HOLD, ESCAPE, REWORK, DISPOSITION, COMPLETE_OPERATION)),
        ("on_hold", "available", (RELEASE, DISPOSITION)),
        ("on_hold", "wip", (RELEASE, DISPOSITION)),
        ("on_hold", "consumed", (RELEASE, DISPOSITION, REWORK, ESCAPE, TRANSFORM)),
        ("on_hold", "scrapped", (DISPOSITION, SCRAP_AT_OPERATION)),
        ("on_hold", "returned", (DISPOSITION,)),
        ("on_hold", "rework", (DISPOSITION,)),
        ("rework", "consumed", (REWORK,)),
        ("rework", "rework", (HOLD, RELEASE)),
    ),
    "hold": _t(("open", "released", (RELEASE, DISPOSITION))),
    "ncr": _t(
        ("open", "pending_signature", (SIGN,)),
        ("open", "closed", (EXECUTE,)),
        ("pending_signature", "closed", (EXECUTE,)),
    ),
    "disposition": _t(("pending", "executed", (EXECUTE,))),
    "work_order": _t(
        ("released", "in_progress", (START,)),
        ("released", "on_hold", (HOLD,)),
        ("in_progress", "on_hold", (HOLD,)),
        ("on_hold", "released", (RELEASE,)),
        ("on_hold", "in_progress", (RELEASE,)),
        ("released", "closed", (CLOSE,)),
        ("in_progress", "closed", (CLOSE,)),
        ("on_hold", "closed", (CLOSE,)),
        ("released", "cancelled", (CANCEL,)),
        ("in_progress", "cancelled", (CANCEL,)),
        ("on_hold", "cancelled", (CANCEL,)),
    ),
}

STATUSES: dict[str, tuple[str, ...]] = {
    "lot": LOT_STATUSES,
    "hold": HOLD_STATUSES,
    "ncr": NCR_STATUSES,
    "disposition": DISPOSITION_STATUSES,
    "work_order": WORK_ORDER_STATUSES,
}

_NOUN = {
    "lot": "lot",
    "hold": "hold",
    "ncr": "NCR",
    "disposition": "disposition",
    "work_order": "work order",
}


class TransitionError(ValueError):
    """A status change the table does not allow; the message is for people."""


def _words(status: str) -> str:
    return status.replace("_", " ")


def allowed(kind: str, frm: str, to: str, cause: Cause | str) -> bool:
    name = cause.name if isinstance(cause, Cause) else cause
    return name in TRANSITIONS[kind].get((frm, to), frozenset())


def check(kind: str, frm: str, to: str, cause: Cause | str, ident: str = "") -> None:
    """Raise ``TransitionError`` unless ``frm -> to`` by ``cause`` is in the table."""
    if to not in STATUSES[kind]:
        raise TransitionError(f"{_words(to)!r} is not a {_NOUN[kind]} status")
    if allowed(kind, frm, to, cause):
        return
    name = cause.name if isinstance(cause, Cause) else cause
    what = f"{_NOUN[kind]} {ident}".strip()
    raise TransitionError(f"{what} is {_words(frm)}: it cannot become {_words(to)} ({name})")


def lot_status_when_free(remaining_operations: bool, qty: float) -> str:
    """What a lot is once nothing holds it: in process, in stock, or used up."""
    if qty <= 1e-9:
        return "consumed"
    return "wip" if remaining_operations else "available"
