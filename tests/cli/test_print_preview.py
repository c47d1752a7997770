"""`lineside print preview` shows a lot's own ticket from the database, or says SAMPLE."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cli.main import main
from server import models as m
from tests.cli.helpers import place_hold, url

WINTER = datetime(2026, 11, 24, 13, 3, 5, tzinfo=UTC)  # 14:03 CET in the demo plant (Europe/Berlin)


def preview(engine: Engine | None, tmp_path: Path, *args: str) -> list[str]:
    db = ["--database-url", url(engine)] if engine is not None else []
    return ["print", "preview", *args, "--out", str(tmp_path / "ticket.png"),
            "--escpos", str(tmp_path / "ticket.bin"), *db]  # fmt: skip


def test_holdtag_shows_the_lots_open_hold(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    place_hold(engine, "LOT-SEAL-261101", "shelf life exceeded", at=WINTER)
    assert main(preview(engine, tmp_path, "holdtag", "--lot", "LOT-SEAL-261101")) == 0
    text = capsys.readouterr().out
    assert "HOLD — DO NOT USE" in text and "Lot LOT-SEAL-261101" in text
    assert "shelf life exceeded" in text
    assert "Ivan Morozov (EMP1009)" in text
    assert "2026-11-24 14:03" in text  # placed_at, on the plant's clock
    assert "to be opened" in text  # no NCR yet: none invented
    assert "SEAL-NBR-32" in text and "400 pcs" in text
    for invented in ("SAMPLE", "NCR-0042", "Burr", "demo.inspector"):
        assert invented not in text
    assert b"shelf life exceeded" in (tmp_path / "ticket.bin").read_bytes()


def test_holdtag_by_short_hold_id_and_newest_by_default(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = place_hold(engine, "LOT-SEAL-261101", "shelf life exceeded", at=WINTER)
    place_hold(engine, "LOT-SEAL-261101", "wrong colour", at=WINTER.replace(hour=15))
    assert main(preview(engine, tmp_path, "holdtag", "--lot", "LOT-SEAL-261101")) == 0
    captured = capsys.readouterr()
    assert "wrong colour" in captured.out and "shelf life" not in captured.out
    assert f"2 open holds: the newest is shown (--hold picks another: {first[:8]})" in captured.err
    assert main(preview(engine, tmp_path, "holdtag", "--hold", first[:8])) == 0
    captured = capsys.readouterr()
    assert "shelf life exceeded" in captured.out and "Lot LOT-SEAL-261101" in captured.out


def test_traveler_shows_the_lots_work_order_and_routing(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Session(engine) as session:
        session.add(m.Lot(id="LOT-TRAV-1", part="SHAFT-12", qty=20, initial_qty=20, status="wip",
                          work_order="WO-1001", ops_done=[10]))  # fmt: skip
        session.add(m.LotOperation(lot="LOT-TRAV-1", work_order="WO-1001", operation_seq=10,
                                   station_id="L1-SAW", operator_id="EMP1001", good_qty=20,
                                   event_id="00000000-0000-4000-8000-000000000001"))  # fmt: skip
        session.commit()
    assert main(preview(engine, tmp_path, "traveler", "--lot", "LOT-TRAV-1")) == 0
    text = capsys.readouterr().out
    assert "TRAVELER" in text and "WO-1001" in text
    assert "SHAFT-12 Drive shaft, 12 mm, ground" in text
    assert "Lot      LOT-TRAV-1" in text and "20 pcs" in text
    assert "[x] 10 Saw bar to length" in text
    assert "[>] 20 Turn diameter and shoulders" in text
    assert "Anna Keller (EMP1001)" in text
    for invented in ("SAMPLE", "P-100", "Mounting bracket", "demo.operator"):
        assert invented not in text


def test_a_lot_the_database_does_not_have_is_refused(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(preview(engine, tmp_path, "holdtag", "--lot", "LOT-NOPE")) == 1
    err = capsys.readouterr().err
    assert "lot LOT-NOPE is not in the database" in err and "--sample" in err
    assert main(preview(engine, tmp_path, "holdtag", "--lot", "LOT-BRG-261101")) == 1
    assert "lot LOT-BRG-261101 has no open hold" in capsys.readouterr().err
    assert main(preview(engine, tmp_path, "traveler", "--lot", "LOT-BRG-261101")) == 1
    assert "was not made on a work order" in capsys.readouterr().err
    assert not (tmp_path / "ticket.png").exists()


def test_a_sample_says_so_on_the_ticket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(preview(None, tmp_path, "holdtag")) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].strip() == "SAMPLE" and lines[1].strip() == "invented data, not a real lot"
    assert captured.out.count("invented data, not a real lot") == 2  # top and above the cut
    assert "SAMPLE ticket (no --lot given)" in captured.err
    assert (tmp_path / "ticket.bin").read_bytes().count(b"SAMPLE") >= 2
    with Image.open(tmp_path / "ticket.png") as image:
        assert image.width == 576
    # a real-looking lot with invented fields is a sample too
    assert main(preview(None, tmp_path, "holdtag", "--lot", "LOT-9", "--ncr", "NCR-1")) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].strip() == "SAMPLE" and "LOT-9" in captured.out
    assert "(--ncr given)" in captured.err
    assert main(preview(None, tmp_path, "traveler", "--sample", "--paper", "58")) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].strip() == "SAMPLE" and all(
        len(line) <= 32 for line in text.splitlines()
    )


def test_a_lot_without_a_database_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(preview(None, tmp_path, "holdtag", "--lot", "LOT-SEAL-261101")) == 1
    err = capsys.readouterr().err
    assert "LINESIDE_DATABASE_URL" in err and "--sample" in err
    assert not (tmp_path / "ticket.png").exists()
