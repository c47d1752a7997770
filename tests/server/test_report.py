"""The daily report and the nightly job (SQLite and PostgreSQL).

The demo plant is in Europe/Berlin: its 24 November 2026 runs from
23 November 23:00 UTC to 24 November 23:00 UTC.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from core import events as ev
from server import models as m
from server.apply import pipeline
from server.models_quality import Ncr
from server.nightly import NightlyReports, parse_report_at
from server.services.report import daily_report, day_bounds, report_paths, write_daily_report
from tests.support import event, ingest_batch

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 24)


def saw_job(engine: Engine, at: datetime, *, length: float, good: float, scrap: float,
            defects: float = 0) -> list[Any]:  # fmt: skip
    job = uuid.uuid4()
    lot = f"LOT-L1-SAW-R{job.hex[:6]}"
    payloads: list[ev.Payload] = [
        # WO-1002 (100 shafts): the 88 sawn over these days would over-run WO-1001 (50)
        ev.JobStarted(job_id=job, work_order="WO-1002", operation=10, output_lot=lot),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=length, unit="mm"),
    ]
    if defects:
        payloads.append(ev.DefectFlagged(job_id=job, code="DEF-BURR", qty=defects))
    payloads.append(ev.JobCompleted(job_id=job, output_lot=lot, good_qty=good, scrap_qty=scrap))
    raws = [
        event(p, station="L1-SAW", occurred_at=at + timedelta(minutes=i))
        for i, p in enumerate(payloads)
    ]
    results = ingest_batch(engine, raws, "L1-SAW")
    assert [r.status for r in results] == ["applied"] * len(raws), [r.reason for r in results]
    return results


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


def test_the_report_counts_one_plant_day_in_the_plants_time_zone(engine: Engine) -> None:
    saw_job(
        engine, local(2026, 11, 24, 0, 10), length=155.1, good=30, scrap=0
    )  # 23:10 UTC the 23rd
    failed = saw_job(engine, local(2026, 11, 24, 14), length=157.2, good=48, scrap=2, defects=2)
    saw_job(engine, local(2026, 11, 25, 0, 5), length=155.0, good=10, scrap=0)  # the next plant day
    ncr_id = failed[2].outcome["ncr"]

    report = daily_report(engine, DAY)
    assert (report.plant, report.timezone) == ("Riverside Pumps, Plant 1", "Europe/Berlin")
    assert (report.start, report.end) == day_bounds(DAY, "Europe/Berlin")
    assert report.start == datetime(2026, 11, 23, 23, tzinfo=UTC)
    [line] = report.production
    assert (line.station, line.work_order, line.jobs, line.good, line.scrap) == (
        "L1-SAW", "WO-1002", 2, 78, 2,
    )  # fmt: skip
    assert report.first_pass_yield == pytest.approx(78 / 80)
    [cut] = report.characteristics
    assert (cut.characteristic, cut.measured, cut.failed) == ("SHAFT-CUT-LEN", 2, 1)
    [burr] = report.defects
    assert (burr.code, burr.qty, burr.times) == ("DEF-BURR", 2, 1)
    # what is open is open now, whatever the day
    assert report.open_ncrs == 1 and [n.id for n in report.open_ncr_list] == [ncr_id]
    assert report.open_holds == 1 and "157.2" in report.open_hold_list[0].what
    assert report.ledger_problem is None
    with Session(engine) as s:
        rows = s.execute(select(m.EventLog)).scalars().all()
        [hold] = s.execute(select(m.Hold)).scalars().all()
        ncr = s.get(Ncr, ncr_id)
        assert ncr is not None
    assert report.ledger_rows == len(rows)

    # holds and NCRs count on the day they were placed or opened, events on the day received
    def day_of(at: datetime) -> date:
        return at.replace(tzinfo=at.tzinfo or UTC).astimezone(BERLIN).date()

    placed = daily_report(engine, day_of(hold.placed_at))
    assert placed.holds_placed == {"failed_check": 1}
    assert daily_report(engine, day_of(ncr.opened_at)).ncrs_opened == 1
    received = daily_report(engine, day_of(rows[0].received_at))
    assert received.events_applied == len(rows) and received.events_rejected == 0

    next_day = daily_report(engine, DAY + timedelta(days=1))
    assert [(p.jobs, p.good) for p in next_day.production] == [(1, 10)]
    assert next_day.failed == 0 and next_day.defects == []

    text = report.to_markdown()
    assert text.startswith("# Riverside Pumps, Plant 1: daily report for 2026-11-24")
    assert (
        "Good 78 across operations, 0 finished (out of their last operation); scrap 2, first-pass yield 97.5 %"
        in text
    )
    # op 10 of four: its good units are not finished yet (the arrow says the routing goes on)
    assert "| L1-SAW | WO-1002 | 10 → | 2 | 78 | 2 | 97.5 % |" in text
    assert "| SHAFT-CUT-LEN | 2 | 1 | 50.0 % |" in text
    assert f"**{ncr_id}**" in text and "the hash chain verifies" in text
    data = json.loads(report.to_json())
    assert data["totals"] == {
        "finished": 0, "good_at_operations": 78, "scrap": 2, "first_pass_yield": 0.975, "measured": 2, "failed": 1,
    }  # fmt: skip
    assert data["production"][0]["first_pass_yield"] == 0.975 and data["day"] == "2026-11-24"


def test_refused_events_and_a_quiet_day(engine: Engine) -> None:
    job = uuid.uuid4()
    [refused] = pipeline.ingest_batch(  # refused: nobody is logged in at the lathe
        engine,
        [event(ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-DIA", value=12.0),
               station="L1-TURN")],
        "L1-TURN",
    )  # fmt: skip
    assert refused.status == "rejected"
    with Session(engine) as s:
        [row] = s.execute(select(m.EventLog)).scalars().all()
    received = row.received_at.replace(tzinfo=row.received_at.tzinfo or UTC).astimezone(BERLIN)
    report = daily_report(engine, received.date())
    assert (report.events_applied, report.events_rejected) == (0, 1)
    assert report.rejection_reasons == {
        "EMP1001 (Anna Keller) is not logged in at L1-TURN: log in with the badge first": 1
    }
    quiet = daily_report(engine, DAY).to_markdown()
    for words in ("No job was completed.", "Nothing was measured.", "No defect was flagged.",
                  "No open hold.", "No open NCR.", "No SPC signal."):  # fmt: skip
        assert words in quiet, words
    assert "first-pass yield n/a" in quiet


def test_a_tampered_log_shows_in_the_report(engine: Engine) -> None:
    saw_job(engine, local(2026, 11, 24, 9), length=155.1, good=30, scrap=0)
    with Session(engine) as s:
        first_id = s.execute(select(m.EventLog.id).order_by(m.EventLog.id)).scalars().first()
        s.execute(update(m.EventLog).where(m.EventLog.id == first_id).values(operator_id="EMP1003"))
        s.commit()
    report = daily_report(engine, DAY)
    assert report.ledger_problem is not None
    assert f"row {first_id}" in report.ledger_problem and "changed" in report.ledger_problem
    assert "Event log: BROKEN" in report.to_markdown()
    unchecked = daily_report(engine, DAY, verify_chain=False)
    assert unchecked.ledger_problem is None and not unchecked.ledger_checked
    assert "Event log: not checked" in unchecked.to_markdown()


def test_the_nightly_job_writes_yesterdays_report_once(engine: Engine, tmp_path: Path) -> None:
    saw_job(engine, local(2026, 11, 24, 14), length=157.2, good=48, scrap=2)
    nightly = NightlyReports(engine, tmp_path / "reports", "02:00",
                             clock=lambda: local(2026, 11, 25, 2, 0))  # fmt: skip
    written = nightly.run()
    md, js = report_paths(tmp_path / "reports", DAY)
    assert written == md and md.exists() and js.exists()
    assert json.loads(js.read_text())["totals"]["good_at_operations"] == 48
    assert "daily report for 2026-11-24" in md.read_text()
    before = md.stat().st_mtime_ns
    assert nightly.run() is None and md.stat().st_mtime_ns == before  # not written twice
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [js.name, md.name]
    # --redo (as the CLI offers) replaces it
    assert write_daily_report(engine, tmp_path / "reports", DAY, redo=True) is not None


def test_the_scheduler_runs_at_the_plant_time_and_catches_up(
    engine: Engine, tmp_path: Path
) -> None:
    nightly = NightlyReports(engine, tmp_path, "02:30")
    nightly.start()
    try:
        due = nightly.next_run()
        assert due is not None
        assert (due.hour, due.minute) == (2, 30) and due.utcoffset() == due.astimezone(
            BERLIN
        ).utcoffset()
        assert timedelta(0) < due - datetime.now(UTC) <= timedelta(days=1)
        # the server was down last night: yesterday's report is written as it starts
        yesterday = datetime.now(UTC).astimezone(BERLIN).date() - timedelta(days=1)
        md, _ = report_paths(tmp_path, yesterday)
        deadline = time.monotonic() + 20
        while not md.exists():
            assert time.monotonic() < deadline, "the catch-up report was never written"
            time.sleep(0.05)
    finally:
        nightly.stop()
    assert nightly.next_run() is None


def test_report_time_is_checked() -> None:
    assert parse_report_at("02:00") == (2, 0) and parse_report_at(" 23:59 ") == (23, 59)
    for bad, words in (("2am", "not HH:MM"), ("24:00", "not a time of day"), ("", "not HH:MM")):
        with pytest.raises(ValueError, match=words):
            parse_report_at(bad)


def test_cli_prints_writes_and_refuses(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saw_job(engine, local(2026, 11, 24, 14), length=155.2, good=20, scrap=0)
    assert main(["report", "daily", "--date", "2026-11-24", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "daily report for 2026-11-24" in out
    assert "| L1-SAW | WO-1002 | 10 → | 1 | 20 | 0 | 100.0 % |" in out
    assert (
        main(["report", "daily", "--date", "2026-11-24", "--json", "--database-url", db_url]) == 0
    )
    assert json.loads(capsys.readouterr().out)["totals"]["good_at_operations"] == 20
    args = [
        "report",
        "daily",
        "--date",
        "2026-11-24",
        "--out",
        str(tmp_path),
        "--database-url",
        db_url,
    ]
    assert main(args) == 0
    assert "written to" in capsys.readouterr().out and report_paths(tmp_path, DAY)[0].exists()
    assert main(args) == 0
    assert "already in" in capsys.readouterr().out
    assert main(["report", "daily", "--date", "24.11.2026", "--database-url", db_url]) == 2
    assert "is not YYYY-MM-DD" in capsys.readouterr().out
    assert main(["report", "daily", "--date", "2999-01-01", "--database-url", db_url]) == 2
    assert "has not happened yet" in capsys.readouterr().out


def test_a_bad_report_time_stops_the_server_with_a_reason(engine: Engine, tmp_path: Path) -> None:
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(admin_token="x" * 32, reports_dir=str(tmp_path), report_at="25:00")
    with pytest.raises(RuntimeError, match="LINESIDE_REPORT_AT: report time '25:00'"):
        create_app(settings, engine)


def test_a_unit_through_four_operations_is_finished_once(engine: Engine) -> None:
    """Stock and production count each physical unit once: 10 shafts sawn, turned, ground and
    inspected are 40 good across operations and 10 finished."""
    from tests.support import through

    at = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    through(engine, "WO-1001", 10**6, lot="LOT-FOUR-OPS", qty=10, at=at)
    report = daily_report(engine, date(2026, 11, 25))
    assert report.good == 10 and report.good_at_operations == 40
    assert [(p.station, p.operation, p.last) for p in report.production] == [
        ("L1-GRIND", 30, False),
        ("L1-INSP", 40, True),
        ("L1-SAW", 10, False),
        ("L1-TURN", 20, False),
    ]
    with Session(engine) as s:
        lot = s.get(m.Lot, "LOT-FOUR-OPS")
        assert lot is not None and (lot.qty, lot.status) == (10, "available")


def test_with_several_server_processes_one_writes_the_nightly_report(
    engine: Engine, tmp_path: Path
) -> None:
    """On PostgreSQL the report is written under an advisory lock: while another process holds
    it, this one writes nothing; then the report is written once."""
    from sqlalchemy import text

    from server.nightly import REPORT_LOCK

    nightly = NightlyReports(
        engine, tmp_path, clock=lambda: datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    )
    if engine.dialect.name != "postgresql":
        assert nightly.run() is not None  # one process only: nothing to share
        return
    with engine.connect() as other:
        assert other.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": REPORT_LOCK}
        ).scalar_one()
        assert nightly.run() is None and not list(tmp_path.iterdir())
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REPORT_LOCK})
    written = nightly.run()
    assert written is not None and written.exists()
    assert nightly.run() is None  # already there
