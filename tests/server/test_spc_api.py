"""SPC over REST and the CLI: limits (phase I, standards, versions), charts, analysis, signals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy.engine import Engine

from cli.main import main as lineside
from core import events as ev
from core.spc import measurement_data, monitor, parse_rules, phase_one
from tests.support import ingest_batch, through

MEAN, SIGMA = 150.0, 0.010


class Line:
    """One job at L1-TURN measuring SHAFT-LEN; events one second apart, in the past."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.at = datetime.now(UTC) - timedelta(hours=2)
        self.seq = 0
        self.job = uuid.uuid4()
        # the bar is sawn at op 10 first; turning works on that lot
        wip = through(engine, "WO-1001", 20, lot="LOT-API-1", at=self.at - timedelta(minutes=10))
        self._post(
            ev.JobStarted(
                job_id=self.job, work_order="WO-1001", operation=20, output_lot="LOT-API-1", lot=wip
            )
        )

    def _post(self, payload: ev.Payload) -> dict[str, Any]:
        self.seq += 1
        self.at += timedelta(seconds=1)
        raw = ev.make_event(
            payload, station_id="L1-TURN", seq=self.seq, operator_id="EMP1001", occurred_at=self.at
        ).model_dump(mode="json")
        [r] = ingest_batch(self.engine, [raw], "L1-TURN")
        assert r.status == "applied", r.reason
        return r.outcome

    def measure(self, *values: float) -> list[dict[str, Any]]:
        return [
            self._post(
                ev.MeasurementRecorded(job_id=self.job, characteristic="SHAFT-LEN", value=float(v))
            )
            for v in values
        ]


def values(n: int, seed: int = 3) -> list[float]:
    return [float(v) for v in MEAN + SIGMA * np.random.default_rng(seed).standard_normal(n)]


def test_limits_phase_one_standards_versions_and_refusals(live_server: Any) -> None:
    line = Line(live_server.engine)
    baseline = values(30)
    baseline[10] = MEAN + 0.08  # a special cause in the study: phase I leaves it out
    start = line.at
    line.measure(*baseline)
    url = f"{live_server.url}/api/v1/spc/SHAFT-LEN/limits"
    admin = live_server.headers()

    def post(body: dict[str, Any], headers: dict[str, str] = admin) -> httpx.Response:
        return httpx.post(
            url,
            json={"badge": "EMP1010", "reason": "initial study", **body},
            headers=headers,
            timeout=10,
        )

    r = post(
        {
            "station": "L1-TURN",
            "from": start.isoformat(),
            "to": (line.at + timedelta(seconds=1)).isoformat(),
        }
    )
    assert r.status_code == 201, r.text
    body = r.json()
    expected = phase_one(measurement_data("imr", baseline), iterate=True)
    assert body["phase_one"]["excluded"] == list(expected.excluded) and 10 in expected.excluded
    frozen = body["frozen"]
    assert frozen["version"] == 1 and frozen["active"] and frozen["frozen_by"] == "EMP1010"
    assert frozen["center"] == pytest.approx(expected.limits.center)
    assert frozen["sigma"] == pytest.approx(expected.limits.sigma)
    assert [ln["part"] for ln in frozen["lines"]] == ["i", "mr"] and frozen["rules"] == [
        "we-1",
        "we-2",
        "we-3",
        "we-4",
    ]

    r = post(
        {
            "method": "standard",
            "center": MEAN,
            "sigma": SIGMA,
            "rules": "nelson",
            "reason": "new tooling",
        }
    )
    assert r.status_code == 201, r.text
    assert r.json()["frozen"]["version"] == 2 and r.json()["frozen"]["lines"][0][
        "ucl"
    ] == pytest.approx(150.03)
    dry = post({"method": "standard", "center": MEAN, "sigma": SIGMA, "dry_run": True})
    assert (
        dry.status_code == 201
        and dry.json()["frozen"] is None
        and dry.json()["draft"]["center"] == MEAN
    )
    history = httpx.get(url, headers=admin, timeout=10).json()
    assert [(h["version"], h["active"], h["reason"]) for h in history] == [
        (2, True, "new tooling"),
        (1, False, "initial study"),
    ]
    station = httpx.get(url, headers=live_server.headers("L1-TURN"), timeout=10)
    assert station.status_code == 200 and len(station.json()) == 2

    refusals = [
        (
            post({"method": "standard", "center": MEAN, "sigma": SIGMA, "badge": "EMP1001"}),
            "quality engineer",
        ),
        (post({"method": "standard", "center": MEAN}), "sigma"),
        (post({"values": [MEAN] * 12}), "zero"),
        (post({"from": (line.at + timedelta(hours=1)).isoformat()}), "no measurements"),
        (post({"chart": "xbar-r", "values": baseline}), "subgroup"),
        (post({"method": "standard", "center": MEAN, "sigma": 0.0}), "sigma"),
        (post({"rules": "we-9"}), "unknown rule"),
    ]
    for response, words in refusals:
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"], response.json()["detail"]
    assert (
        post(
            {"method": "standard", "center": MEAN, "sigma": SIGMA},
            headers=live_server.headers("L1-TURN"),
        ).status_code
        == 403
    )
    missing = httpx.post(
        f"{live_server.url}/api/v1/spc/NOPE/limits",
        headers=admin,
        timeout=10,
        json={"badge": "EMP1010", "reason": "x", "method": "standard", "center": 1, "sigma": 1},
    )
    assert missing.status_code == 404
    assert (
        len(httpx.get(url, headers=admin, timeout=10).json()) == 2
    )  # nothing frozen by the refusals


