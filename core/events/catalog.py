"""Every event type of the protocol, listed once, and who may send each.

``PAYLOADS`` names every payload schema; ``AUTHORITY`` says who may post
events of each type — an enrolled station (then only for itself, with the
named operator logged in there), a person (console, CLI, API), or only the
server itself — and what the named person must be allowed to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.events import floor, material, quality, spc
from core.events.base import Payload
from core.permissions import Action

_TYPES: tuple[type[Payload], ...] = (
    floor.OperatorLoggedIn,
    floor.OperatorLoggedOut,
    floor.PersonPresent,
    floor.JobStarted,
    floor.JobHandedOver,
    floor.LotConsumed,
    floor.MeasurementRecorded,
    floor.DefectFlagged,
    floor.JobCompleted,
    floor.JobCancelled,
    floor.HoldPlaced,
    floor.HoldReleased,
    floor.MachineStateChanged,
    floor.PartsCounted,
    material.LotReceived,
    material.LotSplit,
    material.LotMerged,
    material.ReworkRecorded,
    material.SerialsAssigned,
    material.LotShipped,
    quality.NcrOpened,
    quality.SupervisorNotified,
    quality.LineStopRequested,
    quality.DispositionSigned,
    quality.SignatureRefused,
    spc.SpcLimitsFrozen,
    spc.SpcSignal,
    spc.SpcSignalAcknowledged,
)

PAYLOADS: dict[str, type[Payload]] = {cls.__name__: cls for cls in _TYPES}


@dataclass(frozen=True, slots=True)
class Authority:
    """Who may send one type of event."""

    station: bool = False  # an enrolled station, for itself
    person: bool = False  # a person through the console, CLI or API
    #: What the event's operator must be allowed to do (None: no person is needed).
    action: Action | None = None
    #: From a station the operator must be logged in (or badged in) there.
    present: bool = True


_FLOOR = Authority(station=True, action=Action.RUN_JOB)
_MATERIAL = Authority(station=True, person=True, action=Action.RUN_JOB)
_MACHINE = Authority(station=True)
_SERVER = Authority()

AUTHORITY: dict[str, Authority] = {
    "OperatorLoggedIn": Authority(station=True, present=False),
    "OperatorLoggedOut": Authority(station=True, present=False),
    "PersonPresent": Authority(station=True, present=False),
    "JobStarted": _FLOOR,
    "JobHandedOver": _FLOOR,
    "LotConsumed": _FLOOR,
    "MeasurementRecorded": _FLOOR,
    "DefectFlagged": _FLOOR,
    "JobCompleted": _FLOOR,
    "JobCancelled": _FLOOR,
    "HoldPlaced": Authority(station=True, person=True, action=Action.HOLD_PLACE),
    "HoldReleased": Authority(person=True, action=Action.HOLD_RELEASE),
    "MachineStateChanged": _MACHINE,
    "PartsCounted": _MACHINE,
    "LotReceived": _MATERIAL,
    "LotSplit": _MATERIAL,
    "LotMerged": _MATERIAL,
    "ReworkRecorded": _MATERIAL,
    "SerialsAssigned": _MATERIAL,
    "LotShipped": _MATERIAL,
    "NcrOpened": Authority(person=True, action=Action.NCR_OPEN),
    "SupervisorNotified": _SERVER,
    "LineStopRequested": _SERVER,
    "DispositionSigned": Authority(person=True, action=Action.DISPOSITION_SIGN),
    "SignatureRefused": Authority(person=True),
    "SpcLimitsFrozen": Authority(person=True, action=Action.LIMITS_FREEZE),
    "SpcSignal": _SERVER,
    "SpcSignalAcknowledged": Authority(station=True, person=True, action=Action.SIGNAL_ACKNOWLEDGE),
}

#: Facts only the server records (derived from other events); nobody may post them.
SERVER_ONLY: frozenset[str] = frozenset(
    name for name, a in AUTHORITY.items() if not (a.station or a.person)
)
#: Facts no station may post.
NOT_FROM_STATIONS: frozenset[str] = frozenset(n for n, a in AUTHORITY.items() if not a.station)
