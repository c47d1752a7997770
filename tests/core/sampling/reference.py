"""Reference plans shared by the sampling tests (see the header of each TSV for its source)."""

from __future__ import annotations

import csv
from pathlib import Path

from core.sampling.master_tables import Severity

HERE = Path(__file__).parent


def read_tsv(name: str) -> list[dict[str, str]]:
    """Rows of a reference TSV in this folder, comment lines (#) skipped."""
    with open(HERE / name, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


# Table number -> severity, ISO 2859-1:1999 numbering.
SEVERITY_OF: dict[str, Severity] = {"2-A": "normal", "2-B": "tightened", "2-C": "reduced"}
ISO_REFERENCE = read_tsv("reference_plans.tsv")
MIL105E_REFERENCE = read_tsv("reference_plans_mil105e.tsv")
