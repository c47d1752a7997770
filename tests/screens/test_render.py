"""Job blocks the screens share: limits read as people write them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.flow.state import CharacteristicPlan, Job
from screens.render import characteristics


def test_characteristics_show_only_the_limits_that_exist() -> None:
    plans = (
        CharacteristicPlan("SHAFT-DIA-G", "Bearing seat diameter", 12.006, 12.001, 12.012, "mm"),
        CharacteristicPlan("SHAFT-RA", "Surface roughness Ra", 0.4, None, 0.8, "um"),
        CharacteristicPlan("TORQUE", "Tightening torque", None, 2.5, None, "Nm"),
        CharacteristicPlan("NOTE", "Visual check", None, None, None, ""),
    )
    job = Job(
        job_id=uuid.uuid4(), work_order="WO-1001", product="SHAFT-12", product_description="",
        qty=50, operation=30, operation_name="Grind", started_at=datetime(2026, 11, 27, tzinfo=UTC),
        characteristics=plans,
    )  # fmt: skip
    text = str(characteristics(job))
    assert "12.001 … 12.012 mm" in text
    assert "≤ 0.8 um" in text and "≥ 2.5 Nm" in text and "no limits" in text
    assert "None" not in text and "∞" not in text
