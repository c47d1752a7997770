"""Home: logged in, no job. Scan a work order; the last output lot stays shown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from screens.base import KioskScreen
from screens.numbers import plain as _q
from screens.view import KioskView


class HomeScreen(KioskScreen):
    screen_name = "home"

    def compose_body(self) -> ComposeResult:
        yield Static(id="home-last", classes="panel")
        yield Static(id="home-orders", classes="panel")

    def show_body(self, view: KioskView) -> None:
        last = view.state.last_completed
        last_widget = self.query_one("#home-last", Static)
        last_widget.display = last is not None
        if last is not None:
            last_widget.update(
                Content.assemble(
                    ("Last job ", "dim"),
                    f"{last.work_order} {last.product} → output lot ",
                    (last.output_lot, "bold reverse"),
                    f"  {_q(last.good_qty)} good, {_q(last.scrap_qty)} scrap",
                )
            )
        orders = [w for w in view.reference.work_orders() if w.status != "closed"]
        parts: list[str | tuple[str, str]] = [("WORK ORDERS FOR THIS STATION", "bold")]
        for wo in orders[:8]:
            held = (
                bool(view.reference.open_holds("work_order", wo.number)) or wo.status == "on_hold"
            )
            status = (
                ("ON HOLD", "bold reverse $error") if held else (wo.status.replace("_", " "), "")
            )
            parts += ["\n", f"{wo.number:<12} {wo.product:<14} qty {_q(wo.qty):<7} ", status]
        if not orders:
            parts += ["\n", ("none open", "dim")]
        self.query_one("#home-orders", Static).update(Content.assemble(*parts))
