"""Headless replay: the same flow from a file, one JSON line per step, then the outbox drains."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.replay import replay
from server import models as m
from tests.conftest import LiveServer
from tests.kiosk.conftest import live_config, rows

SHIFT = [
    "EMP1001",
    "WO-1001",
    "LOT-BRG-261101",
    "LOT-BAR-261101",
    "oops",
    "155.2",
    "DEF-DENT",
    "1",
    "#DONE",
    "49",
    "",
]


async def test_replay_prints_each_step_and_drains(live_server: LiveServer, tmp_path: Path) -> None:
    out = io.StringIO()
    code = await replay(
        live_config(live_server, tmp_path), [line + "\n" for line in SHIFT], out, timeout=20
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0, lines[-1]
    steps, summary = lines[:-1], lines[-1]
    assert [s["entry"] for s in steps] == SHIFT
    assert summary == {
        "done": True,
        "steps": len(SHIFT),
        "drained": True,
        "queued": 0,
        "refused": 0,
        "prompt": "scan_work_order",
    }
    wrong_part = steps[2]
    assert (
        wrong_part["message"]["level"] == "error" and "BAR-C45-16" in wrong_part["message"]["text"]
    )
    assert wrong_part["events"] == []
    assert steps[4]["message"]["level"] == "error" and steps[4]["events"] == []
    measured = steps[5]
    assert measured["prompt"]["kind"] == "ready"
    assert [e["type"] for e in measured["events"]] == ["MeasurementRecorded"]
    assert measured["events"][0]["payload"]["verdict"] == "pass"
    assert [a["action"] for a in measured["actions"]] == ["ShowVerdict"]
    seqs = [e["seq"] for s in steps for e in s["events"]]
    assert seqs == sorted(seqs) and len(seqs) == 6
    done = steps[-1]
    output = done["state"]["last_output_lot"]
    assert done["events"][0]["payload"]["output_lot"] == output
    (edge,) = rows(live_server, m.GenealogyEdge)
    assert (edge.parent_lot, edge.child_lot) == ("LOT-BAR-261101", output)


async def test_replay_reports_refusals(live_server: LiveServer, tmp_path: Path) -> None:
    # Lot codes are checked against the cache; a stale cache lets one through, the server refuses.
    config = live_config(live_server, tmp_path)
    out = io.StringIO()
    assert await replay(config, ["EMP1001\n"], out, timeout=20) == 0
    from kiosk.service import StationService

    service = StationService.open(config)
    service.sync = None  # keep this part offline: nothing new reaches the cache
    from sqlmodel import Session

    with Session(live_server.engine) as session:
        lot = session.get(m.Lot, "LOT-BAR-261102")
        assert lot is not None
        lot.status = "scrapped"
        session.add(lot)
        session.commit()
    for entry in ("WO-1002", "LOT-BAR-261102"):
        assert service.handle_entry(entry).message.level == "ok"
    service.close()
    out = io.StringIO()
    code = await replay(config, [], out, timeout=20)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 3
    (refusal,) = [r["refusal"] for r in records if "refusal" in r]
    assert refusal["type"] == "LotConsumed" and "scrapped" in refusal["reason"]


def test_replay_from_stdin_through_the_cli(live_server: LiveServer, tmp_path: Path) -> None:
    env = {**os.environ, "LINESIDE_STATION_TOKEN": live_server.token("L1-TURN")}
    entries = "EMP1005\nWO-1002\n12.0\n150.2\n#DONE\n100\n0\n"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "kiosk",
            "--station",
            "L1-TURN",
            "--server",
            live_server.url,
            "--data-dir",
            str(tmp_path / "k"),
            "--replay",
            "-",
            "--timeout",
            "20",
        ],
        input=entries,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records[-1]["done"] and records[-1]["drained"] and records[-1]["steps"] == 7
    assert [r["events"][0]["payload"]["verdict"] for r in records[2:4]] == ["pass", "fail"]


def test_replay_without_server_or_cache_says_so(tmp_path: Path) -> None:
    from tests.conftest import free_port

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "kiosk",
            "--station",
            "L1-SAW",
            "--server",
            f"http://127.0.0.1:{free_port()}",
            "--token",
            "x",
            "--data-dir",
            str(tmp_path),
            "--replay",
            "-",
            "--timeout",
            "1",
        ],
        input="EMP1001\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2
    last = json.loads(proc.stdout.splitlines()[-1])
    assert last["done"] and "no reference data" in last["error"]


def test_kiosk_needs_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LINESIDE_STATION_TOKEN"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "kiosk",
            "--station",
            "L1-SAW",
            "--server",
            "http://127.0.0.1:1",
            "--data-dir",
            str(tmp_path),
            "--replay",
            "-",
        ],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2 and "token" in proc.stderr
