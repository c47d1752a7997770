"""Production scheduling: the model, the greedy dispatcher, schedule checks, job-shop files.

Pure standard library; the CP-SAT solver lives in ``server.scheduling``. Modules:

- model: Resource, WorkCentre, Operation, Order, Pin, Running, Problem (minutes from 0)
- calendar: Shift, Calendar -> working windows; an operation fits inside one window
- tasks: the problem resolved into tasks, and the checks that reject an unsolvable one
- schedule: Schedule, ScheduledOperation, OrderResult; build_schedule, compact
- explain: why a late order is late (Lateness, Wait)
- greedy: the dispatcher (earliest due date first)
- check: check_schedule, the rules every schedule must keep
- jobshop: the classic job-shop text format
"""

from core.scheduling.calendar import Calendar, Shift, windows
from core.scheduling.check import check_schedule
from core.scheduling.explain import Lateness, Wait
from core.scheduling.greedy import greedy
from core.scheduling.jobshop import JobShopError, parse_jobshop
from core.scheduling.model import (
    Operation,
    Order,
    Pin,
    Problem,
    ProblemError,
    Resource,
    Running,
    Window,
    WorkCentre,
    duration,
)
from core.scheduling.schedule import (
    OrderResult,
    Schedule,
    ScheduledOperation,
    build_schedule,
    compact,
)
from core.scheduling.tasks import resolve

__all__ = [
    "Calendar",
    "Lateness",
    "JobShopError",
    "Operation",
    "Order",
    "OrderResult",
    "Pin",
    "Problem",
    "ProblemError",
    "Resource",
    "Running",
    "Schedule",
    "ScheduledOperation",
    "Shift",
    "Wait",
    "Window",
    "WorkCentre",
    "build_schedule",
    "check_schedule",
    "compact",
    "duration",
    "greedy",
    "parse_jobshop",
    "resolve",
    "windows",
]
