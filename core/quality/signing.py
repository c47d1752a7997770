"""Dispositions and electronic signatures (21 CFR Part 11 style), as pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from core.permissions import with_article

DispositionKind = Literal["use_as_is", "rework", "scrap", "return_to_vendor", "sort"]
DISPOSITION_KINDS: tuple[str, ...] = ("use_as_is", "rework", "scrap", "return_to_vendor", "sort")
SIGNING_ROLES: frozenset[str] = frozenset({"quality_engineer", "mrb"})
MEANINGS: dict[str, str] = {
    "use_as_is": "approved use-as-is",
    "rework": "approved rework",
    "scrap": "approved scrap",
    "return_to_vendor": "approved return to vendor",
    "sort": "approved sort",
}
LOCKOUT_AFTER = 3
LOCKOUT_MINUTES = 15


def signatures_required(kind: str, critical: bool) -> int:
    """Use-as-is on a critical characteristic needs two different signers."""
    return 2 if kind == "use_as_is" and critical else 1


def signer_problem(role: str | None, badge: str, signed_by: list[str]) -> str | None:
    """Why this person may not sign (or None)."""
    if role is None:
        return f"badge {badge} is not an active operator"
    if role not in SIGNING_ROLES:
        return (
            f"{badge} is {with_article(role)}; a disposition needs a quality engineer or MRB member"
        )
    if badge in signed_by:
        return f"{badge} has already signed this disposition; a second, different signer is needed"
    return None


def locked_until(failures: list[datetime], now: datetime) -> datetime | None:
    """Signing is locked for LOCKOUT_MINUTES after LOCKOUT_AFTER wrong PINs in a row within that window."""
    window = timedelta(minutes=LOCKOUT_MINUTES)
    recent = sorted(f for f in failures if now - f < window)
    if len(recent) >= LOCKOUT_AFTER:
        until = recent[-1] + window
        return until if until > now else None
    return None