def test_chart_analysis_and_signal_acknowledgement(live_server: Any) -> None:
    line = Line(live_server.engine)
    api = f"{live_server.url}/api/v1/spc"
    admin = live_server.headers()
    none = httpx.get(f"{api}/SHAFT-LEN/chart?station=L1-TURN", headers=admin, timeout=10).json()
    assert none["limits"] is None and none["points"] == []
    r = httpx.post(
        f"{api}/SHAFT-LEN/limits",
        headers=admin,
        timeout=10,
        json={
            "badge": "EMP1010",
            "reason": "from the capability study",
            "method": "standard",
            "center": MEAN,
            "sigma": SIGMA,
        },
    )
    assert r.status_code == 201, r.text
    start = line.at
    data = [*values(20, seed=0), MEAN + 0.045, MEAN + 0.012, MEAN + 0.013]  # in control until 20
    outcomes = line.measure(*data)
    signal_id = outcomes[20]["spc"]["signal"]["id"]
    assert outcomes[20]["spc"]["signal"]["lots"] == ["LOT-API-1"]

    chart = httpx.get(
        f"{api}/SHAFT-LEN/chart?station=L1-TURN&last=5", headers=admin, timeout=10
    ).json()
    assert [p["index"] for p in chart["points"]] == [18, 19, 20, 21, 22]
    assert chart["points"][2]["signal"] == signal_id and not chart["points"][2]["in_control"]
    assert chart["limits"]["version"] == 1 and chart["open_signal"]["id"] == signal_id
    own = httpx.get(
        f"{api}/SHAFT-LEN/chart?last=2", headers=live_server.headers("L1-TURN"), timeout=10
    )
    assert own.status_code == 200 and own.json()["station"] == "L1-TURN"
    assert (
        httpx.get(
            f"{api}/SHAFT-LEN/chart?station=L1-TURN",
            headers=live_server.headers("L1-SAW"),
            timeout=10,
        ).status_code
        == 403
    )
    assert httpx.get(f"{api}/SHAFT-LEN/chart", headers=admin, timeout=10).status_code == 422

    params = {
        "from": start.isoformat(),
        "to": (line.at + timedelta(seconds=1)).isoformat(),
        "station": "L1-TURN",
        "rules": "we",
    }
    analysis = httpx.get(
        f"{api}/SHAFT-LEN/analysis", params=params, headers=admin, timeout=10
    ).json()
    batch = monitor(
        phase_one(measurement_data("imr", data), iterate=False).limits,
        measurement_data("imr", data),
        parse_rules("we"),
    )
    assert analysis["points"] == 23 and analysis["chart"] == "imr"
    assert [(v["rule"], v["index"]) for v in analysis["parts"]["i"]["violations"]] == [
        (v.rule, v.index) for v in batch.for_part("i")
    ]
    assert analysis["parts"]["i"]["ucl"] == pytest.approx(batch.chart.part("i").ucl[0])
    assert analysis["capability"]["cpk"] > 0 and analysis["capability"]["usl"] == 150.1
    frozen = httpx.get(
        f"{api}/SHAFT-LEN/analysis",
        params={**params, "limits": "frozen"},
        headers=admin,
        timeout=10,
    ).json()
    assert frozen["limits"]["frozen"] and frozen["parts"]["i"]["center"] == MEAN
    assert [v["index"] for v in frozen["parts"]["i"]["violations"]][
        0
    ] == 20  # what the stream signalled
    empty = httpx.get(
        f"{api}/SHAFT-LEN/analysis",
        params={**params, "from": line.at.isoformat(), "to": line.at.isoformat()},
        headers=admin,
        timeout=10,
    )
    assert empty.status_code == 422 and "no measurements" in empty.json()["detail"]

    signals = httpx.get(f"{api}/signals", headers=admin, timeout=10).json()
    assert [s["id"] for s in signals] == [signal_id] and signals[0]["ncr"]
    assert (
        httpx.get(f"{api}/signals", headers=live_server.headers("L1-SAW"), timeout=10).json() == []
    )
    ack = f"{api}/signals/{signal_id}/acknowledge"
    for body, words in (
        ({"badge": "EMP1009", "note": ""}, "note"),
        ({"badge": "EMP1009", "note": "   "}, "assignable cause"),
        ({"badge": "EMP1001", "note": "offset drifted; corrected"}, "supervisor"),
    ):
        r = httpx.post(ack, json=body, headers=admin, timeout=10)
        assert r.status_code == 422 and words in r.json()["detail"], r.text
    assert (
        httpx.post(
            ack,
            json={"badge": "EMP1009", "note": "x y z"},
            headers=live_server.headers("L1-SAW"),
            timeout=10,
        ).status_code
        == 403
    )
    r = httpx.post(
        ack,
        json={"badge": "EMP1009", "note": "offset drifted after warm-up; corrected"},
        headers=live_server.headers("L1-TURN"),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert httpx.get(f"{api}/signals", headers=admin, timeout=10).json() == []
    [done] = httpx.get(f"{api}/signals?open=false", headers=admin, timeout=10).json()
    assert done["acknowledged_by"] == "EMP1009" and done["note"].startswith("offset drifted")
    assert (
        httpx.post(
            f"{api}/signals/{uuid.uuid4()}/acknowledge",
            json={"badge": "EMP1009", "note": "abc"},
            headers=admin,
            timeout=10,
        ).status_code
        == 404
    )


def test_cli_limits_and_signals(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--database-url", engine.url.render_as_string(hide_password=False)]
    assert lineside(["spc-limits", "show", "SHAFT-LEN", *url]) == 0
    assert "no frozen control limits" in capsys.readouterr().out
    assert (
        lineside(
            ["spc-limits", "standard", "SHAFT-LEN", "--center", "150", "--sigma", "0.01", *url]
        )
        == 2
    )
    assert "--badge and --reason" in capsys.readouterr().err
    assert (
        lineside(
            [
                "spc-limits",
                "standard",
                "SHAFT-LEN",
                "--center",
                "150",
                "--sigma",
                "0.01",
                "--badge",
                "EMP1010",
                "--reason",
                "initial study",
                *url,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "SHAFT-LEN v1 (active): imr" in out and "UCL 150.03" in out
    assert lineside(["spc-limits", "compute", "SHAFT-LEN", "--dry-run", *url]) == 2
    assert "no measurements" in capsys.readouterr().err
    line = Line(engine)
    signal_id = line.measure(MEAN + 0.05)[0]["spc"]["signal"]["id"]
    assert lineside(["signals", "list", *url]) == 0
    assert signal_id in capsys.readouterr().out
    assert lineside(["signals", "ack", signal_id, "--badge", "EMP1009", *url]) == 2
    capsys.readouterr()
    assert (
        lineside(
            ["signals", "ack", signal_id, "--badge", "EMP1009", "--note", "bar stock changed", *url]
        )
        == 0
    )
    assert lineside(["signals", "list", *url]) == 0
    assert "no open SPC signals" in capsys.readouterr().out
