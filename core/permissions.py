"""Who may do what: the one permission table of lineside.

Every check — the server applying an event, the API answering a call, the
kiosk deciding offline, the console offering an action, the CLI — asks
``may(role, action)`` and words its refusal with ``refusal(action, ...)``.
A role's rights are listed here once; nothing else names role sets.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Role = Literal["operator", "inspector", "supervisor", "quality_engineer", "mrb", "planner", "admin"]
ROLES: tuple[str, ...] = (
    "operator",
    "inspector",
    "supervisor",
    "quality_engineer",
    "mrb",
    "planner",
    "admin",
)

ROLE_NAMES: dict[str, str] = {
    "operator": "operator",
    "inspector": "inspector",
    "supervisor": "supervisor",
    "quality_engineer": "quality engineer",
    "mrb": "MRB member",
    "planner": "planner",
    "admin": "administrator",
}


class Action(StrEnum):
    """Something a person does that not everyone may do."""

    RUN_JOB = "job.run"
    INSPECT = "inspection.perform"
    HOLD_PLACE = "hold.place"
    HOLD_RELEASE = "hold.release"
    REWORK_HELD = "rework.held"
    SIGNAL_ACKNOWLEDGE = "spc.acknowledge"
    LIMITS_FREEZE = "spc.freeze_limits"
    DISPOSITION_SIGN = "disposition.sign"
    NCR_OPEN = "ncr.open"
    RECALL_HOLD = "recall.hold"
    OPERATION_SKIP = "operation.skip"
    OVERRUN_APPROVE = "overrun.approve"
    PLANT_IMPORT = "plant.import"
    STATION_ENROLL = "station.enroll"
    PERSON_MANAGE = "person.manage"
    ORDERS_MANAGE = "orders.manage"
    READ_QUALITY = "quality.read"
    READ_PLANT = "plant.read"


#: What each action is called in a refusal: "<phrase> needs a supervisor or ...".
PHRASES: dict[Action, str] = {
    Action.RUN_JOB: "running a job",
    Action.INSPECT: "this check",
    Action.HOLD_PLACE: "a manual hold",
    Action.HOLD_RELEASE: "releasing a hold",
    Action.REWORK_HELD: "reworking held material",
    Action.SIGNAL_ACKNOWLEDGE: "acknowledging an SPC signal",
    Action.LIMITS_FREEZE: "freezing control limits",
    Action.DISPOSITION_SIGN: "a disposition",
    Action.NCR_OPEN: "opening an NCR",
    Action.RECALL_HOLD: "a recall hold",
    Action.OPERATION_SKIP: "skipping an operation",
    Action.OVERRUN_APPROVE: "approving an over-run",
    Action.PLANT_IMPORT: "importing a plant file",
    Action.STATION_ENROLL: "enrolling a station",
    Action.PERSON_MANAGE: "managing people, keys and tokens",
    Action.ORDERS_MANAGE: "managing work orders",
    Action.READ_QUALITY: "reading quality records",
    Action.READ_PLANT: "reading the plant's state",
}

_FLOOR = {Action.RUN_JOB, Action.READ_PLANT}
_QUALITY_READ = {Action.READ_QUALITY, Action.READ_PLANT}
_CHECKS = {Action.INSPECT, Action.HOLD_PLACE, Action.SIGNAL_ACKNOWLEDGE, Action.NCR_OPEN}
_CONTAIN = {
    Action.HOLD_RELEASE,
    Action.REWORK_HELD,
    Action.RECALL_HOLD,
    Action.OPERATION_SKIP,
    Action.OVERRUN_APPROVE,
}

TABLE: dict[str, frozenset[Action]] = {
    "operator": frozenset(_FLOOR),
    "inspector": frozenset(_FLOOR | _QUALITY_READ | _CHECKS),
    "supervisor": frozenset(_FLOOR | _QUALITY_READ | _CHECKS | _CONTAIN),
    "quality_engineer": frozenset(
        _FLOOR
        | _QUALITY_READ
        | _CHECKS
        | _CONTAIN
        | {Action.LIMITS_FREEZE, Action.DISPOSITION_SIGN}
    ),
    "mrb": frozenset(
        _FLOOR
        | _QUALITY_READ
        | _CHECKS
        | _CONTAIN
        | {Action.LIMITS_FREEZE, Action.DISPOSITION_SIGN}
    ),
    "planner": frozenset({Action.READ_PLANT, Action.READ_QUALITY, Action.ORDERS_MANAGE}),
    # An administrator runs the system but does not sign dispositions: a signature
    # means a quality decision, kept to the people who make them.
    "admin": frozenset(set(Action) - {Action.DISPOSITION_SIGN}),
}


def may(role: str | None, action: Action) -> bool:
    """True when a person with ``role`` may do ``action``."""
    return role is not None and action in TABLE.get(role, frozenset())


def roles_for(action: Action) -> list[str]:
    """The roles that may do ``action``, in the order of ``ROLES``."""
    return [r for r in ROLES if action in TABLE[r]]


#: Letters whose names start with a vowel sound: an MRB member, an SPC engineer, an HR clerk.
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")


def _article(word: str) -> str:
    """The article ``word`` takes when said aloud: an operator, a supervisor, an MRB member."""
    first = word.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # an initialism, read letter by letter
        return "an" if first[0] in _VOWEL_LETTERS else "a"
    lower = first.lower()
    if lower.startswith(("uni", "use", "usu", "eu", "one")):  # said with a "y" or "w": a unit lead
        return "a"
    return "an" if lower[:1] in ("a", "e", "i", "o", "u") else "a"


def role_list(roles: list[str]) -> str:
    """``a supervisor, quality engineer or MRB member``."""
    names = [ROLE_NAMES[r] for r in roles]
    if not names:
        return "nobody"
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"{_article(names[0])} {joined}"


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role.replace("_", " "))


def with_article(role: str) -> str:
    """The role as people say it: ``an operator``, ``a quality engineer``, ``an MRB member``."""
    name = role_name(role)
    return f"{_article(name)} {name}"


def refusal(action: Action, who: str | None = None, role: str | None = None) -> str:
    """Why ``who`` (a badge, with ``role``) may not do ``action``, naming who may.

    ``releasing a hold needs a supervisor, quality engineer, MRB member or
    administrator (EMP1001 is an operator)``.
    """
    roles = [r for r in roles_for(action) if r != "admin"] or roles_for(action)
    text = f"{PHRASES[action]} needs {role_list(roles)}"
    if who and role:
        text += f" ({who} is {with_article(role)})"
    elif who:
        text += f" ({who} is not an active person here)"
    return text
