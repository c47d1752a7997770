"""Everything the event log says about one lot, job, work order or station."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import as_utc
from server.models import EventLog, Job, Operator


def history(engine: Engine, target: str, limit: int = 5000) -> list[dict[str, Any]]:
    """Log rows whose payload or outcome names ``target`` (or a job that produced it), oldest
    first; each says who did it (badge and name) and where (station), times in UTC."""
    with Session(engine) as session:
        needles = {target}
        jobs = session.execute(
            select(Job.id).where(
                or_(Job.output_lot == target, Job.work_order == target, Job.id == target)
            )
        ).scalars()
        needles.update(jobs)
        conditions = [EventLog.payload.contains(f'"{n}"') for n in needles]
        conditions += [EventLog.outcome.contains(f'"{n}"') for n in needles]
        conditions.append(EventLog.station_id == target)
        rows = session.execute(
            select(EventLog, Operator.name)
            .outerjoin(Operator, Operator.badge == EventLog.operator_id)
            .where(or_(*conditions))
            .order_by(EventLog.id)
            .limit(limit)
        ).all()
        out = []
        for r, operator_name in rows:
            payload = json.loads(r.payload)
            summary = (
                ", ".join(f"{k}={v}" for k, v in payload.items() if k != "job_id")
                if isinstance(payload, dict)
                else str(payload)
            )
            if r.reason:
                summary += f"  [{r.reason}]"
            out.append(
                {
                    "row": r.id,
                    "event_id": r.event_id,
                    "type": r.type,
                    "station_id": r.station_id,
                    "operator_id": r.operator_id,
                    "operator_name": operator_name,
                    "occurred_at": as_utc(r.occurred_at),
                    "received_at": as_utc(r.received_at),
                    "status": r.status,
                    "summary": summary,
                    "hash": r.hash,
                }
            )
        return out
