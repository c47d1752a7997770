"""What the operator reads is written the way people write it: 1000×, never 1e+03×;
"an operator", not "a operator"; only the limits that exist."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import KioskApp
from tests.kiosk.conftest import offline_app, scan

SIZE = (80, 24)


def on_screen(app: KioskApp) -> str:
    rows = [strip.text for strip in app.screen._compositor.render_strips()]
    return " ".join(" ".join(row.split()) for row in rows)


async def test_a_slipped_decimal_is_said_as_a_plain_factor(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101", "155000"):
            await scan(app, pilot, entry)
        shown = on_screen(app)
        assert "155000 mm looks wrong (155000 is 1000× the nominal 155 mm)" in shown
        assert "e+" not in shown
        assert "#CONFIRM: record it" in shown and "#DONE" not in shown


async def test_a_badge_without_the_inspector_role_is_named_with_its_article(
    tmp_path: Path,
) -> None:
    app = offline_app(tmp_path, station="L1-MILL")
    async with app.run_test(size=SIZE) as pilot:
        for entry in ("EMP1001", "WO-3001", "LOT-CAST-261101"):
            await scan(app, pilot, entry)
        assert "Inspector check due: COVER-BORE (first article)" in on_screen(app)
        await scan(app, pilot, "EMP1002")
        shown = on_screen(app)
        assert "Ben Okafor is an operator: this check needs an inspector." in shown
        assert "Inspector: scan your badge" in shown and "#DONE" not in shown
