"""The CLI prints times on the plant's clock (`[plant] timezone`, kept in the database), with
the zone named; audit history says who did each event and where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from cli.main import main
from cli.plant_time import PlantClock
from tests.cli.helpers import open_ncr, place_hold, url

WINTER = datetime(2026, 11, 24, 13, 3, 5, tzinfo=UTC)  # Europe/Berlin: 14:03:05 CET
SUMMER = datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC)  # Europe/Berlin: 12:00:00 CEST


def test_the_clock_names_its_zone() -> None:
    assert PlantClock("Europe/Berlin").show(WINTER) == "2026-11-24 14:03 CET"
    assert PlantClock("Europe/Berlin").show(SUMMER, seconds=True) == "2026-07-01 12:00:00 CEST"
    assert PlantClock("UTC").show(WINTER) == "2026-11-24 13:03 UTC"
    # a zone without a letter abbreviation is named by its IANA name
    assert PlantClock("America/Sao_Paulo").show(WINTER) == "2026-11-24 10:03 America/Sao_Paulo"
    assert PlantClock("Europe/Berlin").show(WINTER.replace(tzinfo=None)) == "2026-11-24 14:03 CET"
    assert PlantClock("Europe/Berlin").show(None) == "-"


def test_audit_history_shows_plant_time_and_who(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    place_hold(engine, "LOT-SEAL-261101", "shelf life", at=WINTER)
    place_hold(engine, "LOT-SEAL-261101", "summer check", at=SUMMER, badge="EMP1007")
    assert main(["audit", "history", "LOT-SEAL-261101", "--database-url", url(engine)]) == 0
    lines = capsys.readouterr().out.splitlines()
    winter = next(line for line in lines if "shelf life" in line)
    assert winter.startswith("2026-11-24 14:03:05 CET  #")
    assert "HoldPlaced" in winter and "at SERVER by EMP1009 (Ivan Morozov)" in winter
    summer = next(line for line in lines if "summer check" in line)
    assert summer.startswith("2026-07-01 12:00:00 CEST  #") and "by EMP1007 (Gregor Lang)" in summer


def test_audit_history_json_keeps_utc_and_names_the_person(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    place_hold(engine, "LOT-SEAL-261101", "shelf life", at=WINTER)
    assert (
        main(["audit", "history", "LOT-SEAL-261101", "--json", "--database-url", url(engine)]) == 0
    )
    [row] = [r for r in json.loads(capsys.readouterr().out) if r["type"] == "HoldPlaced"]
    assert datetime.fromisoformat(row["occurred_at"]) == WINTER
    assert (row["operator_id"], row["operator_name"], row["station_id"]) == (
        "EMP1009",
        "Ivan Morozov",
        "SERVER",
    )


def test_hold_and_ncr_lists_show_plant_time(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", url(engine)]
    place_hold(engine, "LOT-SEAL-261101", "shelf life", at=WINTER)
    ncr = open_ncr(engine, "seals past shelf life", ["LOT-SEAL-261101"], SUMMER)
    assert main(["hold", "list", *db]) == 0
    out = capsys.readouterr().out
    assert "2026-11-24 14:03 CET  by EMP1009" in out
    assert main(["ncr", "list", *db]) == 0
    out = capsys.readouterr().out
    assert f"{ncr}" in out and "opened 2026-07-01 12:00 CEST" in out
    assert main(["ncr", "show", ncr, *db]) == 0
    assert "opened 2026-07-01 12:00 CEST by EMP1010" in capsys.readouterr().out


def test_the_daily_report_names_the_zone_of_its_times(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    place_hold(engine, "LOT-SEAL-261101", "shelf life", at=WINTER)
    assert main(["report", "daily", "--date", "2026-11-24", "--database-url", url(engine)]) == 0
    out = capsys.readouterr().out
    assert "Plant day 2026-11-24 00:00 CET to 2026-11-25 00:00 CET (Europe/Berlin)" in out
    assert "**LOT-SEAL-261101** (since 2026-11-24 14:03 CET)" in out


def test_trace_shows_plant_time(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from sqlmodel import Session

    from server.models import Lot

    with Session(engine) as session:
        lot = session.get(Lot, "LOT-SEAL-261101")
        assert lot is not None
        lot.created_at = WINTER  # received at 14:03:05 CET
        session.add(lot)
        session.commit()
    assert main(["trace", "LOT-SEAL-261101", "--database-url", url(engine)]) == 0
    out = capsys.readouterr().out
    assert "2026-11-24 14:03 CET" in out and not re.search(r"13:03(?! CET)", out)
