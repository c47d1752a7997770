from __future__ import annotations

import os

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from sqlalchemy import func, select

from server.api.deps import EngineDep, SessionDep
from server.models import LedgerHead, PlantMeta
from server.schemas import Health

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=Health)
def health(session: SessionDep, engine: EngineDep) -> Health:
    plant = session.get(PlantMeta, "plant_id")
    version = session.get(PlantMeta, "plant_version")
    events = session.execute(select(func.coalesce(func.sum(LedgerHead.count), 0))).scalar_one()
    # Same connection as the session: a second one would wait on SQLite's write lock.
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    return Health(
        status="ok",
        database=engine.dialect.name,
        plant=plant.value if plant else None,
        plant_version=version.value if version else None,
        events=int(events),
        revision=revision,
        pid=os.getpid(),
    )
