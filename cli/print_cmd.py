"""``lineside print``: ticket previews without a printer.

    lineside print preview traveler --wo WO-1001 --product P-100 --lot LOT-260301-0042 \\
        --out ticket.png [--paper 58|80] [--escpos ticket.bin]
    lineside print preview holdtag --lot LOT-260301-0042 --reason "burr" --ncr NCR-0042

Writes the PNG preview (what the printer would print, at its resolution) and
prints the plain-text rendering. Missing options get demo values.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

DEMO_OPERATIONS = "10:Saw,20:Deburr,30:Bend,40:Inspect"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("print", help="ticket previews (traveler, hold tag)")
    sub = parser.add_subparsers(dest="print_command", metavar="ACTION")
    preview = sub.add_parser("preview", help="render a ticket to PNG and text")
    kinds = preview.add_subparsers(dest="ticket", metavar="TICKET")

    def common(p: argparse.ArgumentParser, default_out: str) -> None:
        p.add_argument("--lot", default="LOT-260301-0042", help="lot id (QR and CODE128)")
        p.add_argument("--out", type=Path, default=Path(default_out), help="PNG file to write")
        p.add_argument("--paper", type=int, choices=(58, 80), default=80, help="paper width, mm")
        p.add_argument("--escpos", type=Path, help="also write the ESC/POS bytes to this file")
        p.add_argument("--date", help="printed/held at, ISO format (default: now)")
        p.set_defaults(func=run)

    traveler = kinds.add_parser("traveler", help="work-order traveler")
    common(traveler, "traveler.png")
    traveler.add_argument("--wo", default="WO-1001", help="work order")
    traveler.add_argument("--product", default="P-100", help="product code")
    traveler.add_argument("--product-name", default="Mounting bracket")
    traveler.add_argument("--qty", type=float, default=120)
    traveler.add_argument("--unit", default="pcs")
    traveler.add_argument(
        "--ops", default=DEMO_OPERATIONS, help='routing as "seq:name,seq:name" (default: demo)'
    )
    traveler.add_argument("--current", default="20", help="seq of the current operation")
    traveler.add_argument("--operator", default="demo.operator")

    hold = kinds.add_parser("holdtag", help="hold tag for a lot")
    common(hold, "holdtag.png")
    hold.add_argument("--reason", default="Burr on bent edge exceeds 0.2 mm (demo)")
    hold.add_argument("--ncr", default="NCR-0042")
    hold.add_argument("--by", default="demo.inspector", help="who placed the hold")
    hold.add_argument("--product", default="")
    hold.add_argument("--qty", type=float)

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


def run(args: argparse.Namespace) -> int:
    from hardware.printers.tickets import (
        HoldTag,
        Traveler,
        layout,
        render_escpos,
        render_png,
        render_text,
    )

    at = datetime.fromisoformat(args.date) if args.date else datetime.now().replace(microsecond=0)
    ticket: Traveler | HoldTag
    if args.ticket == "traveler":
        ticket = Traveler(
            work_order=args.wo,
            product=args.product,
            lot_id=args.lot,
            quantity=_quantity(args.qty),
            operations=_operations(args.ops),
            current_op=args.current,
            operator=args.operator,
            printed_at=at,
            product_name=args.product_name,
            unit=args.unit,
        )
    else:
        ticket = HoldTag(
            lot_id=args.lot,
            reason=args.reason,
            ncr=args.ncr,
            held_by=args.by,
            held_at=at,
            product=args.product,
            quantity=None if args.qty is None else _quantity(args.qty),
        )
    try:
        lay = layout(ticket, args.paper)
    except ValueError as exc:
        print(f"lineside print: {exc}", file=sys.stderr)
        return 1
    render_png(lay).save(args.out)
    if args.escpos:
        args.escpos.write_bytes(render_escpos(lay))
    sys.stdout.write(render_text(lay))
    for note in lay.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"preview written to {args.out}", file=sys.stderr)
    return 0
