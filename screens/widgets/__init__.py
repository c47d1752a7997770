"""Widgets the kiosk screens share."""

from screens.widgets.big_text import BigText
from screens.widgets.message_bar import MessageBar
from screens.widgets.prompt_panel import PromptPanel
from screens.widgets.scan_input import ScanInput
from screens.widgets.status_bar import StatusBar
from screens.widgets.verdict_panel import VerdictPanel

__all__ = ["BigText", "MessageBar", "PromptPanel", "ScanInput", "StatusBar", "VerdictPanel"]
