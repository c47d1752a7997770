"""The outbox (durable, ordered, answers kept) and the reference cache (persisted, overlaid)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from core import events as ev
from core.flow import RecordEvent
from core.flow.memory import feed_from_plant
from core.plant import load_plant
from core.reference import Feed, HoldRef, LotRef
from kiosk.cache import StationCache
from kiosk.outbox import Answer, Outbox
from tests.conftest import DEMO_PLANT

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def rec(payload: ev.Payload) -> RecordEvent:
    return RecordEvent(payload=payload, operator_id="EMP1001", occurred_at=NOW)


def test_events_are_numbered_durable_and_kept_with_the_state(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", "L1-SAW")
    first = box.record([rec(ev.OperatorLoggedIn(badge="EMP1001"))], '{"s": 1}')
    job = uuid.uuid4()
    more = box.record(
        [
            rec(ev.JobStarted(job_id=job, work_order="WO-1001", operation=10)),
            rec(ev.JobCancelled(job_id=job)),
        ],
        '{"s": 2}',
    )
    assert [e.seq for e in first + more] == [1, 2, 3]
    assert all(e.station_id == "L1-SAW" and e.operator_id == "EMP1001" for e in first + more)
    assert box.load_state() == '{"s": 2}'
    mode = box._db.execute("PRAGMA journal_mode").fetchone()[0]
    sync = box._db.execute("PRAGMA synchronous").fetchone()[0]
    assert (mode, sync) == ("wal", 2)  # 2 = FULL: fsync before returning
    box.close()
    # Another process sees everything after a "crash" (no clean shutdown needed).
    again = Outbox(tmp_path / "o.sqlite3", "L1-SAW")
    assert [e.seq for e in again.pending()] == [1, 2, 3]
    assert [e.type for e in again.pending(limit=2)] == ["OperatorLoggedIn", "JobStarted"]
    assert again.record([rec(ev.OperatorLoggedOut(badge="EMP1001"))])[0].seq == 4


def test_answers_and_acknowledgement(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", "L1-SAW")
    a, b = box.record(
        [rec(ev.OperatorLoggedIn(badge="EMP1001")), rec(ev.OperatorLoggedIn(badge="EMP9"))]
    )
    refused = box.answer(
        [
            Answer(str(a.id), "applied", outcome={"operator": "EMP1001"}),
            Answer(str(b.id), "rejected", "badge EMP9 is not an active operator"),
        ]
    )
    assert [e.seq for e in refused] == [2] and refused[
        0
    ].reason == "badge EMP9 is not an active operator"
    assert box.pending_count() == 0
    assert [e.seq for e in box.unacknowledged()] == [2]
    assert (
        box.answer([Answer(str(b.id), "applied")]) == []
    )  # answered once; later answers change nothing
    assert box.acknowledge([2]) == 1 and box.unacknowledged() == []
    assert box.get(str(b.id)).status == "rejected"  # type: ignore[union-attr]


def test_cache_persists_feed_pages_and_cursor(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = StationCache(path, "L1-SAW")
    assert not cache.ready
    cache.apply_page(feed_from_plant(load_plant(DEMO_PLANT), "L1-SAW", cursor=40))
    cache.apply_page(
        Feed(
            cursor=41,
            holds=[
                HoldRef(
                    id="h",
                    target_type="lot",
                    target="LOT-BAR-261101",
                    reason="suspect",
                    source="manual",
                    status="open",
                )
            ],
            barcodes={"badge": r"B\d{4}"},
        )
    )
    cache.close()
    reopened = StationCache(path, "L1-SAW")
    assert reopened.cursor == 41 and reopened.ready
    assert reopened.work_order("WO-1001") is not None and reopened.work_order("WO-2001") is None
    assert [h.reason for h in reopened.open_holds("lot", "LOT-BAR-261101")] == ["suspect"]
    assert reopened.grammar().matches("badge", "B1234")
    assert reopened.station().name == "Line 1 bar saw"  # type: ignore[union-attr]
    # A full page replaces what was cached.
    reopened.apply_page(
        Feed(cursor=50, full=True, lots=[LotRef(id="LOT-X", part="P", qty=1, status="available")])
    )
    assert reopened.lot("LOT-BAR-261101") is None and reopened.lot("LOT-X") is not None


def test_own_consumption_is_laid_over_the_cache_until_answered(tmp_path: Path) -> None:
    cache = StationCache(tmp_path / "c.sqlite3", "L1-SAW")
    cache.apply_page(feed_from_plant(load_plant(DEMO_PLANT), "L1-SAW"))
    cache.note_consumed("e1", "LOT-BAR-261101", 8)
    cache.note_consumed("e2", "LOT-BAR-261101", 100)
    assert cache.lot("LOT-BAR-261101").qty == 12  # type: ignore[union-attr]
    cache.note_consumed("e3", "LOT-BAR-261101", 12)
    assert cache.lot("LOT-BAR-261101").status == "consumed"  # type: ignore[union-attr]
    cache.note_answered("e3", applied=False, outcome=None)  # refused: the material is back
    cache.note_answered(
        "e1",
        applied=True,
        outcome={"lot": "LOT-BAR-261101", "remaining": 112.0, "lot_status": "available"},
    )
    assert cache.lot("LOT-BAR-261101").qty == 12  # type: ignore[union-attr]  # 112 from the server - 100 pending
    cache.note_answered(
        "e2",
        applied=True,
        outcome={"lot": "LOT-BAR-261101", "remaining": 12.0, "lot_status": "available"},
    )
    assert cache.lot("LOT-BAR-261101").qty == 12  # type: ignore[union-attr]


def test_outbox_file_is_plain_sqlite(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", "L1-SAW")
    box.record([rec(ev.OperatorLoggedIn(badge="EMP1001"))])
    with sqlite3.connect(tmp_path / "o.sqlite3") as db:
        assert db.execute("SELECT type, status FROM event").fetchall() == [
            ("OperatorLoggedIn", "pending")
        ]
