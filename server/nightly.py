"""The server's nightly job: yesterday's daily report, written to the reports folder.

An APScheduler background scheduler runs it every day at ``report_at`` (plant
local time). A server that was down at that hour writes the missing report when
it starts (yesterday's only: older days are one ``lineside report daily
--date D --out DIR`` away). A report that fails is logged and tried again at
the next run; it never takes the server down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.services.report import (
    plant_info,
    plant_today,
    report_paths,
    write_daily_report,
    zone,
)

log = logging.getLogger(__name__)

JOB_ID = "daily-report"


def parse_report_at(text: str) -> tuple[int, int]:
    """``"02:00"`` → (2, 0); a clear error for anything else."""
    try:
        hour_text, minute_text = text.strip().split(":")
        hour, minute = int(hour_text), int(minute_text)
    except ValueError:
        raise ValueError(f"report time {text!r} is not HH:MM (e.g. 02:00)") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"report time {text!r} is not a time of day (00:00 to 23:59)")
    return hour, minute


#: The PostgreSQL advisory lock the nightly report is written under (one process writes it).
REPORT_LOCK = 0x4C53_5250  # "LSRP"


class NightlyReports:
    def __init__(
        self,
        engine: Engine,
        folder: Path,
        report_at: str = "02:00",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.folder = Path(folder)
        self.hour, self.minute = parse_report_at(report_at)
        self.clock = clock
        self.scheduler: BackgroundScheduler | None = None

    def run(self) -> Path | None:
        """Write yesterday's report (plant day) if it is not there yet; its Markdown path.

        With several server processes on one PostgreSQL, one of them writes it: the others
        find the report lock taken and leave it (and find the files there next time)."""
        yesterday: date = plant_today(self.engine, self.clock()) - timedelta(days=1)
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if (
                postgres
                and not conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": REPORT_LOCK}
                ).scalar_one()
            ):
                log.info("daily report for %s: another server process is writing it", yesterday)
                return None
            try:
                # The chain is checked from where last night's check stopped (the full walk:
                # lineside audit verify).
                report = write_daily_report(
                    self.engine, self.folder, yesterday, now=self.clock(), incremental=True
                )
            except Exception:
                log.exception("daily report for %s failed; tried again at the next run", yesterday)
                return None
            finally:
                if postgres:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REPORT_LOCK})
        if report is None:
            return None
        path = report_paths(self.folder, yesterday)[0]
        log.info("daily report for %s written to %s", yesterday, path)
        if report.ledger_problem:
            log.error("the event log does not verify: %s", report.ledger_problem)
        return path

    def start(self) -> None:
        _, tz = plant_info(self.engine)
        scheduler = BackgroundScheduler(timezone=zone(tz))
        scheduler.add_job(
            self.run,
            CronTrigger(hour=self.hour, minute=self.minute, timezone=zone(tz)),
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        scheduler.start()
        self.scheduler = scheduler
        scheduler.add_job(self.run, id=f"{JOB_ID}-catch-up")  # at once: a report missed while down

    def next_run(self) -> datetime | None:
        if self.scheduler is None:
            return None
        job = self.scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
