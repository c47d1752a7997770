"""`lineside spc FILE.csv --chart ...`: offline control chart analysis of a CSV file.

Prints the centre line and limits of each chart part, every run-rule
violation (rule id and 0-based point index) and, with --lsl/--usl, process
capability. With --json the output is one JSON object. Bad files, columns or
data give a one-line error on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from core.spc import (
    CHART_TYPES,
    Capability,
    ChartData,
    Monitoring,
    PartSeries,
    PhaseOne,
    RuleSpec,
    SpcError,
    capability,
    count_data,
    measurement_data,
    monitor,
    parse_rules,
    phase_one,
)

EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the file or the options, told to the user in one line."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `spc` subcommand."""
    p = subparsers.add_parser(
        "spc",
        help="analyse a CSV offline: control limits, rule violations, capability",
        description=(
            "Compute control limits from a CSV file (phase I), list run-rule violations "
            "and, with --lsl/--usl, process capability."
        ),
    )
    p.add_argument("file", metavar="FILE.csv", help="CSV file with a header row")
    p.add_argument("--chart", required=True, choices=CHART_TYPES, help="chart type")
    sizes = p.add_mutually_exclusive_group()
    sizes.add_argument(
        "--subgroup-size",
        type=int,
        metavar="N",
        help="X-bar charts: consecutive rows form subgroups of N; p/np/u: every sample has N units",
    )
    sizes.add_argument(
        "--size-column", metavar="COL", help="p/np/u charts: column with units inspected per sample"
    )
    p.add_argument(
        "--value-column",
        metavar="COL",
        help="measurement (or count) column; default: 'value' if present, else the first column",
    )
    p.add_argument(
        "--subgroup-column",
        metavar="COL",
        help="X-bar charts: rows with the same key form a subgroup",
    )
    p.add_argument(
        "--rules",
        default="we",
        metavar="RULES",
        help="we, nelson, or a comma list such as we-1,nelson-2 (default: we)",
    )
    p.add_argument(
        "--run-length", type=int, metavar="N", help="points on one side for we-4 / nelson-2"
    )
    p.add_argument("--lsl", type=float, help="lower specification limit")
    p.add_argument("--usl", type=float, help="upper specification limit")
    p.add_argument(
        "--baseline",
        type=int,
        metavar="N",
        help="compute limits from the first N points only; later points are monitored (phase II)",
    )
    p.add_argument(
        "--iterate",
        action="store_true",
        help="phase I: exclude points beyond the limits and recompute until none remain",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Analyse the file; 0 on success, 2 on bad input (message on stderr)."""
    try:
        rules = parse_rules(args.rules, run_length=args.run_length)
        data = _load(args)
        baseline = _baseline(args, data)
        result = phase_one(baseline, iterate=args.iterate)
        monitoring = monitor(result.limits, data, rules)
        cap = _capability(args, baseline, result)
    except (InputError, SpcError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except (csv.Error, UnicodeDecodeError) as exc:
        return _fail(f"{args.file} is not a readable CSV file: {exc}")
    if args.json:
        print(json.dumps(_as_json(args, data, rules, result, monitoring, cap)))
    else:
        _print_text(args, data, rules, result, monitoring, cap)
    return 0


def _fail(message: str) -> int:
    print(f"lineside spc: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _read_rows(path: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise InputError(f"{path} is empty: expected a header row and data rows")
        columns = [c.strip() for c in reader.fieldnames]
        reader.fieldnames = columns
        rows = [
            (reader.line_num, row) for row in reader if any((v or "").strip() for v in row.values())
        ]
    if not rows:
        raise InputError(f"{path} has a header but no data rows")
    return columns, rows


def _column(columns: list[str], name: str, what: str) -> str:
    if name not in columns:
        raise InputError(f"{what} column {name!r} not found; the file has: {', '.join(columns)}")
    return name


def _numbers(rows: list[tuple[int, dict[str, str]]], column: str) -> list[float]:
    out = []
    for line, row in rows:
        cell = (row.get(column) or "").strip()
        if not cell:
            raise InputError(f"line {line}: column {column!r} is empty")
        try:
            out.append(float(cell))
        except ValueError:
            raise InputError(
                f"line {line}: {cell!r} in column {column!r} is not a number"
            ) from None
    return out


def _value_column(args: argparse.Namespace, columns: list[str]) -> str:
    if args.value_column:
        return _column(columns, args.value_column, "value")
    if "value" in columns:
        return "value"
    used = {args.subgroup_column, args.size_column}
    return next(c for c in columns if c not in used) if set(columns) - used else columns[0]


def _load(args: argparse.Namespace) -> ChartData:
    columns, rows = _read_rows(args.file)
    value_col = _value_column(args, columns)
    values = _numbers(rows, value_col)
    chart = args.chart
    if args.subgroup_column and chart not in ("xbar-r", "xbar-s"):
        raise InputError("--subgroup-column is only for xbar-r and xbar-s charts")
    if args.subgroup_size is not None and args.subgroup_size < 1:
        raise InputError("--subgroup-size must be at least 1")
    if chart in ("xbar-r", "xbar-s"):
        if args.size_column:
            raise InputError("--size-column is for p, np and u charts; use --subgroup-size")
        return measurement_data(chart, _subgroups(args, columns, rows, values))
    if chart == "imr":
        if args.size_column or args.subgroup_size not in (None, 1):
            raise InputError("an imr chart plots one measurement per point: drop the size option")
        return measurement_data(chart, values)
    sizes: list[float] | None = None
    if args.size_column:
        sizes = _numbers(rows, _column(columns, args.size_column, "size"))
    elif args.subgroup_size is not None:
        sizes = [float(args.subgroup_size)] * len(values)
    elif chart != "c":
        raise InputError(f"a {chart} chart needs --size-column or --subgroup-size")
    return count_data(chart, values, sizes)


def _subgroups(
    args: argparse.Namespace,
    columns: list[str],
    rows: list[tuple[int, dict[str, str]]],
    values: list[float],
) -> list[list[float]]:
    if args.subgroup_column:
        key_col = _column(columns, args.subgroup_column, "subgroup")
        groups: dict[str, list[float]] = {}
        for (_, row), value in zip(rows, values, strict=True):
            groups.setdefault((row.get(key_col) or "").strip(), []).append(value)
        sizes = {len(g) for g in groups.values()}
        if len(sizes) > 1:
            common = max(sizes, key=lambda s: sum(len(g) == s for g in groups.values()))
            odd = next(k for k, g in groups.items() if len(g) != common)
            count = len(groups[odd])
            raise InputError(
                f"subgroup {odd!r} has {count} measurement{'s' if count != 1 else ''} "
                f"but most have {common}: "
                "X-bar charts here need equal subgroups"
            )
        return list(groups.values())
    n = args.subgroup_size
    if n is None:
        raise InputError(f"an {args.chart} chart needs --subgroup-size N or --subgroup-column COL")
    if len(values) % n:
        raise InputError(
            f"{len(values)} measurements do not fill subgroups of {n}: "
            f"the last subgroup has only {len(values) % n}"
        )
    return [values[i : i + n] for i in range(0, len(values), n)]


def _baseline(args: argparse.Namespace, data: ChartData) -> ChartData:
    if args.baseline is None:
        return data
    if not 1 <= args.baseline <= data.points:
        raise InputError(f"--baseline must be between 1 and the {data.points} points in the file")
    return data.subset(np.arange(data.points) < args.baseline)


def _capability(args: argparse.Namespace, data: ChartData, result: PhaseOne) -> Capability | None:
    if args.lsl is None and args.usl is None:
        return None
    if data.measurements is None:
        raise InputError("capability (--lsl/--usl) needs measurements: use xbar-r, xbar-s or imr")
    keep = np.ones(data.points, dtype=bool)
    keep[list(result.excluded)] = False
    # same within-subgroup estimate as the chart's limits, on the retained points
    within = {"xbar-r": "rbar", "xbar-s": "sbar", "imr": "mrbar"}[data.chart]
    return capability(
        data.measurements[keep],
        lsl=args.lsl,
        usl=args.usl,
        within=within,  # type: ignore[arg-type]
    )


def _limit(values: np.ndarray) -> float | list[float]:
    return float(values[0]) if np.all(values == values[0]) else [float(v) for v in values]


def _part_json(part: PartSeries, monitoring: Monitoring) -> dict[str, Any]:
    return {
        "center": part.center,
        "lcl": _limit(part.lcl),
        "ucl": _limit(part.ucl),
        "violations": [
            {"rule": v.rule, "index": v.index, "points": list(v.points), "message": v.message}
            for v in monitoring.for_part(part.part)
        ],
    }


def _as_json(
    args: argparse.Namespace,
    data: ChartData,
    rules: Sequence[RuleSpec],
    result: PhaseOne,
    monitoring: Monitoring,
    cap: Capability | None,
) -> dict[str, Any]:
    return {
        "chart": data.chart,
        "file": args.file,
        "points": data.points,
        "baseline_points": result.limits.baseline_points,
        "rules": [s.id for s in rules],
        "parts": {p.part: _part_json(p, monitoring) for p in monitoring.chart.parts},
        "limits": result.limits.to_dict(),
        "phase_one": {
            "iterations": [
                {"number": it.number, "beyond": list(it.beyond)} for it in result.iterations
            ],
            "excluded": list(result.excluded),
        },
        "capability": None if cap is None else asdict(cap),
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _limit_text(values: np.ndarray) -> str:
    if np.all(values == values[0]):
        return _fmt(float(values[0]))
    return f"{_fmt(float(values.min()))}..{_fmt(float(values.max()))} (per point)"


def _print_text(
    args: argparse.Namespace,
    data: ChartData,
    rules: Sequence[RuleSpec],
    result: PhaseOne,
    monitoring: Monitoring,
    cap: Capability | None,
) -> None:
    size = result.limits.subgroup_size
    shape = f", subgroups of {size}" if data.chart in ("xbar-r", "xbar-s") else ""
    print(f"{args.file}: {data.chart} chart, {data.points} points{shape}")
    if args.baseline is not None:
        print(f"limits from the first {args.baseline} points; later points are monitored")
    if result.excluded:
        print(f"phase I excluded points: {', '.join(map(str, result.excluded))}")
    print(f"{'part':<6}{'centre':>14}{'LCL':>14}{'UCL':>14}")
    for p in monitoring.chart.parts:
        print(f"{p.part:<6}{_fmt(p.center):>14}{_limit_text(p.lcl):>14}{_limit_text(p.ucl):>14}")
    print(f"rules: {', '.join(s.id for s in rules)}")
    if not monitoring.violations:
        print("no rule violations")
    for v in monitoring.violations:
        print(f"  {v.part:<5} point {v.index:<5} {v.rule:<9} {v.message}")
    if cap is None:
        return
    print(
        f"capability (LSL {_fmt(cap.lsl)}, USL {_fmt(cap.usl)}; n {cap.n}, mean {_fmt(cap.mean)}, "
        f"sigma within {_fmt(cap.sigma_within)}, overall {_fmt(cap.sigma_overall)}):"
    )
    print(
        f"  Cp {_fmt(cap.cp)}  Cpl {_fmt(cap.cpl)}  Cpu {_fmt(cap.cpu)}  Cpk {_fmt(cap.cpk)}"
        f"  Pp {_fmt(cap.pp)}  Ppk {_fmt(cap.ppk)}"
    )
    for note in cap.notes:
        print(f"  note: {note}")
