"""Plant file validation and import: errors name file, line and field; re-import never duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.plant import PlantFileError, load_plant, parse_plant
from server import models as m
from server.services.plant_import import import_plant

DEMO = Path(__file__).resolve().parents[2] / "provisioning" / "plants" / "demo.toml"


def _table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[attr-defined]
            for t in (
                m.Part,
                m.Operation,
                m.BomLine,
                m.Characteristic,
                m.Station,
                m.Operator,
                m.DefectCode,
                m.Lot,
                m.WorkOrder,
            )
        }


def test_demo_plant_is_believable() -> None:
    plant = load_plant(DEMO)
    assert len({s.line for s in plant.stations}) == 2
    assert len(plant.routings) == 3 and all(3 <= len(r.operations) <= 5 for r in plant.routings)
    assert len(plant.operators) >= 12 and len({o.role for o in plant.operators}) >= 4
    assert any(lot.supplier_lot for lot in plant.lots)


def test_import_then_reimport_updates_without_duplicates(
    empty_engine: Engine, tmp_path: Path
) -> None:
    plant = load_plant(DEMO)
    first = import_plant(empty_engine, plant)
    assert first.created["operators"] == 12
    counts = _table_counts(empty_engine)
    second = import_plant(empty_engine, plant)
    assert second.created == {} and _table_counts(empty_engine) == counts
    changed = DEMO.read_text().replace("lsl = 11.98", "lsl = 11.985")
    third = import_plant(empty_engine, parse_plant(changed))
    assert third.updated.get("characteristics") == 1 and _table_counts(empty_engine) == counts
    with Session(empty_engine) as s:
        assert s.get(m.Characteristic, "SHAFT-DIA").lsl == 11.985  # type: ignore[union-attr]


def _problems(text: str) -> list[str]:
    with pytest.raises(PlantFileError) as info:
        parse_plant(text, "plant.toml")
    return info.value.problems


MINIMAL = """\
[plant]
id = "p"
name = "P"
version = "1"

[[parts]]
id = "A"

[[stations]]
id = "S1"
name = "one"
"""


def test_error_names_file_line_and_field() -> None:
    text = MINIMAL + '\n[[operators]]\nbadge = "EMP1"\nname = "x"\nrole = "boss"\n'
    [problem] = _problems(text)
    assert problem.startswith("plant.toml:16: operators.0.role:")
    assert "operator" in problem


def test_limits_out_of_order_line() -> None:
    text = (
        MINIMAL
        + """
[[routings]]
product = "A"

[[routings.operations]]
seq = 10
name = "op"
stations = ["S1"]

[[routings.operations.characteristics]]
id = "C"
name = "c"
lsl = 5.0
usl = 1.0
"""
    )
    [problem] = _problems(text)
    assert problem.startswith("plant.toml:") and "lsl 5.0 must be below usl 1.0" in problem
    line = int(problem.split(":")[1])
    assert (
        text.splitlines()[line - 1].startswith("[[routings.operations.characteristics]]")
        or "lsl" in text.splitlines()[line - 1]
    )


def test_unknown_references_and_bad_toml() -> None:
    text = (
        MINIMAL
        + """
[[routings]]
product = "A"

[[routings.operations]]
seq = 10
name = "op"
stations = ["NOPE"]
bom = [{ part = "GHOST", qty_per = 1 }]
"""
    )
    [problem] = _problems(text)
    assert "unknown station 'NOPE'" in problem and "BOM part 'GHOST' unknown" in problem
    [bad] = _problems("[plant\nid=1")
    assert "not valid TOML" in bad and "line 1" in bad


def test_missing_field_and_typo_field() -> None:
    problems = _problems(MINIMAL.replace('name = "one"', 'nmae = "one"'))
    assert any("stations.0.name: Field required" in p for p in problems)
    assert any("stations.0.nmae" in p and p.startswith("plant.toml:11:") for p in problems)


def test_cli_import_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace('version = "1"', "version = 1"))
    assert main(["plant", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4: plant.version" in err
    assert main(["plant", "check", str(DEMO)]) == 0


def test_cli_check_reports_device_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    bad = tmp_path / "devices.toml"
    bad.write_text(
        MINIMAL + '\n[[stations.devices]]\nkind = "printer"\ntransport = "network"\nprot = 9100\n'
    )
    assert main(["plant", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "station S1" in err and "devices[0]" in err
