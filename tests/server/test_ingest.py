"""Event ingest: idempotency, rejections with reasons, outcomes — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import models as m
from server.app import create_app
from server.services.stations import enroll
from server.settings import Settings
from tests.support import event, with_logins

ADMIN = "admin-secret-for-tests"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    app = create_app(Settings(database_url=str(engine.url), admin_token=ADMIN), engine)
    return TestClient(app)


@pytest.fixture
def turn_token(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {enroll(engine, 'L1-TURN')}"}


def post(
    client: TestClient, headers: dict[str, str], *events: dict[str, Any]
) -> list[dict[str, Any]]:
    """Post as the station does: its operators badge in before the events they record."""
    station = events[0].get("station_id", "") if events and isinstance(events[0], dict) else ""
    posted, where = with_logins(client.app.state.engine, list(events), str(station))  # type: ignore[attr-defined]
    r = client.post("/api/v1/events", json={"events": posted}, headers=headers)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    return [results[i] for i in where]


def counts(engine: Engine) -> dict[str, Any]:
    with Session(engine) as s:
        return {
            "jobs": s.execute(select(func.count()).select_from(m.Job)).scalar_one(),
            "measurements": s.execute(select(func.count()).select_from(m.Measurement)).scalar_one(),
            "log": s.execute(select(func.count()).select_from(m.EventLog)).scalar_one(),
            "bar": s.get(m.Lot, "LOT-BAR-261101").qty,  # type: ignore[union-attr]
        }


def saw_job_events(job: uuid.UUID, station: str = "L1-SAW") -> list[dict[str, Any]]:
    return [
        event(ev.JobStarted(job_id=job, work_order="WO-1001", operation=10), station=station),
        event(
            ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8.0),
            station=station,
        ),
        event(
            ev.MeasurementRecorded(
                job_id=job, characteristic="SHAFT-CUT-LEN", value=155.1, unit="mm"
            ),
            station=station,
        ),
        event(
            ev.MeasurementRecorded(
                job_id=job, characteristic="SHAFT-CUT-LEN", value=156.0, unit="mm"
            ),
            station=station,
        ),
        event(ev.DefectFlagged(job_id=job, code="DEF-BURR", qty=2), station=station),
        event(
            ev.JobCompleted(job_id=job, output_lot="LOT-SAW-TEST-1", good_qty=48, scrap_qty=2),
            station=station,
        ),
    ]


def test_full_job_is_applied_with_outcomes(client: TestClient, engine: Engine) -> None:
    headers = {"Authorization": f"Bearer {enroll(engine, 'L1-SAW')}"}
    job = uuid.uuid4()
    results = post(client, headers, *saw_job_events(job))
    assert [r["status"] for r in results] == ["applied"] * 6
    assert results[2]["outcome"]["verdict"] == "pass"
    assert results[3]["outcome"]["verdict"] == "fail"
    assert results[3]["outcome"]["usl"] == 155.5
    with Session(engine) as s:
        lot = s.get(m.Lot, "LOT-SAW-TEST-1")
        assert lot is not None and lot.qty == 48 and lot.part == "SHAFT-12"
        edges = (
            s.execute(select(m.GenealogyEdge).where(m.GenealogyEdge.child_lot == "LOT-SAW-TEST-1"))
            .scalars()
            .all()
        )
        assert [(e.parent_lot, e.qty) for e in edges] == [("LOT-BAR-261101", 8.0)]
        assert s.get(m.Lot, "LOT-BAR-261101").qty == pytest.approx(112.0)  # type: ignore[union-attr]
        assert s.get(m.Job, str(job)).status == "completed"  # type: ignore[union-attr]
        assert s.get(m.WorkOrder, "WO-1001").status == "in_progress"  # type: ignore[union-attr]
        verdicts = (
            s.execute(select(m.Measurement.verdict).order_by(m.Measurement.id)).scalars().all()
        )
        assert verdicts == ["pass", "fail"]


def test_same_batch_twice_changes_nothing(client: TestClient, engine: Engine) -> None:
    headers = {"Authorization": f"Bearer {enroll(engine, 'L1-SAW')}"}
    batch = saw_job_events(uuid.uuid4())
    first = post(client, headers, *batch)
    before = counts(engine)
    second = post(client, headers, *batch)
    assert counts(engine) == before
    assert [r["status"] for r in second] == ["duplicate"] * len(batch)
    # The server keeps its answer: the duplicate carries the first outcome.
    assert [r["outcome"] for r in second] == [r["outcome"] for r in first]
    assert [r["original_status"] for r in second] == ["applied"] * len(batch)


def test_rejected_event_is_kept_and_replay_is_duplicate(
    client: TestClient, engine: Engine, turn_token: dict[str, str]
) -> None:
    bad = event(ev.LotConsumed(job_id=uuid.uuid4(), lot="LOT-NOPE", part="X", qty=1))
    [r] = post(client, turn_token, bad)
    assert r["status"] == "rejected" and "never started" in r["reason"]
    [again] = post(client, turn_token, bad)
    assert again["status"] == "duplicate" and again["original_status"] == "rejected"
    listed = client.get(
        "/api/v1/events/rejected", headers={"Authorization": f"Bearer {ADMIN}"}
    ).json()
    assert [x["event_id"] for x in listed] == [bad["id"]]
    assert listed[0]["reason"] == r["reason"]


def _start(
    client: TestClient, headers: dict[str, str], station: str, wo: str, op: int
) -> uuid.UUID:
    job = uuid.uuid4()
    [r] = post(
        client,
        headers,
        event(ev.JobStarted(job_id=job, work_order=wo, operation=op), station=station),
    )
    assert r["status"] == "applied", r
    return job


def test_each_rejection_reason(client: TestClient, engine: Engine) -> None:
    saw = {"Authorization": f"Bearer {enroll(engine, 'L1-SAW')}"}
    job = _start(client, saw, "L1-SAW", "WO-1001", 10)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            event(
                ev.LotConsumed(job_id=job, lot="LOT-DOES-NOT-EXIST", part="BAR-C45-16", qty=1),
                station="L1-SAW",
            ),
            "does not exist",
        ),
        (
            event(
                ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201", qty=1),
                station="L1-SAW",
            ),
            "consumes BAR-C45-16",
        ),
        (
            event(
                ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=1000),
                station="L1-SAW",
            ),
            "120 left",
        ),
        (
            event(
                ev.MeasurementRecorded(job_id=job, characteristic="NO-SUCH-CHAR", value=1.0),
                station="L1-SAW",
            ),
            "unknown",
        ),
        (
            event(
                ev.MeasurementRecorded(
                    job_id=uuid.uuid4(), characteristic="SHAFT-CUT-LEN", value=6.1
                ),
                station="L1-SAW",
            ),
            "was never started",
        ),
        (
            event(
                ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-DIA", value=12.0),
                station="L1-SAW",
            ),
            "not to this job",
        ),
        (
            event(
                ev.MeasurementRecorded(
                    job_id=job, characteristic="SHAFT-CUT-LEN", value=6.1, unit="in"
                ),
                station="L1-SAW",
            ),
            "measured in mm",
        ),
        (
            event(ev.DefectFlagged(job_id=job, code="DEF-NOT-ON-SHEET"), station="L1-SAW"),
            "defect sheet",
        ),
        (
            event(
                ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-1001", operation=20),
                station="L1-SAW",
            ),
            "routed to L1-TURN",
        ),
        (
            event(
                ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-9999", operation=10),
                station="L1-SAW",
            ),
            "does not exist",
        ),
    ]
    for raw, needle in cases:
        [r] = post(client, saw, raw)
        assert r["status"] == "rejected", (raw, r)
        assert needle in r["reason"], (needle, r["reason"])
    with Session(engine) as s:
        assert s.get(m.Lot, "LOT-BAR-261101").qty == 120  # type: ignore[union-attr]
        assert s.execute(select(func.count()).select_from(m.Measurement)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(m.Defect)).scalar_one() == 0


def test_non_finite_value_is_rejected(client: TestClient, engine: Engine) -> None:
    saw = {"Authorization": f"Bearer {enroll(engine, 'L1-SAW')}"}
    job = _start(client, saw, "L1-SAW", "WO-1001", 10)
    raw = event(
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=1.0),
        station="L1-SAW",
    )
    for bad in ("NaN", "Infinity", "-Infinity", "abc"):
        raw = dict(raw, id=str(uuid.uuid4()), payload=dict(raw["payload"], value=bad))
        [r] = post(client, saw, raw)
        assert r["status"] == "rejected" and "value" in r["reason"], r


def test_held_lot_is_rejected(client: TestClient, engine: Engine) -> None:
    saw = {"Authorization": f"Bearer {enroll(engine, 'L1-SAW')}"}
    hold = event(
        ev.HoldPlaced(
            hold_id=uuid.uuid4(),
            target_type="lot",
            target="LOT-BAR-261101",
            reason="mill cert missing",
        ),
        station="L1-SAW",
        operator="EMP1009",
    )
    [h] = post(client, saw, hold)
    assert h["status"] == "applied", h
    job = _start(client, saw, "L1-SAW", "WO-1001", 10)
    [r] = post(
        client,
        saw,
        event(
            ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=1),
            station="L1-SAW",
        ),
    )
    assert r["status"] == "rejected" and "on hold: mill cert missing" in r["reason"]


def test_malformed_events_are_kept_not_dropped(
    client: TestClient, engine: Engine, turn_token: dict[str, str]
) -> None:
    good_id = str(uuid.uuid4())
    raws = [
        {
            "id": good_id,
            "type": "JobStarted",
            "station_id": "L1-TURN",
            "occurred_at": "2026-11-25T10:00:00Z",
            "seq": 1,
            "payload": {"job_id": "not-a-uuid", "work_order": "WO-1001", "operation": 20},
        },
        {"id": "garbage", "type": "Nope"},
        {
            "id": str(uuid.uuid4()),
            "type": "JobStarted",
            "station_id": "L1-TURN",
            "occurred_at": "2026-11-25T10:00:00",
            "seq": 2,
            "payload": {},
        },
    ]
    results = post(client, turn_token, *raws)
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert "job_id" in results[0]["reason"]
    assert "timezone" in results[2]["reason"]
    with Session(engine) as s:
        stored = s.execute(select(m.EventLog).order_by(m.EventLog.id)).scalars().all()
        assert len(stored) == 3 and all(row.status == "rejected" for row in stored)
        assert stored[0].event_id == good_id
        assert '"garbage"' in stored[1].payload


def test_station_may_post_only_as_itself(
    client: TestClient, engine: Engine, turn_token: dict[str, str]
) -> None:
    raw = event(
        ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-1001", operation=10), station="L1-SAW"
    )
    [r] = post(client, turn_token, raw)
    assert r["status"] == "rejected" and "may not post events as station L1-SAW" in r["reason"]


def test_unknown_and_revoked_tokens_get_401(client: TestClient, engine: Engine) -> None:
    body = {"events": []}
    assert client.post("/api/v1/events", json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/events", json=body, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    token = enroll(engine, "L1-TURN")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/events", json=body, headers=headers).status_code == 200
    with Session(engine) as s:
        st = s.get(m.Station, "L1-TURN")
        assert st is not None and st.token_hash != token  # stored hashed
        from datetime import UTC, datetime

        st.token_revoked_at = datetime.now(UTC)
        s.add(st)
        s.commit()
    r = client.post("/api/v1/events", json=body, headers=headers)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_malformed_batch_payload_is_422_with_reason(
    client: TestClient, turn_token: dict[str, str]
) -> None:
    r = client.post("/api/v1/events", json={"evnts": []}, headers=turn_token)
    assert r.status_code == 422 and "events" in r.json()["detail"]


def test_work_order_closed_and_station_checks(
    client: TestClient, engine: Engine, turn_token: dict[str, str]
) -> None:
    with Session(engine) as s:
        wo = s.get(m.WorkOrder, "WO-1002")
        assert wo is not None
        wo.status = "closed"
        s.add(wo)
        s.commit()
    [r] = post(
        client,
        turn_token,
        event(ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-1002", operation=20)),
    )
    assert r["status"] == "rejected" and "closed" in r["reason"]


def test_openapi_spec_validates(client: TestClient) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").json()
    validate(spec)
    assert (
        "/api/v1/events" in spec["paths"] and "/api/v1/stations/{station_id}/feed" in spec["paths"]
    )


def test_health_and_lot(client: TestClient, engine: Engine, turn_token: dict[str, str]) -> None:
    h = client.get("/api/v1/health").json()
    assert h["status"] == "ok" and h["plant"] == "riverside-1"
    lot = client.get("/api/v1/lots/LOT-BAR-261101", headers=turn_token).json()
    assert lot["part"] == "BAR-C45-16" and lot["supplier_lot"] == "H58821" and lot["qty"] == 120
    assert client.get("/api/v1/lots/LOT-NOPE", headers=turn_token).status_code == 404


def test_a_batch_defers_the_wal_flush_per_event_not_for_good(engine: Engine) -> None:
    """Inside a batch each event's commit skips the WAL flush (one synchronous commit ends the
    batch); the setting is the transaction's own and never outlives it."""
    from sqlalchemy import text

    from server import ledger

    with Session(engine) as s:
        head = ledger.lock_chain(s, "L1-SAW", defer_wal_flush=True)
        assert head.chain == "L1-SAW"
        if engine.dialect.name == "postgresql":
            assert s.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
        s.commit()
        if engine.dialect.name == "postgresql":
            assert s.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
        s.rollback()
        assert ledger.lock_chain(s, "L1-SAW").count == head.count
