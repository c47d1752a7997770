"""Short hold ids: a hold is named by any unique prefix of its uuid.

``lineside hold list`` shows the first 8 hex characters (more where two holds
share them); every command that takes a hold id accepts such a prefix.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from server.models import Hold

if TYPE_CHECKING:
    from sqlmodel import Session

SHORT = 8
#: Candidates named in the message for an ambiguous prefix.
LISTED = 10
_HEX = frozenset("0123456789abcdef-")


class HoldIdError(LookupError):
    """The text names no hold, or several; the message says which."""


def _describe(hold: Hold) -> str:
    return f"{hold.id}  {hold.status:8} {hold.target_type} {hold.target}: {hold.reason}"


def resolve_hold_id(session: Session, text: str) -> str:
    """The full id of the one hold whose id starts with ``text``, or ``HoldIdError``."""
    given = text.strip().lower()
    if not given or not set(given) <= _HEX:
        raise HoldIdError(
            f"{text!r} is not a hold id (hex digits, as `lineside hold list` shows them)"
        )
    match = Hold.id.startswith(given)  # type: ignore[attr-defined]
    found = list(
        session.execute(
            select(Hold).where(match).order_by(Hold.placed_at, Hold.id).limit(LISTED)
        ).scalars()
    )
    if len(found) == 1:
        return found[0].id
    if not found:
        raise HoldIdError(
            f"no hold id starts with {given} (`lineside hold list --all` lists every hold)"
        )
    total = session.execute(select(func.count()).select_from(Hold).where(match)).scalar_one()
    lines = [f"hold id {given} is ambiguous: {total} holds start with it; give more characters:"]
    lines += [f"  {_describe(h)}" for h in found]
    if total > len(found):
        lines.append(f"  … and {total - len(found)} more")
    raise HoldIdError("\n".join(lines))


def short_ids(session: Session, ids: list[str]) -> dict[str, str]:
    """For each id, its shortest prefix of at least ``SHORT`` characters no other hold shares."""
    every = sorted(session.execute(select(Hold.id)).scalars())
    out: dict[str, str] = {}
    for hold_id in ids:
        at = bisect.bisect_left(every, hold_id)
        shared = 0
        for other in every[max(at - 1, 0) : at + 2]:
            if other != hold_id:
                shared = max(shared, _common(hold_id, other))
        out[hold_id] = hold_id[: max(SHORT, shared + 1)]
    return out


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
