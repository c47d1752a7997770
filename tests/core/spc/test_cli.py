"""`lineside spc`: offline analysis of CSV files, text and JSON output, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cli.main import main


def _write(path: Path, header: str, rows: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def rings_csv(tmp_path: Path, pistonrings: np.ndarray) -> str:
    rows = [f"{i + 1},{v:.3f}" for i, sub in enumerate(pistonrings) for v in sub]
    return _write(tmp_path / "rings.csv", "sample,diameter", rows)


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # exactly one JSON object


def test_xbar_r_json_with_baseline_and_capability(
    rings_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["spc", rings_csv, "--chart", "xbar-r", "--subgroup-column", "sample",
            "--value-column", "diameter", "--baseline", "25", "--lsl", "73.95", "--usl", "74.05",
            "--json"]  # fmt: skip
    out = _json(capsys, argv)
    assert out["chart"] == "xbar-r" and set(out["parts"]) == {"xbar", "r"}
    xbar = out["parts"]["xbar"]
    # qcc phase I limits for samples 1-25 (see test_charts.py): 73.98805 / 74.0143.
    assert xbar["lcl"] == pytest.approx(73.98805, abs=2e-5)
    assert xbar["ucl"] == pytest.approx(74.0143, abs=2e-5)
    assert out["parts"]["r"]["ucl"] == pytest.approx(0.04812533, abs=2e-6)
    beyond = [v["index"] for v in xbar["violations"] if v["rule"] == "we-1"]
    assert beyond == [36, 37, 38]  # samples 37-39, 0-based
    # qcc processCapability on samples 1-25: Cp 1.703, Cpk 1.663.
    assert out["capability"]["cp"] == pytest.approx(1.703, abs=0.0005)
    assert out["capability"]["cpk"] == pytest.approx(1.663, abs=0.0005)
    assert out["limits"]["baseline_points"] == 25


def test_xbar_s_text_output_with_subgroup_size(
    tmp_path: Path, pistonrings: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "flat.csv", "value", [f"{v:.3f}" for v in pistonrings[:25].ravel()])
    assert main(["spc", path, "--chart", "xbar-s", "--subgroup-size", "5"]) == 0
    out = capsys.readouterr().out
    assert "xbar-s chart, 25 points, subgroups of 5" in out
    assert "0.00924004" in out and "0.0193024" in out  # qcc S chart centre and UCL
    assert "no rule violations" in out


def test_p_chart_varying_sizes_gives_limit_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "p.csv", "defectives,inspected", ["5,25", "10,50", "20,100"])
    out = _json(capsys, ["spc", path, "--chart", "p", "--size-column", "inspected", "--json"])
    part = out["parts"]["p"]
    assert part["center"] == pytest.approx(0.2)
    assert part["lcl"] == pytest.approx([0.0, 0.2 - 3 * (0.16 / 50) ** 0.5, 0.08])
    assert isinstance(part["ucl"], list) and len(part["ucl"]) == 3
    assert out["capability"] is None


def test_c_chart_iterate_and_rule_list(
    tmp_path: Path, circuit: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "c.csv", "count", [str(c) for c in circuit[:26]])
    out = _json(capsys, ["spc", path, "--chart", "c", "--iterate", "--rules", "we-1,nelson-2",
                         "--run-length", "7", "--json"])  # fmt: skip
    # qcc circuit: samples 6 and 20 out; revised c-bar 19.66667.
    assert out["phase_one"]["excluded"] == [5, 19]
    assert out["parts"]["c"]["center"] == pytest.approx(19.66667, abs=1e-5)
    assert out["rules"] == ["we-1", "nelson-2"]
    assert {v["index"] for v in out["parts"]["c"]["violations"] if v["rule"] == "we-1"} == {5, 19}


def test_imr_and_np_and_u(
    tmp_path: Path,
    viscosity: list[float],
    orangejuice: list[int],
    pcmanufact: list[int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    imr = _write(
        tmp_path / "v.csv", "batch,viscosity", [f"{i},{v}" for i, v in enumerate(viscosity[:20])]
    )
    out = _json(capsys, ["spc", imr, "--chart", "imr", "--value-column", "viscosity", "--json"])
    assert out["parts"]["i"]["center"] == pytest.approx(34.088)
    assert [v["index"] for v in out["parts"]["i"]["violations"] if v["rule"] == "we-1"] == [3]
    nps = _write(tmp_path / "np.csv", "D", [str(d) for d in orangejuice[:30]])
    out = _json(capsys, ["spc", nps, "--chart", "np", "--subgroup-size", "50", "--json"])
    assert out["parts"]["np"]["ucl"] == pytest.approx(20.51196, abs=1e-5)  # qcc
    u = _write(tmp_path / "u.csv", "x", [str(c) for c in pcmanufact])
    out = _json(capsys, ["spc", u, "--chart", "u", "--subgroup-size", "5", "--json"])
    assert out["parts"]["u"]["ucl"] == pytest.approx(3.793867, abs=1e-6)  # qcc


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (
            "value\n1\n2\nabc\n",
            ["--chart", "imr"],
            "line 4: 'abc' in column 'value' is not a number",
        ),
        ("value\n1\n\n", ["--chart", "imr"], "at least 2 measurements"),
        ("", ["--chart", "imr"], "is empty"),
        ("value\n", ["--chart", "imr"], "no data rows"),
        (
            "a,b\n1,2\n3,\n",
            ["--chart", "imr", "--value-column", "b"],
            "line 3: column 'b' is empty",
        ),
        (
            "a\n1\n2\n",
            ["--chart", "imr", "--value-column", "zz"],
            "'zz' not found; the file has: a",
        ),
        ("v\n5\n5\n5\n5\n", ["--chart", "xbar-r", "--subgroup-size", "2"], "zero range"),
        ("v\n1\n2\n3\n", ["--chart", "xbar-r", "--subgroup-size", "2"], "last subgroup has only 1"),
        ("v\n1\n2\n", ["--chart", "xbar-r", "--subgroup-size", "1"], "too small"),
        ("v\n1\n2\n", ["--chart", "xbar-r"], "needs --subgroup-size"),
        ("d,n\n3,10\n-1,10\n", ["--chart", "p", "--size-column", "n"], "negative count"),
        ("d,n\n3,10\n12,10\n", ["--chart", "p", "--size-column", "n"], "out of only 10"),
        ("d\n3\n", ["--chart", "p"], "needs --size-column or --subgroup-size"),
        ("v\n1\nnan\n3\n", ["--chart", "imr"], "missing or infinite"),
        ("v\n1\n2\n3\n", ["--chart", "imr", "--rules", "we-7"], "unknown rule"),
        ("d\n3\n4\n", ["--chart", "c", "--lsl", "1"], "capability .* needs measurements"),
        (
            "k,v\na,1\na,2\nb,3\nb,4\nc,5\n",
            ["--chart", "xbar-r", "--subgroup-column", "k"],
            "subgroup 'c' has 1 measurement but most have 2",
        ),
        ("v\n1\n2\n3\n", ["--chart", "imr", "--baseline", "9"], "--baseline must be between"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    extra: list[str],
    message: str,
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["spc", str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lineside spc: error: ")
    assert re.search(message, lines[0]), lines[0]


def test_missing_file_and_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spc", str(tmp_path / "none.csv"), "--chart", "c"]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x82")
    assert main(["spc", str(binary), "--chart", "c"]) == 2
    assert "not a readable CSV" in capsys.readouterr().err


def test_unknown_chart_is_an_argparse_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["spc", "x.csv", "--chart", "pie"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
