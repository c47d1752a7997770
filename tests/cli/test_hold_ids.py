"""Holds are named by a unique prefix of their id in every command that takes one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from server.models import Hold
from tests.cli.helpers import place_hold, url

TWIN_A = "3f2a9c1b-0000-4000-8000-000000000001"
TWIN_B = "3f2a9c1b-0000-4000-8000-000000000002"
LONE = "7d00aa11-5e6f-4a7b-8c9d-0123456789ab"


@pytest.fixture
def holds(engine: Engine) -> Engine:
    place_hold(engine, "LOT-SEAL-261101", "shelf life", hold_id=TWIN_A)
    place_hold(engine, "LOT-BRG-261101", "bearing noise", hold_id=TWIN_B)
    place_hold(engine, "LOT-CAST-261101", "porosity", hold_id=LONE)
    return engine


def status(engine: Engine, hold_id: str) -> str:
    with Session(engine) as session:
        hold = session.get(Hold, hold_id)
        assert hold is not None
        return hold.status


def test_hold_list_shows_short_ids_long_enough_to_be_unique(
    holds: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hold", "list", "--database-url", url(holds)]) == 0
    out = capsys.readouterr().out
    lone = next(line for line in out.splitlines() if "LOT-CAST-261101" in line)
    assert lone.startswith("7d00aa11 ") and LONE not in out
    twin = next(line for line in out.splitlines() if "LOT-SEAL-261101" in line)
    assert twin.startswith(TWIN_A + " ")  # shares 35 characters with TWIN_B
    assert main(["hold", "list", "--json", "--database-url", url(holds)]) == 0
    short = {h["id"]: h["short_id"] for h in json.loads(capsys.readouterr().out)}
    assert short == {TWIN_A: TWIN_A, TWIN_B: TWIN_B, LONE: "7d00aa11"}


def test_release_by_short_id(holds: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--database-url", url(holds)]
    assert main(["hold", "release", "7D00AA11", "--badge", "EMP1009", *db]) == 0
    assert f"released: {LONE}" in capsys.readouterr().out
    assert status(holds, LONE) == "released"
    assert main(["hold", "release", TWIN_B[:-1] + "2", "--badge", "EMP1009", *db]) == 0
    assert status(holds, TWIN_B) == "released" and status(holds, TWIN_A) == "open"


def test_an_ambiguous_prefix_lists_the_candidates(
    holds: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", url(holds)]
    assert main(["hold", "release", "3f2a9c1b", "--badge", "EMP1009", *db]) == 2
    err = capsys.readouterr().err
    assert "hold id 3f2a9c1b is ambiguous: 2 holds start with it" in err
    assert f"{TWIN_A}  open     lot LOT-SEAL-261101: shelf life" in err
    assert f"{TWIN_B}  open     lot LOT-BRG-261101: bearing noise" in err
    assert status(holds, TWIN_A) == "open" and status(holds, TWIN_B) == "open"


def test_an_unknown_prefix_or_a_non_id_is_refused(
    holds: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", url(holds)]
    assert main(["hold", "release", "deadbeef", "--badge", "EMP1009", *db]) == 2
    assert "no hold id starts with deadbeef" in capsys.readouterr().err
    assert main(["hold", "release", "LOT-CAST-261101", "--badge", "EMP1009", *db]) == 2
    assert "'LOT-CAST-261101' is not a hold id" in capsys.readouterr().err
    assert status(holds, LONE) == "open"


def test_print_preview_takes_a_short_hold_id(
    holds: Engine, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ["--out", f"{tmp_path}/tag.png", "--database-url", url(holds)]
    assert main(["print", "preview", "holdtag", "--hold", "7d00", *out]) == 0
    assert "porosity" in capsys.readouterr().out
    assert main(["print", "preview", "holdtag", "--hold", "3f2a", *out]) == 1
    assert "ambiguous" in capsys.readouterr().err
