"""`lineside msa grr|type1 FILE.csv`: measurement system analysis of a CSV file.

grr reads a crossed gauge R&R study (columns part, appraiser, trial, value)
and reports EV, AV, GRR, PV, TV, the percentages, ndc and the AIAG verdict by
the average-and-range or the ANOVA method. type1 reads repeated measurements
of one reference part (column value) and reports Cg, Cgk and the bias test.
With --json the output is one JSON object. Bad files, columns or values give
a one-line error on stderr naming the line or field, and exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.msa import AnovaRow, GrrResult, Type1Result

EXIT_BAD_INPUT = 2
GRR_COLUMNS = ("part", "appraiser", "trial", "value")


class InputError(Exception):
    """A problem with the file or the options, told to the user in one line."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `msa` subcommand and its `grr` and `type1` studies."""
    p = subparsers.add_parser(
        "msa",
        help="measurement system analysis from a CSV: gauge R&R, type 1 gauge study",
        description="Judge a gauge from a study recorded in a CSV file.",
    )
    studies = p.add_subparsers(dest="study", metavar="STUDY", required=True)

    grr = studies.add_parser(
        "grr",
        help="crossed gauge R&R (AIAG MSA 4th ed.)",
        description=(
            "Crossed gauge R&R from a CSV with columns part, appraiser, trial, value: "
            "every appraiser measures every part the same number of times."
        ),
    )
    grr.add_argument("file", metavar="FILE.csv", help="CSV file with a header row")
    grr.add_argument(
        "--method", required=True, choices=("average-range", "anova"), help="analysis method"
    )
    grr.add_argument("--tolerance", type=float, metavar="T", help="USL - LSL, adds %%tolerance")
    grr.add_argument(
        "--alpha",
        type=float,
        default=0.25,
        metavar="A",
        help="anova: significance level of the part x appraiser interaction (default 0.25)",
    )
    grr.add_argument(
        "--multiplier",
        type=float,
        default=6.0,
        metavar="K",
        help="standard deviations of study variation for %%tolerance (default 6, AIAG 4th ed.)",
    )
    grr.add_argument(
        "--verdict-on",
        choices=("study-variation", "tolerance"),
        default="study-variation",
        help="judge %%GRR of total variation (default) or of the tolerance",
    )
    grr.add_argument("--json", action="store_true", help="print one JSON object")
    grr.set_defaults(func=run_grr)

    type1 = studies.add_parser(
        "type1",
        help="type 1 gauge study: Cg, Cgk and bias on one reference part",
        description="Type 1 gauge study from a CSV whose column value holds the measurements.",
    )
    type1.add_argument("file", metavar="FILE.csv", help="CSV file with a header row")
    type1.add_argument(
        "--reference", required=True, type=float, metavar="XM", help="reference value"
    )
    type1.add_argument("--tolerance", required=True, type=float, metavar="T", help="USL - LSL")
    type1.add_argument(
        "--percent", type=float, default=20.0, metavar="K", help="K, percent of T (default 20)"
    )
    type1.add_argument(
        "--spread", type=float, default=6.0, metavar="L", help="L, sigmas of spread (default 6)"
    )
    type1.add_argument("--json", action="store_true", help="print one JSON object")
    type1.set_defaults(func=run_type1)


