"""The deep audit: the log replayed into a scratch database and compared with the tables.

A history of the demo plant (a saw job whose blank fails, one that passes, an
NCR opened by hand with its hold, a disposition signed) is tampered with in
raw SQL, as someone with database access could; the chains stay intact, the
replay names the row.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from server import ledger
from server import models as m
from server.audit.deep import verify_deep
from server.models_quality import Ncr
from server.quality import actions as qe
from server.services.feed import station_feed
from tests.conftest import DEMO_PLANT
from tests.support import event, ingest_batch


def _run(engine: Engine, station: str, *payloads: ev.Payload) -> list[Any]:
    return ingest_batch(
        engine, [event(p, station=station, operator="EMP1001") for p in payloads], station
    )


def _saw(engine: Engine, lot: str, length: float, good: float = 20) -> Any:
    job = uuid.uuid4()
    results = _run(
        engine, "L1-SAW",
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10, output_lot=lot),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8),
        ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=length, unit="mm"),
        ev.JobCompleted(job_id=job, output_lot=lot, good_qty=good, scrap_qty=0),
    )  # fmt: skip
    assert [r.status for r in results] == ["applied"] * 4, [r.reason for r in results]
    return results[2]


def _history(engine: Engine) -> dict[str, str]:
    failed = _saw(engine, "LOT-AUD-1", 157.2)
    assert failed.outcome["verdict"] == "fail"
    _saw(engine, "LOT-AUD-2", 155.0)
    manual, results = qe.open_ncr(engine, title="Bearings noisy on receipt", badge="EMP1010",
                                  lots=["LOT-BRG-261101"])  # fmt: skip
    assert manual is not None and all(r.status == "applied" for r in results)
    signed = qe.sign_disposition(
        engine, failed.outcome["ncr"], kind="scrap", badge="EMP1010", pin="1010"
    )
    assert signed.status == "applied", signed.reason
    return {"failed_ncr": failed.outcome["ncr"], "manual_ncr": manual,
            "manual_hold": results[1].outcome["hold_id"]}  # fmt: skip


def _sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as conn:
        assert conn.execute(text(statement), params).rowcount >= 1


def test_an_untouched_history_replays_to_the_same_tables(engine: Engine) -> None:
    _history(engine)
    report = verify_deep(engine)
    assert report.ok, report.problems
    assert report.events_fed >= 12


def test_an_untouched_history_replays_from_the_plant_file_too(engine: Engine) -> None:
    _history(engine)
    report = verify_deep(engine, plant_file=DEMO_PLANT)
    assert report.ok, report.problems
    assert str(DEMO_PLANT) in report.opening


@pytest.mark.parametrize("synced", ["before the hold", "after the hold"])
def test_what_a_terminal_knew_of_a_hold_replays_the_same(engine: Engine, synced: str) -> None:
    """A consumption of a lot held after the terminal last synced is a quality escape; one
    the terminal knew was held is refused: the replay numbers changes as the server did."""
    if synced == "before the hold":
        known = station_feed(engine, "L2-PRESS", 0).cursor
    job = uuid.uuid4()
    [started] = _run(engine, "L2-PRESS", ev.JobStarted(job_id=job, work_order="WO-2001", operation=10,
                                                       output_lot="LOT-AUD-P"))  # fmt: skip
    assert started.status == "applied"
    held = qe.place_hold(engine, target_type="lot", target="LOT-BRG-261101", reason="wrong grease",
                         badge="EMP1010")  # fmt: skip
    assert held.status == "applied"
    if synced == "after the hold":
        known = station_feed(engine, "L2-PRESS", 0).cursor
    [used] = _run(engine, "L2-PRESS", ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201",
                                                     qty=40, known_rev=known))  # fmt: skip
    assert used.status == ("applied" if synced == "before the hold" else "rejected")
    report = verify_deep(engine)
    assert report.ok, report.problems


def test_rework_sort_and_a_released_hold_replay_the_same(engine: Engine) -> None:
    ids = _history(engine)
    failed = _saw(engine, "LOT-AUD-3", 157.0, good=10)
    r = qe.sign_disposition(engine, failed.outcome["ncr"], kind="sort", badge="EMP1010", pin="1010",
                            details={"release_qty": 4, "scrap_qty": 3, "rework_qty": 3, "operation": 10})  # fmt: skip
    assert r.status == "applied", r.reason
    hold = qe.place_hold(
        engine, target_type="lot", target="LOT-AUD-2", reason="check", badge="EMP1010"
    )
    assert (
        qe.release_hold(engine, hold.outcome["hold_id"], badge="EMP1009", note="fine").status
        == "applied"
    )
    with Session(engine) as s:  # the sort split the lot and ordered its rework
        assert (
            s.execute(select(m.WorkOrder).where(m.WorkOrder.kind == "rework")).first() is not None
        )
        assert (
            s.execute(select(m.GenealogyEdge).where(m.GenealogyEdge.kind == "sort")).first()
            is not None
        )
    assert ids["manual_ncr"]
    report = verify_deep(engine)
    assert report.ok, report.problems


def _first(engine: Engine) -> str:
    report = verify_deep(engine)
    assert report.chains.ok  # the tables were changed, not the log
    assert not report.ok and report.first is not None
    return report.first


def test_a_measurement_turned_to_pass_is_named(engine: Engine) -> None:
    _history(engine)
    with Session(engine) as s:
        row = s.execute(select(m.Measurement).where(m.Measurement.verdict == "fail")).scalar_one()
    _sql(engine, "UPDATE measurement SET verdict = 'pass' WHERE id = :i", i=row.id)
    assert (
        _first(engine) == f"measurement {row.id}: verdict pass in the database, fail from the log"
    )


def test_a_released_hold_is_named(engine: Engine) -> None:
    ids = _history(engine)
    _sql(engine, "UPDATE hold SET status = 'released' WHERE id = :i", i=ids["manual_hold"])
    assert (
        _first(engine)
        == f"hold {ids['manual_hold']}: status released in the database, open from the log"
    )


def test_a_deleted_genealogy_edge_is_named(engine: Engine) -> None:
    _history(engine)
    with Session(engine) as s:
        edge = s.execute(
            select(m.GenealogyEdge).where(m.GenealogyEdge.child_lot == "LOT-AUD-2")
        ).scalar_one()
    _sql(engine, "DELETE FROM genealogy_edge WHERE id = :i", i=edge.id)
    assert _first(engine) == (
        f"genealogy edge LOT-BAR-261101 -> LOT-AUD-2 (consume, event {edge.event_id}): made by the "
        "log, missing from the database"
    )


def test_a_closed_ncr_is_named(engine: Engine) -> None:
    ids = _history(engine)
    _sql(engine, "UPDATE ncr SET status = 'closed' WHERE id = :i", i=ids["manual_ncr"])
    assert (
        _first(engine)
        == f"NCR {ids['manual_ncr']}: status closed in the database, open from the log"
    )
    with Session(engine) as s:
        assert s.get(Ncr, ids["failed_ncr"]).status == "closed"  # type: ignore[union-attr]


# --- anchors: a checkpoint kept outside the database --------------------------------------


def _truncate_tail(engine: Engine, rows: int) -> None:
    """Delete the log's last rows and move every tip back, as a careful forger would."""
    with engine.begin() as conn:
        last = (
            conn.execute(text("SELECT id FROM event_log ORDER BY id DESC LIMIT :n"), {"n": rows})
            .scalars()
            .all()
        )
        chains = set(
            conn.execute(
                text("SELECT DISTINCT chain FROM event_log WHERE id >= :i"), {"i": min(last)}
            ).scalars()
        )
        conn.execute(text("DELETE FROM event_log WHERE id >= :i"), {"i": min(last)})
        for chain in chains:
            tip = conn.execute(text("SELECT id, hash FROM event_log WHERE chain = :c ORDER BY id DESC LIMIT 1"),
                               {"c": chain}).first()  # fmt: skip
            count = conn.execute(
                text("SELECT count(*) FROM event_log WHERE chain = :c"), {"c": chain}
            ).scalar_one()
            conn.execute(
                text("UPDATE ledger_head SET last_id = :i, last_hash = :h, count = :n WHERE chain = :c"),
                {"i": tip.id if tip else 0, "h": tip.hash if tip else ledger.genesis(chain), "n": count, "c": chain},
            )  # fmt: skip


