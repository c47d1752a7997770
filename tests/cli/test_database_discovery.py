"""The CLI finds the demo's database, names the variable to set when it cannot, and never
creates an empty database file."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cli.demo_state import DemoState, demo_database_url, write_state
from cli.main import main
from tests.cli.helpers import place_hold, url

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    ["hold", "list"],
    ["ncr", "list"],
    ["audit", "history", "LOT-SEAL-261101"],
    ["report", "daily"],
    ["station", "list"],
    ["trace", "LOT-SEAL-261101"],
]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def lineside_dir(home: Path) -> Path:
    return home / ".local" / "share" / "lineside"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database as `lineside demo` prepares it, built once."""
    from cli.demo import prepare_demo_database

    folder = tmp_path_factory.mktemp("demo-template")
    prepare_demo_database(folder)
    return folder / "server.db"


def demo_in(home: Path, template: Path, *, running: bool) -> str:
    """The demo's folder under ``home`` with its database, and its state file; the URL."""
    import shutil

    folder = lineside_dir(home) / "demo"
    folder.mkdir(parents=True)
    shutil.copy(template, folder / "server.db")
    database = demo_database_url(folder)
    pid = os.getpid() if running else None  # this test's process: alive
    write_state(DemoState("http://127.0.0.1:8471", database, str(folder), "L1-SAW", pid))
    return database


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_no_database_names_the_variable_and_creates_nothing(home: Path, command: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(command)
    message = str(stop.value.code)
    assert "no database is configured" in message
    assert "LINESIDE_DATABASE_URL" in message and "--database-url" in message
    assert "lineside demo" in message
    assert "migrate" not in message  # no advice to fill a new empty database
    assert files_under(home) == []


def test_a_missing_sqlite_file_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "plant.db"
    with pytest.raises(SystemExit) as stop:
        main(["hold", "list", "--database-url", f"sqlite:///{missing}"])
    assert f"there is no database at {missing}" in str(stop.value.code)
    assert "--database-url" in str(stop.value.code)
    monkeypatch.setenv("LINESIDE_DATABASE_URL", f"sqlite:///{missing}")
    with pytest.raises(SystemExit) as stop:
        main(["ncr", "list"])
    assert "named by LINESIDE_DATABASE_URL" in str(stop.value.code)
    assert not missing.parent.exists()


def test_an_empty_leftover_file_is_named_not_used(home: Path) -> None:
    leftover = lineside_dir(home) / "lineside.db"
    leftover.parent.mkdir(parents=True)
    leftover.touch()  # what earlier versions left behind
    with pytest.raises(SystemExit) as stop:
        main(["hold", "list"])
    assert f"{leftover} holds no lineside database" in str(stop.value.code)
    assert leftover.stat().st_size == 0


def test_the_running_demos_database_is_used_and_shown(
    home: Path, demo_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = demo_in(home, demo_template, running=True)
    assert (
        main(["hold", "place", "LOT-SEAL-261101", "--reason", "shelf life", "--badge", "EMP1009"])
        == 0
    )
    assert f"using the running demo's database {database}" in capsys.readouterr().err
    assert main(["hold", "list", "--json"]) == 0
    [hold] = json.loads(capsys.readouterr().out)
    assert hold["target"] == "LOT-SEAL-261101"
    assert main(["demo", "--codes"]) == 0
    out = capsys.readouterr().out
    assert "Demo server:   http://127.0.0.1:8471" in out
    assert f"Demo database: {database}" in out
    assert f"LINESIDE_DATABASE_URL={database}" in out
    assert "EMP1010" in out  # the codes are still there
    assert main(["demo", "--codes", "--json"]) == 0
    where = json.loads(capsys.readouterr().out)["demo"]
    assert where == {"running": True, "server_url": "http://127.0.0.1:8471",
                     "database_url": database, "database_exists": True}  # fmt: skip


def test_a_stopped_demos_database_is_used_and_said_so(
    home: Path, demo_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = demo_in(home, demo_template, running=False)
    assert main(["ncr", "list"]) == 0
    captured = capsys.readouterr()
    assert "no open NCRs" in captured.out
    assert (
        "the demo is not running" in captured.err
        and database.removeprefix("sqlite:///") in captured.err
    )
    assert main(["demo", "--codes"]) == 0
    out = capsys.readouterr().out
    assert "The demo is not running" in out and f"(from its last run): {database}" in out
    assert "Demo server:" not in out


def test_the_server_default_database_comes_before_a_stopped_demo(
    home: Path, demo_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    demo_in(home, demo_template, running=False)
    shutil.copy(demo_template, lineside_dir(home) / "lineside.db")
    assert main(["hold", "list"]) == 0
    assert capsys.readouterr().err == ""  # the documented default: nothing to explain


def test_the_environment_variable_wins_over_a_running_demo(
    home: Path,
    demo_template: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo_in(home, demo_template, running=True)
    place_hold(engine, "LOT-BRG-261101", "bearing noise")
    monkeypatch.setenv("LINESIDE_DATABASE_URL", url(engine))
    assert main(["hold", "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert [h["target"] for h in json.loads(captured.out)] == ["LOT-BRG-261101"]
    assert "demo" not in captured.err


def test_plant_import_creates_a_database_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new" / "plant.db"
    demo_plant = ROOT / "provisioning" / "plants" / "demo.toml"
    assert main(["plant", "import", str(demo_plant), "--database-url", f"sqlite:///{target}"]) == 0
    assert f"creating a new database at {target}" in capsys.readouterr().err
    assert main(["station", "list", "--database-url", f"sqlite:///{target}"]) == 0
    assert "L1-SAW" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_demo_says_where_it_is_and_commands_find_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINESIDE_")}
    env["HOME"] = str(home)
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "demo", "--server-only", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while not any("Press Ctrl+C" in line for line in lines):
            line = demo.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(lines)
            lines.append(line)
        printed = "".join(lines)
        database = demo_database_url(lineside_dir(home) / "demo")
        assert f"Demo server:   http://127.0.0.1:{port}" in printed
        assert f"Demo database: {database}" in printed
        assert main(["demo", "--codes"]) == 0
        assert f"Demo server:   http://127.0.0.1:{port}" in capsys.readouterr().out
        assert main(["station", "list"]) == 0
        captured = capsys.readouterr()
        assert "L1-SAW       enrolled" in captured.out  # the demo enrolled its kiosk's station
        assert f"using the running demo's database {database}" in captured.err
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
        finally:
            if demo.poll() is None:
                demo.kill()
    assert demo.returncode == 0
    assert main(["demo", "--codes"]) == 0
    assert f"Demo database (from its last run): {database}" in capsys.readouterr().out
