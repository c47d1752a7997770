"""A trace as people read it: one line per lot, indented by depth (CLI and kiosk alike)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.trace_result import TraceNode, TraceResult


class PlantClock(Protocol):
    """Shows a time on the plant's clock, with the zone named."""

    def show(self, value: datetime | None, *, seconds: bool = False) -> str: ...


def _when(node: TraceNode, clock: PlantClock | None = None) -> str:
    start = node.started_at or node.created_at
    if start is None:
        return ""
    end = node.ended_at if node.started_at is not None else None
    if clock is not None:  # "2026-12-06 14:03–14:40 CET", on the plant's clock
        text = clock.show(start)
        if end is not None:
            day, _, zone = text.rpartition(" ")
            text = f"{day}–{clock.show(end).split(' ')[1]} {zone}"
        return text
    text = start.strftime("%Y-%m-%d %H:%M")
    if end is not None:
        text += "–" + end.strftime("%H:%M")
    return text


def describe(node: TraceNode, clock: PlantClock | None = None) -> str:
    """One line about a node: what it is, how much, where it stands, where it came from."""
    if node.kind == "unknown":
        return f"{node.lot}  (not a known lot: the genealogy names it but no lot record exists)"
    parts = [node.lot, node.part or "?"]
    if node.kind == "serial":
        parts.append(f"serial in {node.in_lot}")
    elif node.qty is not None:
        parts.append(
            f"{node.qty:g}/{node.initial_qty:g}"
            if node.initial_qty != node.qty
            else f"{node.qty:g}"
        )
    parts.append((node.status or "").upper() if node.on_hold else (node.status or ""))
    if node.supplier_lot:
        parts.append(f"supplier {node.supplier or '?'} lot {node.supplier_lot}")
    if node.work_order:
        parts.append(f"{node.work_order} op {node.operation}")
    elif node.origin and node.origin not in ("job", "serial"):
        parts.append(node.origin)
    who = " ".join(x for x in (node.station, node.operator) if x)
    if node.equipment:
        who += f" [{', '.join(node.equipment)}]"
    if who:
        parts.append(who)
    when = _when(node, clock)
    if when:
        parts.append(when)
    fails = [s for s in node.measurements if s.fails]
    if node.measurements:
        n = sum(s.n for s in node.measurements)
        parts.append(
            f"{n} measurements"
            + (f", FAIL {', '.join(s.characteristic for s in fails)}" if fails else "")
        )
    if node.defects:
        parts.append("defects " + ", ".join(f"{d.code}×{d.qty:g}" for d in node.defects))
    for hold in node.holds:
        if hold.status == "open":
            parts.append(f"HOLD: {hold.reason}" + (f" ({hold.ncr})" if hold.ncr else ""))
    for s in node.shipments:
        how_much = "" if node.kind == "serial" else f" {s.qty:g}"
        parts.append(f"shipped{how_much} to {s.customer} order {s.customer_order}")
    return "  ".join(p for p in parts if p)


def render(result: TraceResult, clock: PlantClock | None = None) -> list[str]:
    """The trace as a tree from the root; lots met again are named, not repeated. With
    ``clock`` times are on the plant's clock with the zone named."""
    way = "what went into it" if result.direction == "backward" else "where it went"
    levels = "level" if result.deepest == 1 else "levels"
    lines = [
        f"{result.direction} trace of {result.root} ({way}): "
        f"{result.total} lots, {result.deepest} {levels} deep"
    ]
    by_lot = {n.lot: n for n in result.lots}
    root = by_lot.get(result.root)
    if root is None:  # a later page: no root to hang the tree from
        lines += [f"{'  ' * n.depth}{describe(n, clock)}" for n in result.lots]
    else:
        placed = {root.lot}
        children: dict[str, list[tuple[str, str]]] = {}
        for node in result.lots:  # ordered by depth: the first node to reach a lot owns it
            kids = children.setdefault(node.lot, [])
            for link in node.links:
                target = by_lot.get(link.lot)
                label = f"{link.qty:g} {link.kind}"
                if target is not None and target.depth == node.depth + 1 and link.lot not in placed:
                    placed.add(link.lot)
                    kids.append((link.lot, label))
                elif target is not None:
                    kids.append(("=" + link.lot, label))
        arrow = "<-" if result.direction == "backward" else "->"
        lines.append(describe(root, clock))
        _branch(root.lot, "", children, by_lot, arrow, lines, clock)
    if result.truncated:
        lines.append(
            f"... {result.total - result.offset - len(result.lots)} more lots: "
            f"use --offset {result.offset + len(result.lots)}"
        )
    if not result.complete:
        lines.append(
            f"... the walk stopped after {result.total} lots (it goes on): trace it with --depth N"
        )
    if result.cut_links:
        lines.append(f"... {result.cut_links} links beyond depth {result.depth_limit} not followed")
    if result.customers:
        lines.append("customers reached:")
        lines += [
            f"  {c.customer}  order {c.customer_order}  {c.lots} lots  qty {c.qty:g}"
            for c in result.customers
        ]
    return lines


def _branch(
    lot: str,
    prefix: str,
    children: dict[str, list[tuple[str, str]]],
    by_lot: dict[str, TraceNode],
    arrow: str,
    lines: list[str],
    clock: PlantClock | None = None,
) -> None:
    kids = children.get(lot, [])
    node = by_lot[lot]
    hidden = node.links_total - len(kids)
    for i, (kid, label) in enumerate(kids):
        last = i == len(kids) - 1 and hidden <= 0
        elbow, pad = ("└─ ", "   ") if last else ("├─ ", "│  ")
        if kid.startswith("="):
            lines.append(f"{prefix}{elbow}{label} {arrow} {kid[1:]} (shown above)")
            continue
        lines.append(f"{prefix}{elbow}{label} {arrow} {describe(by_lot[kid], clock)}")
        _branch(kid, prefix + pad, children, by_lot, arrow, lines, clock)
    if hidden > 0:
        why = "beyond the depth limit" if node.cut else "not on this page"
        lines.append(f"{prefix}└─ ... {hidden} more ({why})")


def branches(result: TraceResult) -> list[str]:
    """The lines ``render`` draws under the root (its header, root line and closing notes
    left out), for a screen that says those its own way; empty without the root."""
    lines = render(result)
    if not any(n.lot == result.root for n in result.lots):
        return []
    tree = []
    for line in lines[2:]:
        if not line or line[0] not in "│├└ ":  # the notes start with "..." or "customers"
            break
        tree.append(line)
    return tree
