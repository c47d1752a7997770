"""The quality loop on the server: failure → hold → NCR → signed disposition (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import ledger
from server import models as m
from server.models_quality import Ncr, Notification, Signature, SignFailure
from server.quality import actions as qe
from server.services.feed import station_feed
from server.services.history import history
from tests.support import event, ingest_batch, ingest_one, through


def run(
    engine: Engine, station: str, *payloads: ev.Payload, operator: str = "EMP1001"
) -> list[Any]:
    raws = [event(p, station=station, operator=operator) for p in payloads]
    return ingest_batch(engine, raws, station)


def failing_saw_job(
    engine: Engine, output_lot: str = "LOT-L1-SAW-T1", good: float = 40
) -> tuple[uuid.UUID, Any]:
    job = uuid.uuid4()
    results = run(
        engine,
        "L1-SAW",
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10, output_lot=output_lot),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=157.2, unit="mm"),
        ev.JobCompleted(job_id=job, output_lot=output_lot, good_qty=good, scrap_qty=0),
    )
    assert [r.status for r in results] == ["applied"] * 4, [r.reason for r in results]
    return job, results[2]


def test_failing_measurement_holds_lot_and_opens_ncr(engine: Engine) -> None:
    _, measured = failing_saw_job(engine)
    assert measured.outcome["verdict"] == "fail"
    ncr_id = measured.outcome["ncr"]
    assert ncr_id and ncr_id.startswith("NCR-")
    kinds = [r["kind"] for r in measured.outcome["reactions"]]
    assert kinds == ["hold_lot", "notify"]  # the plant's default on_fail
    with Session(engine) as s:
        lot = s.get(m.Lot, "LOT-L1-SAW-T1")
        assert lot is not None and lot.status == "on_hold"
        [hold] = s.execute(select(m.Hold).where(m.Hold.target == "LOT-L1-SAW-T1")).scalars().all()
        assert hold.ncr == ncr_id and hold.source == "failed_check" and "157.2" in hold.reason
        ncr = s.get(Ncr, ncr_id)
        assert (
            ncr is not None and ncr.measurements[0]["value"] == 157.2 and ncr.station_id == "L1-SAW"
        )
        assert s.execute(select(func.count()).select_from(Notification)).scalar_one() == 1
    # every station learns of it through the feed
    feed = station_feed(engine, "L1-TURN", 0)
    assert any(h.target == "LOT-L1-SAW-T1" and h.status == "open" for h in feed.holds)
    # and the next operation cannot consume it... (turning has no BOM, so check via the API rule on a lot)
    assert ledger.verify(engine).ok


def test_reaction_happens_once_per_failure(engine: Engine) -> None:
    job = uuid.uuid4()
    raws = [
        event(
            ev.JobStarted(job_id=job, work_order="WO-1001", operation=10, output_lot="LOT-ONCE"),
            station="L1-SAW",
        ),
        event(
            ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=150.0),
            station="L1-SAW",
        ),
    ]
    first = ingest_batch(engine, raws, "L1-SAW")
    again = ingest_batch(engine, raws, "L1-SAW")
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert again[1].outcome["ncr"] == first[1].outcome["ncr"]
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(m.Hold)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Ncr)).scalar_one() == 1


def test_critical_defect_holds_station_and_requests_line_stop(engine: Engine) -> None:
    job = uuid.uuid4()
    wip = through(engine, "WO-2001", 20, lot="LOT-ASSY-1")  # bearing pressed at L2-PRESS first
    with Session(engine) as s:
        pressed = s.execute(select(func.max(m.EventLog.id))).scalar_one()
    results = run(
        engine,
        "L2-ASSY",
        ev.JobStarted(
            job_id=job, work_order="WO-2001", operation=20, output_lot="LOT-ASSY-1", lot=wip
        ),
        ev.DefectFlagged(job_id=job, code="DEF-SEAL-MISSING", qty=1),
    )
    outcome = results[1].outcome
    assert [r["kind"] for r in outcome["reactions"]] == [
        "hold_lot",
        "hold_station",
        "line_stop",
        "notify",
    ]
    with Session(engine) as s:
        log_types = (
            s.execute(
                select(m.EventLog.type).where(m.EventLog.id > pressed).order_by(m.EventLog.id)
            )
            .scalars()
            .all()
        )
    assert log_types == [
        "OperatorLoggedIn",
        "JobStarted",
        "DefectFlagged",
        "NcrOpened",
        "HoldPlaced",
        "HoldPlaced",
        "LineStopRequested",
        "SupervisorNotified",
    ]
    other = through(engine, "WO-2002", 20)  # pressed at L2-PRESS, which is not on hold
    again = ev.JobStarted(job_id=uuid.uuid4(), work_order="WO-2002", operation=20, lot=other)
    [blocked] = run(engine, "L2-ASSY", again)
    assert blocked.status == "rejected" and "station L2-ASSY is on hold" in blocked.reason


def test_held_lot_refused_at_another_station_with_reason(engine: Engine) -> None:
    failing_saw_job(engine, "LOT-SHAFT-BAD")
    job = uuid.uuid4()
    results = run(
        engine,
        "L2-PRESS",
        ev.JobStarted(job_id=job, work_order="WO-2001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-SHAFT-BAD", part="SHAFT-12", qty=1),
    )
    assert results[1].status == "rejected"
    assert "LOT-SHAFT-BAD is on hold: SHAFT-CUT-LEN" in results[1].reason


def _sign(engine: Engine, ncr: str, kind: str | None, badge: str, pin: str, **kw: Any) -> Any:
    return qe.sign_disposition(engine, ncr, kind=kind or "use_as_is", badge=badge, pin=pin, **kw)


def test_wrong_role_wrong_pin_and_lockout_are_refused_and_recorded(engine: Engine) -> None:
    _, measured = failing_saw_job(engine)
    ncr = measured.outcome["ncr"]
    r = _sign(engine, ncr, "scrap", "EMP1009", "1009")  # a supervisor, not QE/MRB
    assert r.status == "rejected" and "quality engineer or MRB" in r.reason
    r = _sign(engine, ncr, "scrap", "EMP1010", "0000")
    assert r.status == "rejected" and "wrong PIN" in r.reason
    for _ in range(2):
        _sign(engine, ncr, "scrap", "EMP1010", "9999")
    r = _sign(engine, ncr, "scrap", "EMP1010", "1010")  # right PIN, but locked now
    assert r.status == "rejected" and "locked" in r.reason
    later = datetime.now(UTC) + timedelta(minutes=16)
    r = qe.sign_disposition(engine, ncr, kind="scrap", badge="EMP1010", pin="1010", now=later)
    assert r.status == "applied", r.reason
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(SignFailure)).scalar_one() == 3
        refused = (
            s.execute(select(m.EventLog).where(m.EventLog.type == "SignatureRefused"))
            .scalars()
            .all()
        )
        assert len(refused) == 5 and [r.operator_id for r in refused].count("EMP1010") == 4
        assert not any(
            '"1010"' in row.payload or '"0000"' in row.payload
            for row in s.execute(select(m.EventLog)).scalars()
        )


def test_critical_use_as_is_needs_two_different_signers(engine: Engine) -> None:
    job = uuid.uuid4()
    wip = through(engine, "WO-2001", 30, lot="LOT-LEAK-1", qty=10)  # pressed and assembled first
    results = run(
        engine,
        "L2-LEAK",
        ev.JobStarted(
            job_id=job, work_order="WO-2001", operation=30, output_lot="LOT-LEAK-1", lot=wip
        ),
        ev.MeasurementRecorded(job_id=job, characteristic="PUMP-LEAK", value=0.9, unit="cc/min"),
        ev.JobCompleted(job_id=job, output_lot="LOT-LEAK-1", good_qty=10),
    )
    ncr = results[1].outcome["ncr"]
    first = _sign(engine, ncr, "use_as_is", "EMP1010", "1010")
    assert first.status == "applied" and first.outcome["status"] == "awaiting second signature"
    with Session(engine) as s:
        assert s.get(m.Lot, "LOT-LEAK-1").status == "on_hold"  # type: ignore[union-attr]
    same = _sign(engine, ncr, None, "EMP1010", "1010")
    assert same.status == "rejected" and "second, different signer" in same.reason
    second = _sign(engine, ncr, None, "EMP1011", "1011")
    assert second.status == "applied" and second.outcome["status"] == "executed"
    with Session(engine) as s:
        # released, the pumps go back to work in process: op 40 (pack out) is still to do
        assert s.get(m.Lot, "LOT-LEAK-1").status == "wip"  # type: ignore[union-attr]
        assert s.get(Ncr, ncr).status == "closed"  # type: ignore[union-attr]
        sigs = s.execute(select(Signature).order_by(Signature.id)).scalars().all()
        assert [(x.signer, x.meaning) for x in sigs] == [
            ("EMP1010", "approved use-as-is"),
            ("EMP1011", "approved use-as-is"),
        ]
        assert all(len(x.record_hash) == 64 for x in sigs)
    assert ledger.verify(engine).ok
    rows = history(engine, "LOT-LEAK-1")
    types = [r["type"] for r in rows]
    for expected in ("JobStarted", "MeasurementRecorded", "HoldPlaced", "JobCompleted"):
        assert expected in types
    ncr_rows = history(engine, ncr)
    assert [r["type"] for r in ncr_rows if r["status"] == "applied"].count("DispositionSigned") == 2


def test_scrap_kills_the_lot_everywhere(engine: Engine) -> None:
    _, measured = failing_saw_job(engine, "LOT-SCRAP-ME")
    cursor = station_feed(engine, "L2-PRESS", 0).cursor
    r = _sign(engine, measured.outcome["ncr"], "scrap", "EMP1011", "1011")
    assert r.status == "applied" and r.outcome["executed"]["lots"] == {"LOT-SCRAP-ME": "scrapped"}
    feed = station_feed(engine, "L2-PRESS", cursor)
    assert [(lot.id, lot.status, lot.qty) for lot in feed.lots] == [
        ("LOT-SCRAP-ME", "scrapped", 0.0)
    ]
    assert [h.status for h in feed.holds] == ["released"]
    job = uuid.uuid4()
    res = run(
        engine,
        "L2-PRESS",
        ev.JobStarted(job_id=job, work_order="WO-2001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-SCRAP-ME", part="SHAFT-12", qty=1),
    )
    assert res[1].status == "rejected" and "scrapped" in res[1].reason


def test_rework_creates_a_rework_order_that_keeps_history(engine: Engine) -> None:
    _, measured = failing_saw_job(engine, "LOT-RW-1", good=30)
    r = _sign(
        engine, measured.outcome["ncr"], "rework", "EMP1010", "1010", details={"operation": 20}
    )
    assert r.status == "applied", r.reason
    [wo_number] = r.outcome["executed"]["work_orders"]
    feed = station_feed(engine, "L1-TURN", 0)
    rework = next(w for w in feed.work_orders if w.number == wo_number)
    assert rework.kind == "rework" and rework.rework_lot == "LOT-RW-1" and rework.qty == 30
    job = uuid.uuid4()
    res = run(
        engine,
        "L1-TURN",
        ev.JobStarted(job_id=job, work_order=wo_number, operation=20),
        ev.JobCompleted(job_id=job, output_lot="LOT-RW-1-R", good_qty=29, scrap_qty=1),
    )
    assert [x.status for x in res] == ["applied", "applied"], [x.reason for x in res]
    with Session(engine) as s:
        edge = s.execute(
            select(m.GenealogyEdge).where(m.GenealogyEdge.child_lot == "LOT-RW-1-R")
        ).scalar_one()
        assert (edge.parent_lot, edge.kind, edge.qty) == ("LOT-RW-1", "rework", 30)
        assert s.get(m.Lot, "LOT-RW-1").status == "consumed"  # type: ignore[union-attr]


def test_return_to_vendor_only_for_purchased_lots(engine: Engine) -> None:
    _, measured = failing_saw_job(engine)
    r = _sign(engine, measured.outcome["ncr"], "return_to_vendor", "EMP1010", "1010")
    assert r.status == "rejected" and "purchased" in r.reason
    ncr, _ = qe.open_ncr(
        engine, title="Bearings noisy on receipt", badge="EMP1010", lots=["LOT-BRG-261101"]
    )
    assert ncr is not None
    r = _sign(engine, ncr, "return_to_vendor", "EMP1010", "1010")
    assert r.status == "applied"
    assert r.outcome["executed"]["returned"] == [
        {"lot": "LOT-BRG-261101", "supplier": "SUP-BEARING", "supplier_lot": "KR6201-88412"}
    ]


def test_sort_splits_the_lot(engine: Engine) -> None:
    _, measured = failing_saw_job(engine, "LOT-SORT-1", good=40)
    ncr = measured.outcome["ncr"]
    bad = _sign(
        engine,
        ncr,
        "sort",
        "EMP1010",
        "1010",
        details={"release_qty": 30, "scrap_qty": 5, "rework_qty": 0},
    )
    assert bad.status == "rejected" and "add up to 35" in bad.reason
    ok = _sign(
        engine,
        ncr,
        "sort",
        "EMP1010",
        "1010",
        details={"release_qty": 30, "scrap_qty": 6, "rework_qty": 4, "operation": 20},
    )
    assert ok.status == "applied", ok.reason
    with Session(engine) as s:
        # the 30 released are only sawn: back to work in process for op 20
        sorted_lot = s.get(m.Lot, "LOT-SORT-1")
        assert sorted_lot is not None and (sorted_lot.status, sorted_lot.qty) == ("wip", 30)
        assert s.get(m.Lot, "LOT-SORT-1-S").status == "scrapped"  # type: ignore[union-attr]
        assert s.get(m.Lot, "LOT-SORT-1-R").status == "rework"  # type: ignore[union-attr]


def test_manual_hold_with_downstream_and_release(engine: Engine) -> None:
    job = uuid.uuid4()
    run(
        engine,
        "L1-SAW",
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261102", part="BAR-C45-16", qty=8),
        ev.JobCompleted(job_id=job, output_lot="LOT-CHILD-1", good_qty=50),
    )
    refused = qe.place_hold(
        engine, target_type="lot", target="LOT-BAR-261102", reason="x", badge="EMP1001"
    )
    assert refused.status == "rejected" and "supervisor" in refused.reason
    r = qe.place_hold(
        engine,
        target_type="lot",
        target="LOT-BAR-261102",
        reason="mill cert wrong heat",
        badge="EMP1010",
        include_downstream=True,
    )
    assert r.status == "applied" and r.outcome["held"] == ["LOT-BAR-261102", "LOT-CHILD-1"]
    with Session(engine) as s:
        assert s.get(m.Lot, "LOT-CHILD-1").status == "on_hold"  # type: ignore[union-attr]
    rel = qe.release_hold(engine, r.outcome["hold_id"], badge="EMP1009", note="cert found")
    assert rel.status == "applied"
    with Session(engine) as s:
        assert s.get(m.Lot, "LOT-BAR-261102").status == "available"  # type: ignore[union-attr]


def test_ncr_hold_is_released_only_by_disposition(engine: Engine) -> None:
    failing_saw_job(engine, "LOT-NCR-H")
    with Session(engine) as s:
        hold = s.execute(select(m.Hold).where(m.Hold.target == "LOT-NCR-H")).scalar_one()
    r = qe.release_hold(engine, hold.id, badge="EMP1009")
    assert r.status == "rejected" and "disposition" in r.reason


def test_station_cannot_forge_server_events(engine: Engine) -> None:
    raw = event(
        ev.DispositionSigned(
            disposition_id=uuid.uuid4(),
            ncr="NCR-2026-00001",
            kind="use_as_is",
            signer="EMP1010",
            meaning="approved use-as-is",
        ),
        station="L1-TURN",
    )
    r = ingest_one(engine, raw, "L1-TURN")
    assert r.status == "rejected" and "is not recorded at a station" in r.reason
    raw = event(
        ev.NcrOpened(ncr="NCR-2026-09999", title="forged", source="manual"), station="L1-TURN"
    )
    r = ingest_one(engine, raw, "L1-TURN")
    assert r.status == "rejected" and "is not recorded at a station" in r.reason
    raw = event(ev.SupervisorNotified(kind="x", message="forged"), station="L1-TURN")
    r = ingest_one(engine, raw, "L1-TURN")
    assert r.status == "rejected" and "recorded by the server only" in r.reason


@pytest.mark.parametrize("path", ["/api/v1/holds", "/api/v1/ncrs"])
def test_quality_api_lists(live_server: Any, path: str) -> None:
    import httpx

    failing_saw_job(live_server.engine)
    r = httpx.get(live_server.url + path, headers=live_server.headers(), timeout=10)
    assert r.status_code == 200 and len(r.json()) == 1


def test_quality_api_disposition(live_server: Any) -> None:
    import httpx

    _, measured = failing_saw_job(live_server.engine)
    ncr = measured.outcome["ncr"]
    url = f"{live_server.url}/api/v1/ncrs/{ncr}/disposition"
    bad = httpx.post(
        url,
        json={"kind": "scrap", "badge": "EMP1001", "pin": "1001"},
        headers=live_server.headers(),
        timeout=10,
    )
    assert bad.status_code == 422 and "quality engineer" in bad.json()["detail"]
    good = httpx.post(
        url,
        json={"kind": "scrap", "badge": "EMP1010", "pin": "1010"},
        headers=live_server.headers(),
        timeout=10,
    )
    assert good.status_code == 200, good.text
    shown = httpx.get(
        f"{live_server.url}/api/v1/ncrs/{ncr}", headers=live_server.headers(), timeout=10
    ).json()
    assert (
        shown["status"] == "closed"
        and shown["dispositions"][0]["signatures"][0]["signer"] == "EMP1010"
    )
