"""`lineside ncr list|show|open|disposition`: nonconformance reports and signed dispositions."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from cli.common import add_database_option, fail, open_engine
from core.verdict import NO_LIMITS, Spec, limits, plain


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ncr", help="nonconformance reports and e-signed MRB dispositions")
    add_database_option(p)
    p.add_argument("action", choices=["list", "show", "open", "disposition"])
    p.add_argument("ncr", nargs="?", help="NCR number (show, disposition) or title (open)")
    p.add_argument("--kind", choices=["use_as_is", "rework", "scrap", "return_to_vendor", "sort"])
    p.add_argument("--badge", help="signer's badge")
    p.add_argument("--pin", help="signer's PIN (default: $LINESIDE_PIN, else asked on a terminal)")
    p.add_argument("--meaning", help="meaning of the signature (default: 'approved <kind>')")
    p.add_argument("--operation", type=int, help="rework: routing operation to rework on")
    p.add_argument("--release-qty", type=float, default=0)
    p.add_argument("--scrap-qty", type=float, default=0)
    p.add_argument("--rework-qty", type=float, default=0)
    p.add_argument("--lot", action="append", default=[], help="open: lot to include (repeat)")
    p.add_argument("--all", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def measured(m: dict[str, Any]) -> str:
    """An NCR's measurement as the quality engineer reads it, with only the limits that
    exist: ``measured SHAFT-RA = 0.93 um (limits ≤ 0.8 um)``, ``... (no limits)``.

    A measurement recorded without its limits (an SPC signal's subgroup) shows none."""
    unit = m.get("unit") or ""
    value = m.get("value")
    shown = plain(value) if isinstance(value, int | float) else str(value)
    said = f"measured {m['characteristic']} = {f'{shown} {unit}'.rstrip()}"
    if "lsl" not in m and "usl" not in m:
        return said
    bounds = limits(Spec(nominal=None, lsl=m.get("lsl"), usl=m.get("usl"), unit=unit))
    return f"{said} ({bounds if bounds == NO_LIMITS else f'limits {bounds}'})"


def run(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from cli.plant_time import plant_clock
    from server.api.quality import list_ncrs, ncr_out
    from server.models_quality import Ncr
    from server.quality import actions as qe

    engine = open_engine(args, migrate_embedded=False)
    clock = plant_clock(engine)
    if args.action == "list":
        with Session(engine) as session:
            ncrs = list_ncrs(None, session, "all" if args.all else "open", 2000)  # type: ignore[arg-type]
        if args.json:
            print(json.dumps([n.model_dump(mode="json") for n in ncrs]))
        else:
            for n in ncrs:
                critical = "CRITICAL " if n.critical else ""
                print(
                    f"{n.id:16} {n.status:18} opened {clock.show(n.opened_at)}  "
                    f"{critical}{n.title}  lots: {', '.join(n.lots) or '-'}"
                )
            if not ncrs:
                print("no NCRs" if args.all else "no open NCRs")
        return 0
    if not args.ncr:
        return fail(f"ncr {args.action} needs an NCR number")
    if args.action == "open":
        if not args.badge:
            return fail("ncr open needs --badge")
        ncr_id, results = qe.open_ncr(engine, title=args.ncr, badge=args.badge, lots=args.lot)
        if ncr_id is None:
            return fail(results[0].reason or "refused")
        print(ncr_id)
        return 0
    from cli.hold_ids import short_ids

    with Session(engine) as session:
        ncr = session.get(Ncr, args.ncr)
        if ncr is None:
            return fail(f"{args.ncr} does not exist")
        out = ncr_out(session, ncr)
        short = short_ids(session, [h.id for h in out.holds])
    if args.action == "show":
        if args.json:
            print(out.model_dump_json(indent=2))
            return 0
        print(
            f"{out.id}  {out.status.upper()}  {'CRITICAL  ' if out.critical else ''}"
            f"opened {clock.show(out.opened_at)} by {out.opened_by or '-'}"
        )
        print(f"  {out.title}\n  {out.description}")
        print(
            f"  lots: {', '.join(out.lots) or '-'}   station: {out.station_id or '-'}   qty affected: {out.qty_affected:g}"
        )
        for m in out.measurements:
            print(f"  {measured(m)}")
        for h in out.holds:
            print(f"  hold {short[h.id]} {h.status:8} {h.target_type} {h.target}")
        for d in out.dispositions:
            print(
                f"  disposition {d.kind} {d.status} ({len(d.signatures)}/{d.signatures_required} signatures)"
            )
            for s in d.signatures:
                print(
                    f"    signed by {s.signer_name} ({s.signer}, {s.role}) "
                    f"at {clock.show(s.signed_at, seconds=True)}: "
                    f"{s.meaning}  [{s.record_hash[:16]}]"
                )
        return 0
    if not args.badge:
        return fail("ncr disposition needs --badge")
    kind = args.kind or next((d.kind for d in out.dispositions if d.status == "pending"), None)
    if kind is None:
        return fail("ncr disposition needs --kind to propose one")
    pin = args.pin or os.environ.get("LINESIDE_PIN")
    if not pin:
        if not sys.stdin.isatty():
            return fail(
                f"ncr disposition: no PIN for {args.badge} and no terminal to ask on "
                "(stdin is not a terminal); pass --pin or set LINESIDE_PIN. Nothing was signed."
            )
        pin = getpass.getpass(f"PIN for {args.badge}: ")
        if not pin:
            return fail("ncr disposition: no PIN entered; nothing was signed")
    details: dict[str, object] = {}
    if args.operation is not None:
        details["operation"] = args.operation
    if kind == "sort":
        details.update(
            release_qty=args.release_qty, scrap_qty=args.scrap_qty, rework_qty=args.rework_qty
        )
    result = qe.sign_disposition(
        engine,
        args.ncr,
        kind=kind,
        badge=args.badge,
        pin=pin,
        details=details,
        meaning=args.meaning,
    )
    if result.status == "rejected":
        return fail(f"signature refused: {result.reason}")
    state = result.outcome.get("status", "")
    print(
        f"{args.ncr}: {kind} signed by {args.badge} "
        f"({result.outcome.get('signatures')}/{result.outcome.get('signatures_required')}) — {state}"
    )
    return 0
