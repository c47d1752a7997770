"""`lineside recall SUPPLIER_LOT`: what contains a supplier lot, where it is, and holding it."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cli.common import add_database_option, fail, open_engine

if TYPE_CHECKING:
    from server.trace.recall import RecallHoldResult, RecallScope

STATES = ("in_stock", "in_process", "held", "shipped", "consumed", "scrapped")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "recall",
        help="recall scope of a supplier lot: every lot and serial containing it; --hold holds",
    )
    add_database_option(p)
    p.add_argument("supplier_lot", help="the supplier's lot number (as received)")
    p.add_argument("--supplier", default=None, help="only lots received from this supplier")
    p.add_argument("--state", choices=STATES, default=None, help="list only lots in this state")
    p.add_argument(
        "--limit", type=int, default=1000, metavar="N", help="list at most N lots (default 1000)"
    )
    p.add_argument(
        "--offset", type=int, default=0, metavar="N", help="skip the first N lots (paging)"
    )
    p.add_argument("--hold", action="store_true", help="hold every lot still in the plant")
    p.add_argument("--reason", default=None, help="with --hold: why (shown on every hold)")
    p.add_argument(
        "--operator",
        default=None,
        metavar="BADGE",
        help="with --hold: badge of the supervisor, inspector or QE ordering it",
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server.trace.recall import RecallError, UnknownSupplierLot, recall_hold, recall_scope

    if args.hold and not (args.reason and args.reason.strip()):
        return fail('recall --hold needs --reason "..." (it is printed on every hold tag)')
    if args.hold and not args.operator:
        return fail(
            "recall --hold needs --operator BADGE (a supervisor, inspector or quality engineer)"
        )
    engine = open_engine(args, migrate_embedded=False)
    try:
        held = None
        if args.hold:
            held = recall_hold(engine, args.supplier_lot, args.reason, args.operator, args.supplier)
        scope = recall_scope(
            engine,
            args.supplier_lot,
            args.supplier,
            limit=args.limit,
            offset=args.offset,
            state=args.state,
        )
    except UnknownSupplierLot as exc:
        return fail(str(exc), 1)
    except RecallError as exc:
        return fail(str(exc))
    finally:
        engine.dispose()
    if args.json:
        out = scope.model_dump(mode="json")
        if held is not None:
            out["hold"] = held.model_dump(mode="json")
        print(json.dumps(out))
    else:
        print("\n".join(render(scope, held)))
    return 1 if held is not None and held.rejected else 0


def _counts(counts: dict[str, int]) -> str:
    return (
        ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(counts.items())) or "none"
    )


def render(scope: RecallScope, held: RecallHoldResult | None = None) -> list[str]:
    lines = []
    if held is not None:
        lines.append(
            f"recall hold by {held.operator}: {len(held.placed)} lots held now, "
            f"{len(held.already_held)} already held by this recall, {len(held.rejected)} refused"
        )
        lines += [f"  REFUSED {r.lot}: {r.reason}" for r in held.rejected]
    received = ", ".join(
        f"{s.lot} ({s.part}, {s.initial_qty:g} from {s.supplier or '?'})" for s in scope.sources
    )
    lines.append(f"supplier lot {scope.supplier_lot} was received as {received}")
    lines.append(
        f"{scope.lots_total} lots and {scope.units_total} serials contain it; "
        f"{sum(scope.finished_by_state.values())} of the lots are finished (nothing made from them)"
    )
    lines.append(f"  lots:          {_counts(scope.lots_by_state)}")
    lines.append(f"  finished lots: {_counts(scope.finished_by_state)}")
    if scope.units_total:
        lines.append(f"  serials:       {_counts(scope.units_by_state)}")
    lines.append(
        f"  still in the plant: {scope.in_plant} lots"
        + (
            ""
            if held is not None or not scope.in_plant
            else "  (hold them: --hold --reason ... --operator BADGE)"
        )
    )
    if scope.customers:
        lines.append("shipped to:")
        lines += [
            f"  {c.customer}  order {c.customer_order}  {c.lots} lots  qty {c.qty:g}"
            for c in scope.customers
        ]
    if scope.lots:
        lines.append("lots (finished first):")
    for lot in scope.lots:
        line = f"  {lot.lot}  {lot.part}  {lot.state.replace('_', ' ')}  qty {lot.qty:g}"
        if lot.finished:
            line += "  finished"
        line += "".join(
            f"  shipped {s.qty:g} to {s.customer} order {s.customer_order}" for s in lot.shipments
        )
        line += "".join(f"  HOLD: {reason}" for reason in lot.open_holds)
        lines.append(line)
    shown = scope.offset + len(scope.lots)
    if shown < scope.lots_total and not scope.lots_total == len(scope.lots) + scope.offset:
        lines.append(f"  ... more lots: use --offset {shown}")
    if scope.units:
        lines.append("serials:")
    for unit in scope.units:
        where = f"  to {unit.customer} order {unit.customer_order}" if unit.customer else ""
        lines.append(
            f"  {unit.serial}  in {unit.lot}  {unit.part}  {unit.state.replace('_', ' ')}{where}"
        )
    return lines
