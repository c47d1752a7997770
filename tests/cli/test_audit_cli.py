"""`lineside audit verify --deep`, `audit anchor` and `audit verify --anchor` as people run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from server import models as m
from tests.cli.helpers import url
from tests.conftest import DEMO_PLANT
from tests.server.test_audit_deep import _history, _truncate_tail


def test_deep_verify_of_an_untouched_history(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(engine)
    assert main(["audit", "verify", "--deep", "--database-url", url(engine)]) == 0
    out = capsys.readouterr().out
    assert "audit log intact" in out and "tables agree with the log" in out
    assert (
        main(
            ["audit", "verify", "--deep", "--plant", str(DEMO_PLANT), "--database-url", url(engine)]
        )
        == 0
    )
    assert f"opening lots and work orders from {DEMO_PLANT}" in capsys.readouterr().out


def test_deep_verify_names_the_edited_row(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(engine)
    with Session(engine) as s:
        row = s.execute(select(m.Measurement).where(m.Measurement.verdict == "fail")).scalar_one()
    with engine.begin() as conn:
        conn.execute(text("UPDATE measurement SET verdict = 'pass' WHERE id = :i"), {"i": row.id})
    assert (
        main(["audit", "verify", "--database-url", url(engine)]) == 0
    )  # the chains alone see nothing
    capsys.readouterr()
    assert main(["audit", "verify", "--deep", "--database-url", url(engine)]) == 1
    out = capsys.readouterr().out
    assert (
        f"tables DISAGREE with the log: measurement {row.id}: verdict pass in the database, fail from the log"
        in out
    )
    assert main(["audit", "verify", "--deep", "--json", "--database-url", url(engine)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["ok"] is False and found["deep"]["first"].startswith(f"measurement {row.id}:")


def test_anchor_then_truncation(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    _history(engine)
    assert main(["audit", "anchor", "--json", "--database-url", url(engine)]) == 0
    anchored = json.loads(capsys.readouterr().out)
    assert len(anchored["hash"]) == 64 and anchored["rows"] > 10
    assert main(["audit", "anchor", "--database-url", url(engine)]) == 0
    printed = capsys.readouterr().out
    assert "anchor hash: " in printed
    assert (
        main(["audit", "verify", "--anchor", anchored["hash"], "--database-url", url(engine)]) == 0
    )
    assert "the log still holds what it recorded" in capsys.readouterr().out
    _truncate_tail(engine, 2)
    assert (
        main(["audit", "verify", "--anchor", anchored["hash"], "--database-url", url(engine)]) == 1
    )
    out = capsys.readouterr().out
    assert "BROKEN" in out and "rows were removed" in out and "MISMATCH" in out
    assert (
        main(["audit", "anchor", "--database-url", url(engine)]) == 1
    )  # a broken log is not anchored
    assert "not anchored" in capsys.readouterr().out


def test_a_plant_file_of_another_plant_is_refused(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(DEMO_PLANT.read_text().replace('id = "riverside-1"', 'id = "hillside-2"', 1))
    args = ["audit", "verify", "--deep", "--plant", str(other), "--database-url", url(engine)]
    assert main(args) == 2
    assert (
        "describes plant hillside-2; the database holds plant riverside-1"
        in capsys.readouterr().out
    )
