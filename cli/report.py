"""`lineside report daily`: one plant day of production and quality.

    lineside report daily                      # yesterday, Markdown on stdout
    lineside report daily --date 2026-11-24 --json
    lineside report daily --date today --out /srv/lineside/reports [--redo]

The server writes the same report every night when ``LINESIDE_REPORTS_DIR`` is
set (at ``LINESIDE_REPORT_AT``, 02:00 plant time by default).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from cli.common import add_database_option, open_engine


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the daily production and quality report")
    add_database_option(p)
    p.add_argument("kind", choices=["daily"])
    p.add_argument(
        "--date",
        default="yesterday",
        help="plant day: YYYY-MM-DD, 'today' or 'yesterday' (default)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="JSON on stdout instead of Markdown")
    out.add_argument("--out", type=Path, help="write Markdown and JSON files into this folder")
    p.add_argument("--redo", action="store_true", help="with --out: replace a report already there")
    p.set_defaults(func=run)


def _day(text: str, today: date) -> date | None:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def run(args: argparse.Namespace) -> int:
    from server.services.report import (
        daily_report,
        plant_today,
        report_paths,
        write_daily_report,
    )

    engine = open_engine(args, migrate_embedded=False)
    today = plant_today(engine)
    day = _day(args.date, today)
    if day is None:
        print(f"lineside: --date {args.date!r} is not YYYY-MM-DD, 'today' or 'yesterday'")
        return 2
    if day > today:
        print(f"lineside: {day} has not happened yet (the plant's today is {today})")
        return 2
    if args.out is not None:
        report = write_daily_report(engine, args.out, day, redo=args.redo)
        if report is None:
            print(f"the report for {day} is already in {args.out} (--redo replaces it)")
            return 0
        print(f"daily report for {day} written to {report_paths(args.out, day)[0]} (and .json)")
    else:
        report = daily_report(engine, day)
        print(report.to_json() if args.json else report.to_markdown(), end="")
    if report.ledger_problem:
        print(f"lineside: the event log does not verify: {report.ledger_problem}", file=sys.stderr)
        return 1
    return 0
