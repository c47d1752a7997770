"""The SPC actions and readings the API, CLI and console use, in one place."""

from server.spc.charts import DEFAULT_RULES, default_chart, rules_from_json, rules_to_json
from server.spc.data import SpcInputError, analysis, characteristic, given_data, stored_data
from server.spc.limits import (
    acknowledge,
    compute_limits,
    freeze_limits,
    next_version,
    standard,
)
from server.spc.views import (
    chart,
    get_signal,
    limits_history,
    limits_view,
    list_signals,
    signal_ref,
    station_limits,
    station_signals,
)

__all__ = [
    "DEFAULT_RULES", "SpcInputError", "acknowledge", "analysis", "characteristic", "chart",
    "compute_limits", "default_chart", "freeze_limits", "get_signal", "given_data",
    "limits_history", "limits_view", "list_signals", "next_version", "rules_from_json",
    "rules_to_json", "signal_ref", "standard", "station_limits", "station_signals", "stored_data",
]  # fmt: skip
