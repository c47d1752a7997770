"""NCR numbers and what an NCR holds."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from core.quality.reactions import DEFAULTS
from server import models as m
from server.models_quality import Ncr
from server.services.revs import next_counter


def new_ncr_id(session: Session, when: datetime) -> str:
    return f"NCR-{when.year}-{next_counter(session, f'ncr-{when.year}'):05d}"


def quality_settings(session: Session) -> dict[str, list[str]]:
    """The plant's reaction defaults (``on_fail``, ``on_critical_defect``)."""
    row = session.get(m.PlantMeta, "quality")
    data = json.loads(row.value) if row else {}
    return {key: list(data.get(key, default)) for key, default in DEFAULTS.items()}


def ncr_holds(session: Session, ncr_id: str) -> list[m.Hold]:
    return list(
        session.execute(
            select(m.Hold).where(m.Hold.ncr == ncr_id, m.Hold.status == "open")
        ).scalars()
    )


def ncr_lots(session: Session, ncr: Ncr) -> list[m.Lot]:
    ids = list(
        dict.fromkeys(
            list(ncr.lots)
            + [h.target for h in ncr_holds(session, ncr.id) if h.target_type == "lot"]
        )
    )
    return [lot for lot in (session.get(m.Lot, i) for i in ids) if lot is not None]
