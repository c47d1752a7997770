"""`lineside trace` and `lineside recall` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy.engine import Engine

from cli.main import main
from core import events as ev
from core.events import material as me
from tests.support import event, finish, ingest_one


def post(
    engine: Engine, payload: ev.Payload, station: str = "L2-PACK", operator: str = "EMP1001"
) -> None:
    result = ingest_one(engine, event(payload, station=station, operator=operator), station)
    assert result.status == "applied", result.reason


def history(engine: Engine) -> None:
    job = uuid.uuid4()
    for payload in (
        ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        ev.LotConsumed(job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8.0),
        ev.JobCompleted(job_id=job, output_lot="LOT-SHAFT-C1", good_qty=40),
    ):
        post(engine, payload, station="L1-SAW")
    finish(engine, "LOT-SHAFT-C1")  # turned, ground and inspected before anything ships
    post(engine, me.SerialsAssigned(lot="LOT-SHAFT-C1", serials=["SN-C1", "SN-C2"]))
    post(
        engine,
        me.LotShipped(
            lot="LOT-SHAFT-C1", qty=1, serials=["SN-C1"], customer="ACME", customer_order="SO-5"
        ),
    )


def test_trace_prints_a_tree(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history(engine)
    assert main(["trace", "SN-C1", "--database-url", db_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "backward trace of SN-C1 (what went into it): 3 lots, 2 levels deep"
    assert out[1].startswith("SN-C1  SHAFT-12  serial in LOT-SHAFT-C1  shipped")
    assert out[2].startswith(
        "└─ 1 serial <- LOT-SHAFT-C1  SHAFT-12  39/40  available  WO-1001 op 10  L1-SAW EMP1001"
    )
    assert out[3].startswith(
        "   └─ 8 consume <- LOT-BAR-261101  BAR-C45-16  112/120  available  "
        "supplier SUP-STEEL lot H58821"
    )
    assert (
        main(["trace", "LOT-BAR-261101", "--forward", "--depth", "1", "--database-url", db_url])
        == 0
    )
    out = capsys.readouterr().out
    assert "-> LOT-SHAFT-C1" in out and "2 more (beyond the depth limit)" in out
    assert "2 links beyond depth 1 not followed" in out


def test_trace_json(engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    history(engine)
    assert main(["trace", "LOT-BAR-261101", "--forward", "--json", "--database-url", db_url]) == 0
    body = json.loads(capsys.readouterr().out)
    assert (body["root"], body["direction"], body["total"]) == ("LOT-BAR-261101", "forward", 4)
    lots = {x["lot"]: x for x in body["lots"]}
    assert {k: (v["part"], v["depth"]) for k, v in lots.items()} == {
        "LOT-BAR-261101": ("BAR-C45-16", 0),
        "LOT-SHAFT-C1": ("SHAFT-12", 1),
        "SN-C1": ("SHAFT-12", 2),
        "SN-C2": ("SHAFT-12", 2),
    }
    assert lots["LOT-BAR-261101"]["qty"] == 112
    assert [link["lot"] for link in lots["LOT-SHAFT-C1"]["links"]] == ["SN-C1", "SN-C2"]
    assert body["customers"] == [
        {"customer": "ACME", "customer_order": "SO-5", "lots": 1, "qty": 1.0}
    ]


def test_trace_errors(engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "LOT-NOPE", "--database-url", db_url]) == 1
    assert "lot or serial LOT-NOPE does not exist" in capsys.readouterr().err
    assert main(["trace", "LOT-BAR-261101", "--depth", "500", "--database-url", db_url]) == 2
    assert "depth must be between 0 and 100" in capsys.readouterr().err


def test_recall_scope_and_hold(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history(engine)
    assert main(["recall", "H58821", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "supplier lot H58821 was received as LOT-BAR-261101" in out
    assert "2 lots and 2 serials contain it" in out and "ACME  order SO-5" in out
    assert "still in the plant: 2 lots" in out
    assert main(["recall", "H58821", "--hold", "--database-url", db_url]) == 2
    assert "--reason" in capsys.readouterr().err
    assert main(["recall", "H58821", "--hold", "--reason", "cracks", "--database-url", db_url]) == 2
    assert "--operator BADGE" in capsys.readouterr().err
    assert (
        main(
            [
                "recall",
                "H58821",
                "--hold",
                "--reason",
                "cracks",
                "--operator",
                "EMP1003",
                "--database-url",
                db_url,
            ]
        )
        == 2
    )
    assert "is an operator" in capsys.readouterr().err
    assert (
        main(
            [
                "recall",
                "H58821",
                "--hold",
                "--reason",
                "cracks",
                "--operator",
                "EMP1009",
                "--json",
                "--database-url",
                db_url,
            ]
        )
        == 0
    )
    body = json.loads(capsys.readouterr().out)
    assert sorted(body["hold"]["placed"]) == ["LOT-BAR-261101", "LOT-SHAFT-C1"]
    assert body["lots_by_state"] == {"held": 2} and body["units_by_state"] == {
        "held": 1,
        "shipped": 1,
    }
    assert main(["recall", "NOPE", "--database-url", db_url]) == 1
    assert "no lot was received with supplier lot NOPE" in capsys.readouterr().err