def test_a_tail_truncated_after_an_anchor_is_caught(engine: Engine) -> None:
    _history(engine)
    anchor = ledger.checkpoint(engine)
    assert ledger.verify(engine).ok and ledger.anchor_problem(engine, anchor.hash) is None
    _truncate_tail(engine, 3)
    brk = ledger.verify(engine).first_break
    assert (
        brk is not None
        and f"checkpoint {anchor.id} recorded" in brk.problem
        and "rows were removed" in brk.problem
    )
    assert ledger.anchor_problem(engine, anchor.hash) is not None


def _rehash_everything(engine: Engine) -> None:
    """Rewrite a log entry and recompute every hash after it, the tips and the checkpoints:
    nothing inside the database gives it away any more."""
    with Session(engine) as s:
        rows = list(s.execute(select(m.EventLog).order_by(m.EventLog.id)).scalars())
    with engine.begin() as conn:
        prev: dict[str, str] = {}
        for row in rows:
            payload = row.payload.replace("157.2", "155.1")
            before = prev.get(row.chain, ledger.genesis(row.chain))
            content = ledger.content_of(
                row.event_id, row.type, row.station_id, row.operator_id, row.occurred_at, row.seq,
                payload, row.received_at, row.status, row.reason, row.outcome,
            )  # fmt: skip
            digest = ledger.chain_hash(before, content)
            conn.execute(text("UPDATE event_log SET payload = :p, prev_hash = :b, hash = :h WHERE id = :i"),
                         {"p": payload, "b": before, "h": digest, "i": row.id})  # fmt: skip
            prev[row.chain] = digest
        for chain, digest in prev.items():
            conn.execute(
                text("UPDATE ledger_head SET last_hash = :h WHERE chain = :c"),
                {"h": digest, "c": chain},
            )
        conn.execute(text("DELETE FROM ledger_checkpoint"))
    ledger.checkpoint(engine)  # a fresh checkpoint over the forged log


