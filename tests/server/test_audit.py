"""The hash-chained event log: tampering is found at the first broken link."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import ledger
from server.models import EventLog
from tests.support import event, ingest_batch


def _fill(engine: Engine, n_jobs: int = 3) -> None:
    raws = []
    for _ in range(n_jobs):
        job = uuid.uuid4()
        raws += [
            event(ev.JobStarted(job_id=job, work_order="WO-1001", operation=10), station="L1-SAW"),
            event(
                ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=155.0),
                station="L1-SAW",
            ),
            event(ev.JobCancelled(job_id=job), station="L1-SAW"),
        ]
    raws.append(
        event(ev.LotConsumed(job_id=uuid.uuid4(), lot="X", part="Y", qty=1), station="L1-SAW")
    )  # rejected
    results = ingest_batch(engine, raws, "L1-SAW")
    assert [r.status for r in results].count("applied") == 3 * n_jobs


def _ids(engine: Engine) -> list[int]:
    with Session(engine) as s:
        return list(s.execute(select(EventLog.id).order_by(EventLog.id)).scalars())


def test_intact_log_verifies(engine: Engine) -> None:
    _fill(engine)
    report = ledger.verify(engine)
    assert report.ok and report.rows == 11  # ten events and the login before them


def test_edited_row_is_found(engine: Engine) -> None:
    _fill(engine)
    target = _ids(engine)[5]  # the second job's measurement (after the login)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE event_log SET payload = replace(payload, '155.0', '154.9') WHERE id = :i"),
            {"i": target},
        )
    report = ledger.verify(engine)
    assert not report.ok and report.first_break is not None
    assert report.first_break.row_id == target and "changed" in report.first_break.problem


def test_deleted_row_is_found(engine: Engine) -> None:
    _fill(engine)
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM event_log WHERE id = :i"), {"i": ids[3]})
    brk = ledger.verify(engine).first_break
    assert brk is not None and brk.row_id == ids[4] and "does not link" in brk.problem


def test_deleted_last_row_is_found(engine: Engine) -> None:
    _fill(engine)
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM event_log WHERE id = :i"), {"i": ids[-1]})
    brk = ledger.verify(engine).first_break
    assert brk is not None and "ends early" in brk.problem


def test_reordered_rows_are_found(engine: Engine) -> None:
    _fill(engine)
    ids = _ids(engine)
    a, b = ids[2], ids[5]
    with engine.begin() as conn:  # swap two rows' positions
        conn.execute(text("UPDATE event_log SET id = -1 WHERE id = :a"), {"a": a})
        conn.execute(text("UPDATE event_log SET id = :a WHERE id = :b"), {"a": a, "b": b})
        conn.execute(text("UPDATE event_log SET id = :b WHERE id = -1"), {"b": b})
    brk = ledger.verify(engine).first_break
    assert brk is not None and brk.row_id == a


@pytest.mark.parametrize("tamper", ["none", "edit"])
def test_cli_exit_codes(engine: Engine, tamper: str) -> None:
    _fill(engine, 1)
    if tamper == "edit":
        first = _ids(engine)[0]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE event_log SET station_id = 'L1-TURN' WHERE id = :i"), {"i": first}
            )
    url = engine.url.render_as_string(hide_password=False)
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "audit", "verify", "--database-url", url],
        capture_output=True,
        text=True,
    )
    if tamper == "none":
        assert out.returncode == 0 and "intact: 5 events" in out.stdout
    else:
        assert out.returncode == 1 and "BROKEN at row" in out.stdout
