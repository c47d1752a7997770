"""Event schemas: the sync protocol between terminals and the server.

Every floor action is an immutable event made where it happens. The envelope
(``Event``) is the same for all; the payload is typed by ``type``. The
payload families live in their own modules (``floor``, ``material``,
``quality``, ``spc``); ``catalog`` lists every type and who may send it.
"""

from core.events.base import (
    MAX_INT,
    Code,
    Id40,
    Id60,
    Int32,
    Note,
    Payload,
    PositiveQty,
    Qty,
    Reason,
    Text,
    clean_text,
)
from core.events.catalog import AUTHORITY, NOT_FROM_STATIONS, PAYLOADS, SERVER_ONLY, Authority
from core.events.envelope import (
    Event,
    EventError,
    EventType,
    describe,
    make_event,
    parse_event,
    parse_payload,
)
from core.events.floor import (
    DefectFlagged,
    HoldPlaced,
    HoldReleased,
    HoldSource,
    JobCancelled,
    JobCompleted,
    JobHandedOver,
    JobStarted,
    LotConsumed,
    MachineStateChanged,
    MeasurementRecorded,
    OperatorLoggedIn,
    OperatorLoggedOut,
    PartsCounted,
    PersonPresent,
)
from core.events.quality import (
    DispositionSigned,
    LineStopRequested,
    NcrOpened,
    SignatureRefused,
    SupervisorNotified,
)

__all__ = [
    "AUTHORITY", "MAX_INT", "NOT_FROM_STATIONS", "PAYLOADS", "SERVER_ONLY", "Authority", "Code",
    "DefectFlagged", "DispositionSigned", "Event", "EventError", "EventType", "HoldPlaced",
    "HoldReleased", "HoldSource", "Id40", "Id60", "Int32", "JobCancelled", "JobCompleted",
    "JobHandedOver", "JobStarted", "LineStopRequested", "LotConsumed", "MachineStateChanged",
    "MeasurementRecorded", "NcrOpened", "Note", "OperatorLoggedIn", "OperatorLoggedOut",
    "PartsCounted", "Payload", "PersonPresent", "PositiveQty", "Qty", "Reason",
    "SignatureRefused", "SupervisorNotified", "Text", "clean_text", "describe", "make_event",
    "parse_event", "parse_payload",
]  # fmt: skip
