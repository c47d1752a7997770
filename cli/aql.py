"""`lineside aql plan`: the ISO 2859-1 / ANSI/ASQ Z1.4 single sampling plan for a lot.

Prints the code letter, the plan the master table gives (after its arrows),
the sample to inspect and the accept/reject numbers. With --json the output
is one JSON object. Bad input gives a one-line error on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_BAD_INPUT = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `aql` subcommand and its `plan` action."""
    p = subparsers.add_parser(
        "aql",
        help="acceptance sampling plans (ISO 2859-1 / ANSI/ASQ Z1.4 single sampling)",
        description="Acceptance sampling by attributes, ISO 2859-1:1999 = ANSI/ASQ Z1.4-2003.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    plan = actions.add_parser(
        "plan",
        help="sample size and accept/reject numbers for one lot",
        description=(
            "The single sampling plan for a lot: Table I code letter, then the normal (2-A), "
            "tightened (2-B) or reduced (2-C) master table, following its arrows."
        ),
    )
    # Values are checked by core.sampling so that every bad value gets one clear line.
    plan.add_argument("--lot-size", metavar="N", help="units in the lot")
    plan.add_argument(
        "--level", default="II", help="inspection level: S-1..S-4, I, II, III (default II)"
    )
    plan.add_argument("--aql", metavar="AQL", help="acceptance quality limit, e.g. 0.65, 1.0, 2.5")
    plan.add_argument("--severity", default="normal", help="normal (default), tightened or reduced")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.set_defaults(func=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    """Print the plan; 0 on success, 2 on bad input (one line on stderr)."""
    from core.sampling import SamplingError, plan

    if args.lot_size is None:
        return _fail("--lot-size is required (the number of units in the lot)")
    if args.aql is None:
        return _fail("--aql is required (e.g. --aql 1.0)")
    try:
        lot_size = int(args.lot_size.replace("_", ""))
    except ValueError:
        return _fail(f"--lot-size {args.lot_size!r} is not a whole number of units")
    try:
        aql = float(args.aql)
    except ValueError:
        return _fail(f"--aql {args.aql!r} is not a number (e.g. 0.65, 1.0, 2.5)")
    try:
        found = plan(lot_size, args.level, aql, args.severity)
    except SamplingError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(found.to_dict()))
        return 0
    print(
        f"lot of {found.lot_size} units, inspection level {found.level}, AQL {found.aql_label}, "
        f"{found.severity} inspection (ISO 2859-1 Table {found.table})"
    )
    if found.plan_letter == found.code_letter:
        print(f"code letter {found.code_letter}: sample size {found.n}")
    else:
        print(
            f"code letter {found.code_letter}: the table's arrow leads to code letter "
            f"{found.plan_letter}, sample size {found.n}"
        )
    if found.hundred_percent:
        print(f"the sample size reaches the lot size: inspect all {found.sample} units")
    else:
        print(f"inspect {found.sample} units drawn at random from the lot")
    # AQLs above 10 count nonconformities per 100 items (ISO 2859-1 5.2), not items
    counted = "nonconformities" if found.aql > 10 else "nonconforming items"
    accept = "none" if found.ac == 0 else f"{found.ac} or fewer"
    print(
        f"accept with {accept} found (Ac {found.ac}), "
        f"reject with {found.re} or more {counted} (Re {found.re})"
    )
    return 0


def _fail(message: str) -> int:
    print(f"lineside aql: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
