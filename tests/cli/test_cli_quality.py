"""The quality engineer's command line: holds, NCRs, signed dispositions, audit history."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy.engine import Engine

from cli.main import main
from core import events as ev
from tests.support import event, ingest_batch


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def fail_a_measurement(engine: Engine) -> str:
    job = uuid.uuid4()
    results = ingest_batch(
        engine,
        [
            event(
                ev.JobStarted(
                    job_id=job, work_order="WO-1001", operation=10, output_lot="LOT-CLI-1"
                ),
                station="L1-SAW",
            ),
            event(
                ev.MeasurementRecorded(job_id=job, characteristic="SHAFT-CUT-LEN", value=153.0),
                station="L1-SAW",
            ),
            event(
                ev.JobCompleted(job_id=job, output_lot="LOT-CLI-1", good_qty=20), station="L1-SAW"
            ),
        ],
        "L1-SAW",
    )
    return results[1].outcome["ncr"]


def test_hold_ncr_disposition_and_history(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", url(engine)]
    ncr = fail_a_measurement(engine)
    assert main(["hold", "list", "--json", *db]) == 0
    [hold] = json.loads(capsys.readouterr().out)
    assert hold["target"] == "LOT-CLI-1" and hold["ncr"] == ncr
    assert main(["ncr", "show", ncr, *db]) == 0
    shown = capsys.readouterr().out
    assert "measured SHAFT-CUT-LEN = 153 mm (limits 154.5 … 155.5 mm)" in shown
    assert "LOT-CLI-1" in shown
    assert (
        main(
            [
                "ncr",
                "disposition",
                ncr,
                "--kind",
                "use_as_is",
                "--badge",
                "EMP1004",
                "--pin",
                "1004",
                *db,
            ]
        )
        == 2
    )
    refused = capsys.readouterr().err
    assert (
        "a disposition needs a quality engineer or MRB member (EMP1004 is an operator)" in refused
    )
    assert (
        main(
            [
                "ncr",
                "disposition",
                ncr,
                "--kind",
                "use_as_is",
                "--badge",
                "EMP1010",
                "--pin",
                "1010",
                *db,
            ]
        )
        == 0
    )
    assert "executed" in capsys.readouterr().out
    assert main(["hold", "list", *db]) == 0
    assert "no open holds" in capsys.readouterr().out
    assert main(["audit", "history", "LOT-CLI-1", *db]) == 0
    out = capsys.readouterr().out
    for what in ("JobStarted", "MeasurementRecorded", "HoldPlaced", "JobCompleted"):
        assert what in out
    assert main(["audit", "history", ncr, *db]) == 0
    out = capsys.readouterr().out
    assert "NcrOpened" in out and "DispositionSigned" in out and "SignatureRefused" in out
    assert main(["audit", "verify", *db]) == 0


def test_ncr_show_names_only_the_limits_that_exist(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    job = uuid.uuid4()
    started = ev.JobStarted(job_id=job, work_order="WO-3001", operation=10, output_lot="LOT-CLI-F")
    flatness = ev.MeasurementRecorded(job_id=job, characteristic="COVER-FLAT", value=0.08)
    results = ingest_batch(
        engine, [event(started, station="L1-MILL"), event(flatness, station="L1-MILL")], "L1-MILL"
    )
    assert main(["ncr", "show", results[1].outcome["ncr"], "--database-url", url(engine)]) == 0
    shown = capsys.readouterr().out
    assert "measured COVER-FLAT = 0.08 mm (limits ≤ 0.05 mm)" in shown  # flatness: no lower limit
    assert "None" not in shown


@pytest.mark.parametrize(
    ("measurement", "line"),
    [
        ({"characteristic": "SHAFT-DIA", "value": 12.03, "lsl": 11.98, "usl": 12.02, "unit": "mm"},
         "measured SHAFT-DIA = 12.03 mm (limits 11.98 … 12.02 mm)"),
        ({"characteristic": "SHAFT-RA", "value": 0.93, "lsl": None, "usl": 0.8, "unit": "um"},
         "measured SHAFT-RA = 0.93 um (limits ≤ 0.8 um)"),
        ({"characteristic": "TORQUE", "value": 2.1, "lsl": 2.5, "usl": None, "unit": "Nm"},
         "measured TORQUE = 2.1 Nm (limits ≥ 2.5 Nm)"),
        ({"characteristic": "NOTE", "value": 3.0, "lsl": None, "usl": None, "unit": ""},
         "measured NOTE = 3 (no limits)"),
        # a subgroup an SPC signal put on the NCR carries no spec limits
        ({"characteristic": "SHAFT-LEN", "value": 150.04, "unit": "mm", "point": 6},
         "measured SHAFT-LEN = 150.04 mm"),
    ],
)  # fmt: skip
def test_a_measurement_line_shows_the_limits_that_exist(
    measurement: dict[str, object], line: str
) -> None:
    from cli.ncr import measured

    assert measured(measurement) == line


def test_manual_hold_place_and_release(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--database-url", url(engine)]
    assert (
        main(
            [
                "hold",
                "place",
                "LOT-SEAL-261101",
                "--reason",
                "shelf life",
                "--badge",
                "EMP1009",
                *db,
            ]
        )
        == 0
    )
    assert "placed: LOT-SEAL-261101" in capsys.readouterr().out
    assert main(["hold", "list", "--json", *db]) == 0
    [hold] = json.loads(capsys.readouterr().out)
    assert main(["hold", "release", hold["id"], "--badge", "EMP1001", *db]) == 2
    assert "supervisor" in capsys.readouterr().err
    assert main(["hold", "release", hold["id"], "--badge", "EMP1009", *db]) == 0
    assert main(["hold", "place", "LOT-NOPE", "--reason", "x", "--badge", "EMP1009", *db]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unmigrated_database_is_refused_with_what_to_run(
    empty_db_url: str, tmp_path: object
) -> None:
    import sqlalchemy as sa

    from server.app import create_app
    from server.db import make_engine
    from server.migrate import NotMigrated

    engine = make_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM alembic_version"))
    with pytest.raises(NotMigrated, match="lineside server migrate"):
        create_app(engine=engine)
    engine.dispose()


def test_server_migrate_on_a_new_database(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    db = f"sqlite:///{Path(str(tmp_path)) / 'new.db'}"
    assert main(["server", "migrate", "--database-url", db]) == 0
    assert "migrated from empty to" in capsys.readouterr().out
    assert main(["plant", "import", "provisioning/plants/demo.toml", "--database-url", db]) == 0
    assert "12 new" in capsys.readouterr().out


def test_station_enroll_list_revoke(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--database-url", url(engine)]
    assert main(["station", "enroll", "L1-TURN", *db]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("lst_") and len(token) > 30
    assert main(["station", "list", *db]) == 0
    assert "L1-TURN      enrolled" in capsys.readouterr().out
    assert main(["station", "revoke", "L1-TURN", *db]) == 0
    assert main(["station", "enroll", "NOPE", *db]) == 2
    assert "not in the plant file" in capsys.readouterr().err


def test_demo_codes_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--codes", "--json"]) == 0
    codes = json.loads(capsys.readouterr().out)
    assert {"badges", "work_orders", "lots", "defect_codes", "commands"} <= set(codes)
    assert any(b["code"] == "EMP1001" for b in codes["badges"])
    assert "#DONE" in codes["commands"]
