"""``lineside print``: ticket previews without a printer.

    lineside print preview traveler --lot LOT-260301-0042 --out ticket.png [--paper 58|80]
    lineside print preview holdtag --lot LOT-260301-0042 [--escpos ticket.bin]
    lineside print preview holdtag --hold 3f2a9c1b
    lineside print preview holdtag --sample --reason "burr" --ncr NCR-0042

Writes the PNG preview (what the printer would print, at its resolution) and
prints the plain-text rendering. With only ``--lot`` (or ``--hold``) the ticket
shows what the database holds about that lot. Without them, with ``--sample``,
or with any field given on the command line, the ticket is a SAMPLE: invented
values fill what is missing and the ticket says SAMPLE at top and bottom.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.common import add_database_option, fail

SAMPLE_OPERATIONS = "10:Saw,20:Deburr,30:Bend,40:Inspect"
SAMPLE_LOT = "SAMPLE-LOT-0042"
#: Invented values of a SAMPLE ticket, by option.
SAMPLE_TRAVELER: dict[str, Any] = {
    "wo": "WO-1001", "product": "P-100", "product_name": "Mounting bracket", "qty": 120.0,
    "unit": "pcs", "ops": SAMPLE_OPERATIONS, "current": "20", "operator": "demo.operator",
}  # fmt: skip
SAMPLE_HOLD_TAG: dict[str, Any] = {
    "reason": "Burr on bent edge exceeds 0.2 mm (sample)", "ncr": "NCR-0042",
    "by": "demo.inspector", "product": "", "qty": None, "date": None,
}  # fmt: skip


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("print", help="ticket previews (traveler, hold tag)")
    sub = parser.add_subparsers(dest="print_command", metavar="ACTION")
    preview = sub.add_parser("preview", help="render a ticket to PNG and text")
    kinds = preview.add_subparsers(dest="ticket", metavar="TICKET")

    def common(p: argparse.ArgumentParser, default_out: str) -> None:
        add_database_option(p)
        p.add_argument("--lot", help="lot id: its ticket from the database (QR and CODE128)")
        p.add_argument("--sample", action="store_true", help="a SAMPLE ticket with invented data")
        p.add_argument("--out", type=Path, default=Path(default_out), help="PNG file to write")
        p.add_argument("--paper", type=int, choices=(58, 80), default=80, help="paper width, mm")
        p.add_argument("--escpos", type=Path, help="also write the ESC/POS bytes to this file")
        p.set_defaults(func=run)

    sample = "(makes the ticket a SAMPLE)"
    traveler = kinds.add_parser("traveler", help="work-order traveler")
    common(traveler, "traveler.png")
    traveler.add_argument("--date", help="printed at, ISO format (default: now)")
    traveler.add_argument("--wo", help=f"work order {sample}")
    traveler.add_argument("--product", help=f"product code {sample}")
    traveler.add_argument("--product-name", help=sample)
    traveler.add_argument("--qty", type=float, help=sample)
    traveler.add_argument("--unit", help=sample)
    traveler.add_argument("--ops", help=f'routing as "seq:name,seq:name" {sample}')
    traveler.add_argument("--current", help=f"seq of the current operation {sample}")
    traveler.add_argument("--operator", help=sample)

    hold = kinds.add_parser("holdtag", help="hold tag for a lot")
    common(hold, "holdtag.png")
    hold.add_argument("--hold", help="hold id or its first characters: that hold's tag")
    hold.add_argument("--date", help=f"held at, ISO format {sample}")
    hold.add_argument("--reason", help=sample)
    hold.add_argument("--ncr", help=sample)
    hold.add_argument("--by", help=f"who placed the hold {sample}")
    hold.add_argument("--product", help=sample)
    hold.add_argument("--qty", type=float, help=sample)

    parser.set_defaults(func=lambda args: _usage(parser))
    preview.set_defaults(func=lambda args: _usage(preview))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _operations(spec: str) -> tuple[Any, ...]:
    from hardware.printers.tickets import Operation

    ops = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        seq, _, name = item.partition(":")
        ops.append(Operation(seq.strip(), name.strip() or seq.strip()))
    return tuple(ops)


def _quantity(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _sample_fields(args: argparse.Namespace) -> list[str]:
    """The ticket fields given on the command line (each makes the ticket a SAMPLE)."""
    fields = SAMPLE_TRAVELER if args.ticket == "traveler" else SAMPLE_HOLD_TAG
    return [f"--{name.replace('_', '-')}" for name in fields if getattr(args, name) is not None]


def sample_ticket(args: argparse.Namespace) -> Any:
    from hardware.printers.tickets import HoldTag, Traveler

    defaults = SAMPLE_TRAVELER if args.ticket == "traveler" else SAMPLE_HOLD_TAG
    v = {name: default if getattr(args, name) is None else getattr(args, name)
         for name, default in defaults.items()}  # fmt: skip
    at = datetime.fromisoformat(args.date) if args.date else datetime.now().replace(microsecond=0)
    lot = args.lot or SAMPLE_LOT
    if args.ticket == "traveler":
        return Traveler(
            work_order=v["wo"], product=v["product"], lot_id=lot, quantity=_quantity(v["qty"]),
            operations=_operations(v["ops"]), current_op=v["current"], operator=v["operator"],
            printed_at=at, product_name=v["product_name"], unit=v["unit"],
        )  # fmt: skip
    return HoldTag(
        lot_id=lot, reason=v["reason"], ncr=v["ncr"], held_by=v["by"], held_at=at,
        product=v["product"], quantity=None if v["qty"] is None else _quantity(v["qty"]),
    )  # fmt: skip


def mark_sample(lay: Any) -> Any:
    """The layout with SAMPLE at its top and above its cut, in the PNG, text and ESC/POS."""
    from hardware.printers.tickets import Blank, Cut, Text

    banner = (
        Text("SAMPLE", "double", bold=True, align="center", invert=True),
        Text("invented data, not a real lot", align="center"),
    )
    blocks = list(lay.blocks)
    tail = len(blocks)
    while tail and isinstance(blocks[tail - 1], Blank | Cut):
        tail -= 1
    blocks = [*banner, *blocks[:tail], *banner, *blocks[tail:]]
    return dataclasses.replace(lay, blocks=tuple(blocks), label=f"SAMPLE {lay.label}")


def _from_database(args: argparse.Namespace) -> tuple[Any, list[str]] | str:
    """The lot's ticket and notes, or why there is none."""
    from cli.common import open_engine
    from cli.lot_tickets import hold_tag_for_lot, traveler_for_lot
    from cli.plant_time import plant_clock

    try:
        engine = open_engine(args, migrate_embedded=False)
    except SystemExit as exc:
        return str(exc.code).removeprefix("lineside: ")
    try:
        tz = plant_clock(engine).timezone
        if args.ticket == "traveler":
            now = datetime.fromisoformat(args.date) if args.date else datetime.now(UTC)
            found = traveler_for_lot(engine, args.lot, tz, now.replace(microsecond=0))
        else:
            found = hold_tag_for_lot(engine, args.lot, args.hold, tz)
    except LookupError as exc:
        return str(exc.args[0])
    finally:
        engine.dispose()
    return found.ticket, found.notes


