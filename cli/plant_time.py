"""Times as the plant reads them: its own zone (``[plant] timezone``), named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True, slots=True)
class PlantClock:
    #: IANA name, as the plant file gave it ("UTC" when no plant was imported).
    timezone: str

    def show(self, value: datetime | None, *, seconds: bool = False) -> str:
        """ "2026-12-06 14:03 CET"; "-" for no time."""
        from server.services.report import local_time

        return "-" if value is None else local_time(value, self.timezone, seconds=seconds)


def plant_clock(engine: Engine) -> PlantClock:
    """The clock of the plant in this database (the time zone ``plant import`` stored)."""
    from server.services.report import plant_info

    return PlantClock(plant_info(engine)[1])