def test_a_log_rehashed_throughout_is_caught_by_the_anchor(engine: Engine) -> None:
    _history(engine)
    anchor = ledger.checkpoint(engine).hash
    _rehash_everything(engine)
    assert ledger.verify(engine).ok  # consistent inside the database...
    problem = ledger.anchor_problem(engine, anchor)
    assert problem is not None and "rewritten" in problem  # ...but not with the hash written down


def test_a_log_rehashed_without_its_checkpoints_is_caught(engine: Engine) -> None:
    _history(engine)
    anchor = ledger.checkpoint(engine)
    with engine.begin() as conn:  # one row's hash changed, the rest of its chain left as it was
        last = conn.execute(
            text("SELECT id, chain FROM event_log ORDER BY id DESC LIMIT 1")
        ).first()
        conn.execute(
            text("UPDATE event_log SET hash = :h WHERE id = :i"), {"h": "f" * 64, "i": last.id}
        )
        conn.execute(
            text("UPDATE ledger_head SET last_hash = :h WHERE chain = :c"),
            {"h": "f" * 64, "c": last.chain},
        )
    brk = ledger.verify(engine).first_break
    assert brk is not None and brk.row_id == last.id
    assert ledger.anchor_problem(engine, anchor.hash) is not None


@pytest.mark.parametrize("rows", [1])
def test_deep_verify_reports_a_broken_chain_first(engine: Engine, rows: int) -> None:
    _history(engine)
    _truncate_tail(engine, rows)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE event_log SET reason = 'x' WHERE id = (SELECT min(id) FROM event_log)")
        )
    report = verify_deep(engine)
    assert not report.ok and report.first is not None and "changed" in report.first


