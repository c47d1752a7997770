"""The kiosk's operator screens by name (the names ``screens.view.screen_for`` returns)."""

from __future__ import annotations

from pathlib import Path

from screens.base import KioskScreen
from screens.complete import CompleteScreen
from screens.defect import DefectScreen
from screens.hold_notice import HoldScreen
from screens.home import HomeScreen
from screens.job import JobScreen
from screens.login import LoginScreen
from screens.measure import MeasureScreen
from screens.trace import TraceScreen

STYLESHEET = Path(__file__).with_name("kiosk.tcss")

SCREENS: dict[str, type[KioskScreen]] = {
    cls.screen_name: cls
    for cls in (
        LoginScreen,
        HomeScreen,
        JobScreen,
        MeasureScreen,
        DefectScreen,
        CompleteScreen,
        HoldScreen,
        TraceScreen,
    )
}