def run(args: argparse.Namespace) -> int:
    from hardware.printers.tickets import layout, render_escpos, render_png, render_text

    given = _sample_fields(args)
    hold_ref = getattr(args, "hold", None)
    is_sample = args.sample or bool(given) or not (args.lot or hold_ref)
    notes: list[str] = []
    if is_sample:
        ticket = sample_ticket(args)
        why = ("--sample" if args.sample else f"{', '.join(given)} given" if given
               else "no --lot given")  # fmt: skip
        notes.append(f"SAMPLE ticket ({why}): invented data; `--lot LOT` alone shows a lot's "
                     "own ticket from the database")  # fmt: skip
    else:
        found = _from_database(args)
        if isinstance(found, str):
            return fail(f"{found}\n  (`--sample` previews a ticket with invented data)", 1)
        ticket, notes = found
    try:
        lay = layout(ticket, args.paper)
    except ValueError as exc:
        print(f"lineside print: {exc}", file=sys.stderr)
        return 1
    if is_sample:
        lay = mark_sample(lay)
    render_png(lay).save(args.out)
    if args.escpos:
        args.escpos.write_bytes(render_escpos(lay))
    sys.stdout.write(render_text(lay))
    for note in [*notes, *lay.notes]:
        print(f"note: {note}", file=sys.stderr)
    print(f"preview written to {args.out}", file=sys.stderr)
    return 0