def run_grr(args: argparse.Namespace) -> int:
    """Analyse a gauge R&R file; 0 on success, 2 on bad input (message on stderr)."""
    from core.msa import MsaError, gauge_rr, grr_study

    try:
        names, rows = _read(args.file, GRR_COLUMNS)
        parsed = [
            (row["part"], row["appraiser"], row["trial"], _number(row, "value", name))
            for name, row in zip(names, rows, strict=True)
        ]
        study = grr_study(parsed, row_names=names)
        result = gauge_rr(
            study,
            args.method,
            tolerance=args.tolerance,
            alpha=args.alpha,
            multiplier=args.multiplier,
            verdict_on=args.verdict_on,
        )
    except (InputError, MsaError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except (csv.Error, UnicodeDecodeError) as exc:
        return _fail(f"{args.file} is not a readable CSV file: {exc}")
    if args.json:
        print(json.dumps({"file": args.file, **result.to_dict()}))
    else:
        _print_grr(args.file, result)
    return 0


def run_type1(args: argparse.Namespace) -> int:
    """Analyse a type 1 study file; 0 on success, 2 on bad input (message on stderr)."""
    from core.msa import MsaError, type1_study

    try:
        names, rows = _read(args.file, ("value",))
        values = [_number(row, "value", name) for name, row in zip(names, rows, strict=True)]
        result = type1_study(
            values,
            reference=args.reference,
            tolerance=args.tolerance,
            percent_of_tolerance=args.percent,
            spread=args.spread,
        )
    except (InputError, MsaError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except (csv.Error, UnicodeDecodeError) as exc:
        return _fail(f"{args.file} is not a readable CSV file: {exc}")
    if args.json:
        print(json.dumps({"file": args.file, **result.to_dict()}))
    else:
        _print_type1(args.file, result)
    return 0


def _fail(message: str) -> int:
    print(f"lineside msa: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _read(path: str, required: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    """Data rows (blank lines skipped) keyed by lower-case column name, and their line names."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise InputError(f"{path} is empty: expected a header row ({', '.join(required)})")
        columns = [(c or "").strip().lower() for c in reader.fieldnames]
        reader.fieldnames = columns
        for column in required:
            if column not in columns:
                raise InputError(
                    f"{path} has no {column!r} column (the header has: "
                    f"{', '.join(c or '(blank)' for c in columns)}); "
                    f"expected {', '.join(required)}"
                )
        names: list[str] = []
        rows: list[dict[str, str]] = []
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            names.append(f"line {reader.line_num}")
            rows.append({c: (row.get(c) or "").strip() for c in required})
    if not rows:
        raise InputError(f"{path} has a header but no data rows")
    return names, rows


def _number(row: dict[str, str], column: str, name: str) -> float:
    cell = row[column]
    if not cell:
        raise InputError(f"{name}: column {column!r} is empty")
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{name}: {cell!r} in column {column!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{name}: {cell!r} in column {column!r} is not a finite number")
    return value


def _fmt(value: float | None, digits: int = 6) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _print_grr(path: str, result: GrrResult) -> None:
    method = "ANOVA" if result.method == "anova" else "average-and-range"
    print(
        f"{path}: gauge R&R by the {method} method, {result.parts} parts x "
        f"{result.appraisers} appraisers x {result.trials} trials"
    )
    tol = result.pct_tolerance
    print(f"{'source':<24}{'sigma':>12}{'%study var':>12}{'%contribution':>15}{'%tolerance':>12}")
    rows: list[tuple[str, float | None, str]] = [
        ("repeatability (EV)", result.ev, "ev"),
        ("reproducibility (AV)", result.av, "av"),
        ("interaction", result.interaction, "interaction"),
        ("gauge R&R (GRR)", result.grr, "grr"),
        ("part-to-part (PV)", result.pv, "pv"),
    ]
    for label, sigma, key in rows:
        if sigma is None:
            continue
        study = getattr(result.pct_study_variation, key)
        contribution = getattr(result.pct_contribution, key)
        toleranced = None if tol is None else getattr(tol, key)
        print(
            f"{label:<24}{_fmt(sigma):>12}{_pct(study):>12}{_pct(contribution):>15}"
            f"{_pct(toleranced):>12}"
        )
    print(f"{'total (TV)':<24}{_fmt(result.tv):>12}{_pct(100.0):>12}{_pct(100.0):>15}")
    if result.tolerance is not None:
        print(f"tolerance {_fmt(result.tolerance)}, study variation = {result.multiplier:g} sigma")
    print(f"ndc: {'-' if result.ndc is None else result.ndc}")
    basis = "the tolerance" if result.verdict_basis == "tolerance" else "total variation"
    judged = result.pct_grr
    if result.verdict_basis == "tolerance" and tol is not None:
        judged = tol.grr
    print(
        f"verdict: {result.verdict} (GRR is {judged:.2f} % of {basis}; AIAG: under 10 % "
        "acceptable, 10-30 % conditionally acceptable, over 30 % unacceptable)"
    )
    if result.anova is not None:
        print(f"ANOVA with interaction (alpha to pool it: {result.anova.alpha:g}):")
        _print_table(result.anova.table)
        if result.anova.reduced_table is not None:
            print("ANOVA without interaction (used for the components):")
            _print_table(result.anova.reduced_table)
    if result.average_range is not None:
        d = result.average_range
        print(
            f"R-double-bar {_fmt(d.r_double_bar)}, X-bar-diff {_fmt(d.x_diff)}, "
            f"Rp {_fmt(d.r_p)}, UCL_R {_fmt(d.ucl_r)}; "
            f"K1 {d.k1:.4f}, K2 {d.k2:.4f}, K3 {d.k3:.4f}"
        )
    for note in result.notes:
        print(f"note: {note}")


def _print_table(table: tuple[AnovaRow, ...]) -> None:
    print(f"  {'source':<20}{'DF':>5}{'SS':>13}{'MS':>13}{'F':>11}{'p':>9}")
    for row in table:
        p_text = "-" if row.p is None else f"{row.p:.3f}"
        print(
            f"  {row.source:<20}{row.df:>5}{_fmt(row.ss):>13}{_fmt(row.ms):>13}"
            f"{_fmt(row.f, 5):>11}{p_text:>9}"
        )


def _print_type1(path: str, result: Type1Result) -> None:
    print(f"{path}: type 1 gauge study, {result.n} measurements of the reference part")
    print(
        f"reference {_fmt(result.reference)}, tolerance {_fmt(result.tolerance)}, "
        f"K {result.percent_of_tolerance:g} %, L {result.spread:g}"
    )
    print(f"mean {_fmt(result.mean)}, standard deviation {_fmt(result.std)}")
    print(
        f"bias {_fmt(result.bias)}: t = {result.t_statistic:.4g}, p = {result.p_value:.3g} "
        f"({'significant' if result.bias_significant else 'not significant'} "
        f"at {result.alpha:g})"
    )
    verdict = "capable" if result.capable else "not capable"
    print(
        f"Cg {result.cg:.2f}, Cgk {result.cgk:.2f}: {verdict} "
        f"(capable when both >= {result.min_index:g})"
    )
    bias_var = result.pct_var_repeatability_bias
    print(
        f"%Var(repeatability) {result.pct_var_repeatability:.2f}, "
        f"%Var(repeatability and bias) {_pct(bias_var)}"
    )
    for note in result.notes:
        print(f"note: {note}")
