"""`lineside msa grr|type1`: CSV in, one JSON object or a readable table out, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main

Row = tuple[str, str, str, float]


def _write(path: Path, header: str, lines: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def aiag_csv(tmp_path: Path, aiag: list[Row]) -> str:
    return _write(
        tmp_path / "grr.csv", "part,appraiser,trial,value", [",".join(map(str, r)) for r in aiag]
    )


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)  # exactly one JSON object


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_grr_anova_json(aiag_csv: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["msa", "grr", aiag_csv, "--method", "anova", "--tolerance", "8", "--json"])
    # AIAG MSA 4th ed. / Minitab crossed example (see test_anova.py): EV 0.19993,
    # AV 0.22684, GRR 0.30237, PV 1.04233, TV 1.08530, %GRR 27.86, ndc 4.
    assert out["method"] == "anova" and out["file"] == aiag_csv
    assert out["ev"] == pytest.approx(0.19993, abs=5e-6)
    assert out["av"] == pytest.approx(0.22684, abs=5e-6)
    assert out["interaction"] == 0.0
    assert out["grr"] == pytest.approx(0.30237, abs=5e-6)
    assert out["pv"] == pytest.approx(1.04233, abs=5e-6)
    assert out["tv"] == pytest.approx(1.08530, abs=5e-6)
    assert out["pct_grr"] == pytest.approx(27.86, abs=5e-3)
    assert out["pct_contribution"]["grr"] == pytest.approx(7.76, abs=5e-3)
    assert out["pct_tolerance"]["grr"] == pytest.approx(22.68, abs=5e-3)
    assert out["ndc"] == 4
    assert out["verdict"] == "conditionally acceptable"
    assert out["anova"]["alpha"] == 0.25 and out["anova"]["interaction_pooled"] is True
    assert out["anova"]["interaction_p"] == pytest.approx(0.974, abs=5e-4)
    assert len(out["anova"]["table"]) == 5 and len(out["anova"]["reduced_table"]) == 4


def test_grr_average_range_json(aiag_csv: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["msa", "grr", aiag_csv, "--method", "average-range", "--json"])
    # AIAG MSA 4th ed. average-and-range example: %GRR 26.68, ndc 5 (see test_average_range.py).
    assert out["method"] == "average-range"
    assert out["grr"] == pytest.approx(0.30575, abs=2e-4)
    assert out["pct_grr"] == pytest.approx(26.68, abs=0.01)
    assert out["ndc"] == 5
    assert out["interaction"] is None and out["pct_tolerance"] is None and out["anova"] is None


def test_grr_alpha_and_verdict_on_tolerance(
    aiag_csv: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["msa", "grr", aiag_csv, "--method", "anova", "--alpha", "0.99", "--tolerance",
            "20", "--verdict-on", "tolerance", "--json"]  # fmt: skip
    out = _json(capsys, argv)
    assert out["anova"]["alpha"] == 0.99 and out["anova"]["interaction_pooled"] is False
    assert out["verdict_basis"] == "tolerance" and out["verdict"] == "acceptable"


def test_grr_text_table(aiag_csv: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["msa", "grr", aiag_csv, "--method", "anova"]) == 0
    out = capsys.readouterr().out
    assert "ANOVA method, 10 parts x 3 appraisers x 3 trials" in out
    assert "gauge R&R (GRR)" in out and "0.302372" in out and "27.86" in out
    assert "ndc: 4" in out
    assert "verdict: conditionally acceptable" in out
    assert "pooled into repeatability" in out


def test_grr_columns_in_any_case_and_order(
    tmp_path: Path, aiag: list[Row], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [f"{v},{t},{p},{a}" for p, a, t, v in aiag]
    path = _write(tmp_path / "mixed.csv", "Value, Trial ,PART,Appraiser", lines)
    out = _json(capsys, ["msa", "grr", path, "--method", "average-range", "--json"])
    assert out["ndc"] == 5


def test_type1_json_and_text(
    tmp_path: Path, type1_measurements: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "t1.csv", "value", [str(v) for v in type1_measurements])
    out = _json(capsys, ["msa", "type1", path, "--reference", "-4", "--tolerance", "15", "--json"])
    # JASP's type 1 example (see test_type1.py): Cg 1.19, Cgk 1.15, p 0.3677.
    assert out["cg"] == pytest.approx(1.19, abs=5e-3)
    assert out["cgk"] == pytest.approx(1.15, abs=5e-3)
    assert out["p_value"] == pytest.approx(0.367744349288335, abs=1e-9)
    assert out["capable"] is False
    assert main(["msa", "type1", path, "--reference", "-4", "--tolerance", "15"]) == 0
    text = capsys.readouterr().out
    assert "Cg 1.19, Cgk 1.15: not capable" in text and "50 measurements" in text


GRR_HEADER = "part,appraiser,trial,value"


@pytest.mark.parametrize(
    ("header", "lines", "message"),
    [
        ("part,operator,trial,value", ["1,A,1,0.2"], "has no 'appraiser' column"),
        (GRR_HEADER, [], "has a header but no data rows"),
        (GRR_HEADER, ["1,A,1,abc"], "line 2: 'abc' in column 'value' is not a number"),
        (GRR_HEADER, ["1,A,1,0.1", "1,A,2,"], "line 3: column 'value' is empty"),
        (GRR_HEADER, ["1,A,1,0.1", "1,A,2,nan"], "line 3: 'nan' in column 'value' is not a finite"),
        (GRR_HEADER, ["1,A,1,0.1", ",A,2,0.2"], "line 3: the part is blank"),
        (GRR_HEADER, ["1,A,1,0.1", "1,A,1,0.2"], r"recorded twice \(line 2 and line 3\)"),
        (GRR_HEADER, ["1,A,1,0.1", "1,A,2,0.2", "2,A,1,0.3", "2,A,2,0.4"], "at least 2 appraisers"),
    ],
)
def test_grr_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, lines: list[str], message: str
) -> None:
    path = _write(tmp_path / "bad.csv", header, lines)
    line = _error(capsys, ["msa", "grr", path, "--method", "anova"])
    assert line.startswith("lineside msa: error: ")
    assert re.search(message, line), line


def test_grr_missing_cell_and_bad_option(
    aiag_csv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = Path(aiag_csv).read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines[1:] if not line.startswith("7,B,2,")]
    path = _write(tmp_path / "gap.csv", lines[0], kept)
    assert "part 7, appraiser B, trial 2 is missing" in _error(
        capsys, ["msa", "grr", path, "--method", "average-range"]
    )
    assert "verdict on %tolerance needs the tolerance" in _error(
        capsys, ["msa", "grr", aiag_csv, "--method", "anova", "--verdict-on", "tolerance"]
    )


def test_unreadable_and_empty_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "cannot read" in _error(
        capsys, ["msa", "grr", str(tmp_path / "none.csv"), "--method", "anova"]
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "is empty" in _error(
        capsys, ["msa", "type1", str(empty), "--reference", "1", "--tolerance", "1"]
    )


def test_type1_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "t1.csv", "reading", ["1.0", "1.1"])
    assert "has no 'value' column" in _error(
        capsys, ["msa", "type1", path, "--reference", "1", "--tolerance", "1"]
    )
    path = _write(tmp_path / "t1b.csv", "value", ["1.0", "x", "1.1"])
    assert "line 3: 'x' in column 'value' is not a number" in _error(
        capsys, ["msa", "type1", path, "--reference", "1", "--tolerance", "1"]
    )
    path = _write(tmp_path / "t1c.csv", "value", ["1.0", "1.1"])
    assert "tolerance (USL - LSL) must be positive" in _error(
        capsys, ["msa", "type1", path, "--reference", "1", "--tolerance", "-1"]
    )