def test_events_arriving_during_the_audit_are_not_differences(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit reads one moment of the database; a batch committed meanwhile waits for the next."""
    from server.audit import compare

    _history(engine)
    original = compare.differences

    def compare_while_the_floor_works(live: Engine, rebuilt: Engine, limit: int = 100) -> Any:
        _saw(engine, "LOT-AUD-LATE", 155.1, good=5)  # committed after the replay read the log
        return original(live, rebuilt, limit)

    monkeypatch.setattr(compare, "differences", compare_while_the_floor_works)
    report = verify_deep(engine)
    assert report.ok, report.problems
    with Session(engine) as s:
        assert s.get(m.Lot, "LOT-AUD-LATE") is not None


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (
            "DELETE FROM measurement WHERE verdict = 'pass'",
            "made by the log, missing from the database",
        ),
        (
            "UPDATE lot SET qty = qty + 5 WHERE id = 'LOT-AUD-2'",
            "lot LOT-AUD-2: qty 25 in the database, 20 from the log",
        ),
        (
            "UPDATE job SET good_qty = 19 WHERE output_lot = 'LOT-AUD-2'",
            "good qty 19 in the database, 20 from the log",
        ),
        (
            "UPDATE signature SET signer = 'EMP1011'",
            "signer EMP1011 in the database, EMP1010 from the log",
        ),
        (
            "UPDATE lot_operation SET scrap_qty = 1 WHERE lot = 'LOT-AUD-2'",
            "routing record LOT-AUD-2 10: scrap qty 1",
        ),
    ],
)
def test_other_edits_are_named(engine: Engine, tamper: str, named: str) -> None:
    _history(engine)
    _sql(engine, tamper)
    assert named in _first(engine)


def test_a_row_no_event_made_is_named(engine: Engine) -> None:
    _history(engine)
    with Session(engine) as s:
        job = s.execute(select(m.Job).where(m.Job.output_lot == "LOT-AUD-2")).scalar_one()
        s.add(m.Defect(event_id=str(uuid.uuid4()), job_id=job.id, code="DEF-BURR", station_id="L1-SAW",
                       occurred_at=job.started_at))  # fmt: skip
        s.commit()
    first = _first(engine)
    assert first.startswith("defect ") and first.endswith(
        "in the database, not made by any event in the log"
    )


def test_a_truncated_tail_that_grew_again_is_caught(engine: Engine) -> None:
    _history(engine)
    anchor = ledger.checkpoint(engine)
    _truncate_tail(engine, 3)
    _saw(engine, "LOT-AUD-AGAIN", 155.0, good=5)  # the chains are consistent again, and longer
    brk = ledger.verify(engine).first_break
    assert brk is not None and f"checkpoint {anchor.id}" in brk.problem


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE characteristic SET usl = 160 WHERE id = 'SHAFT-CUT-LEN'",
         "characteristic SHAFT-CUT-LEN: usl 160 in the database, 155.5 in the plant file"),
        ("UPDATE operator SET role = 'supervisor' WHERE badge = 'EMP1001'",
         "operator EMP1001: role supervisor in the database, operator in the plant file"),
        ("UPDATE operator SET pin_hash = 'x' WHERE badge = 'EMP1010'",
         "operator EMP1010: PIN differs from the plant file's"),
    ],
)  # fmt: skip
def test_reference_data_changed_in_the_database_is_named_against_the_plant_file(
    engine: Engine, tamper: str, named: str
) -> None:
    _history(engine)
    _sql(engine, tamper)
    report = verify_deep(engine, plant_file=DEMO_PLANT)
    assert named in report.problems


def test_a_role_given_in_the_database_is_seen_only_against_the_plant_file(engine: Engine) -> None:
    """The replay uses the database's reference data, so it agrees with a forged role."""
    _history(engine)
    _sql(engine, "UPDATE operator SET role = 'supervisor' WHERE badge = 'EMP1001'")
    assert verify_deep(engine).ok
    assert not verify_deep(engine, plant_file=DEMO_PLANT).ok


def test_changes_made_outside_events_keep_their_turn(engine: Engine) -> None:
    """A station enrolled and a work order released over the API once the log had begun take
    change numbers then; the replay takes them in the same turn, so a hold placed after the
    terminal last synced is news to it on replay too (a quality escape, not a refusal)."""
    from server.services.revs import next_rev
    from server.services.stations import enroll

    _history(engine)
    enroll(engine, "L2-PRESS")
    with Session(engine) as s:  # as POST /work-orders does
        s.add(m.WorkOrder(number="WO-AUD-9", product="PUMP-P200", qty=5, rev=next_rev(s)))
        s.commit()
    job = uuid.uuid4()
    [started] = _run(engine, "L2-PRESS", ev.JobStarted(job_id=job, work_order="WO-AUD-9", operation=10,
                                                       output_lot="LOT-AUD-Q"))  # fmt: skip
    assert started.status == "applied", started.reason
    known = station_feed(engine, "L2-PRESS", 0).cursor
    held = qe.place_hold(engine, target_type="lot", target="LOT-BRG-261101", reason="wrong grease",
                         badge="EMP1010")  # fmt: skip
    assert held.status == "applied"
    [used] = _run(engine, "L2-PRESS", ev.LotConsumed(job_id=job, lot="LOT-BRG-261101", part="BRG-6201",
                                                     qty=1, known_rev=known))  # fmt: skip
    assert used.status == "applied" and "escape" in str(used.outcome), used.outcome
    for plant_file in (None, DEMO_PLANT):
        report = verify_deep(engine, plant_file=plant_file)
        assert report.ok, report.problems
