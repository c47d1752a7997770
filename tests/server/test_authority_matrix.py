"""Who may send what: every event type, posted by every kind of caller, as ``AUTHORITY`` says.

For each event type a minimal valid event is posted through
``server.apply.pipeline.ingest_batch`` by: the station with its logged-in
operator holding the role the event needs, the station naming an operator
who is not logged in there, the station naming a logged-in operator without
the role, a station posting as another station, a person with and without
the role, a person posting as a station, and the server. What
``server.apply.authority`` answers is checked against what
``core.events.AUTHORITY`` promises; the pipeline must give the same answer.
An event the rules let through may still be refused for what the plant
holds (no such job, no such NCR): never for who sent it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import events as ev
from core.events import material, spc
from core.permissions import PHRASES, ROLES, Action, may, roles_for
from server import models as m
from server.apply import authority
from server.apply.context import SERVER_STATION, Batch, Sender
from server.apply.pipeline import EventResult, ingest_batch
from server.models_quality import SignFailure
from tests.support import event

HOME = "L1-TURN"  # the station that posts
OTHER = "L1-SAW"  # the station it must not speak for


def _payload(kind: str, badge: str) -> ev.Payload:
    """A minimal valid payload of ``kind`` for an event in the name of ``badge``."""
    new = f"MX-{uuid.uuid4().hex[:8].upper()}"
    job = uuid.uuid4()
    build: dict[str, Callable[[], ev.Payload]] = {
        "OperatorLoggedIn": lambda: ev.OperatorLoggedIn(badge=badge),
        "OperatorLoggedOut": lambda: ev.OperatorLoggedOut(badge=badge),
        "PersonPresent": lambda: ev.PersonPresent(badge=badge, purpose="inspection"),
        "JobStarted": lambda: ev.JobStarted(job_id=job, work_order="WO-1001", operation=10),
        "JobHandedOver": lambda: ev.JobHandedOver(job_id=job, from_badge="EMP1002", to_badge=badge),
        "LotConsumed": lambda: ev.LotConsumed(
            job_id=job, lot="LOT-BAR-261101", part="BAR-C45-16", qty=1
        ),
        "MeasurementRecorded": lambda: ev.MeasurementRecorded(
            job_id=job, characteristic="SHAFT-12-OD", value=12.0
        ),
        "DefectFlagged": lambda: ev.DefectFlagged(job_id=job, code="SCRATCH"),
        "JobCompleted": lambda: ev.JobCompleted(job_id=job, output_lot=new, good_qty=1),
        "JobCancelled": lambda: ev.JobCancelled(job_id=job),
        "HoldPlaced": lambda: ev.HoldPlaced(
            hold_id=uuid.uuid4(), target_type="station", target=HOME, reason="authority check"
        ),
        "HoldReleased": lambda: ev.HoldReleased(hold_id=uuid.uuid4()),
        "MachineStateChanged": lambda: ev.MachineStateChanged(state="idle"),
        "PartsCounted": lambda: ev.PartsCounted(delta=1, total=1),
        "LotReceived": lambda: material.LotReceived(
            lot=new, part="BAR-C45-16", qty=1, supplier="SUP-STEEL", supplier_lot=new
        ),
        "LotSplit": lambda: material.LotSplit(
            lot="LOT-BAR-261101", new_lots=[material.LotQty(lot=new, qty=1)]
        ),
        "LotMerged": lambda: material.LotMerged(
            sources=[
                material.LotQty(lot="LOT-BAR-261101", qty=1),
                material.LotQty(lot="LOT-BAR-261102", qty=1),
            ],
            new_lot=new,
        ),
        "ReworkRecorded": lambda: material.ReworkRecorded(
            lot="LOT-BAR-261101", new_lot=new, qty=1, reason="authority check"
        ),
        "SerialsAssigned": lambda: material.SerialsAssigned(lot="LOT-BAR-261101", serials=[new]),
        "LotShipped": lambda: material.LotShipped(
            lot="LOT-BAR-261101", qty=1, customer="CUST-1", customer_order="PO-1"
        ),
        "NcrOpened": lambda: ev.NcrOpened(ncr=new, title="authority check", source="manual"),
        "SupervisorNotified": lambda: ev.SupervisorNotified(kind="check", message="a notice"),
        "LineStopRequested": lambda: ev.LineStopRequested(reason="authority check"),
        "DispositionSigned": lambda: ev.DispositionSigned(
            disposition_id=uuid.uuid4(),
            ncr="NCR-NONE",
            kind="scrap",
            signer=badge,
            meaning="scrap it",
        ),  # fmt: skip
        "SignatureRefused": lambda: ev.SignatureRefused(
            ncr="NCR-NONE", badge=badge, reason="wrong PIN", wrong_pin=False
        ),
        "SpcLimitsFrozen": lambda: spc.SpcLimitsFrozen(
            characteristic="SHAFT-12-OD",
            version=99,
            limits={},
            rules=[{"rule": "1"}],
            reason="authority check",
        ),  # fmt: skip
        "SpcSignal": lambda: spc.SpcSignal(
            signal_id=uuid.uuid4(),
            characteristic="SHAFT-12-OD",
            station=HOME,
            point=0,
            violations=[spc.SignalViolation(rule="1", part="x", points=[0], message="one point")],
            limits_version=1,
            suspect_from=0,
        ),  # fmt: skip
        "SpcSignalAcknowledged": lambda: spc.SpcSignalAcknowledged(
            signal_id=uuid.uuid4(), note="tool worn, replaced"
        ),
    }
    return build[kind]()


def test_every_event_type_has_a_minimal_payload() -> None:
    for kind in ev.PAYLOADS:
        assert type(_payload(kind, "EMP1001")) is ev.PAYLOADS[kind]


# --- who posts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    """One kind of sender, and the rule that says whether it may send an event."""

    name: str
    sender: str  # "station", "person" or "server"
    station: str  # the station the event names
    role_held: bool  # the named person holds the role the event needs
    logged_in: bool  # the named person is logged in at the event's station
    may: Callable[[ev.Authority], bool]


CALLERS = [
    Caller("station, operator logged in with the role", "station", HOME, True, True,
           lambda r: r.station),
    Caller("station, operator not logged in there", "station", HOME, True, False,
           lambda r: r.station and not (r.action is not None and r.present)),
    Caller("station, operator without the role", "station", HOME, False, True,
           lambda r: r.station and r.action is None),
    Caller("station posting as another station", "station", OTHER, True, True,
           lambda r: False),
    Caller("person with the role", "person", SERVER_STATION, True, False,
           lambda r: r.person),
    Caller("person without the role", "person", SERVER_STATION, False, False,
           lambda r: r.person and r.action is None),
    Caller("person posting as a station", "person", HOME, True, False, lambda r: False),
    Caller("the server", "server", SERVER_STATION, True, False, lambda r: True),
]  # fmt: skip


def _people(engine: Engine) -> dict[str, str]:
    """One active badge per role (a planner is added: the demo plant has none)."""
    with Session(engine) as s:
        people: dict[str, str] = {}
        for o in s.execute(select(m.Operator).order_by(m.Operator.badge)).scalars():
            if o.active:
                people.setdefault(o.role, o.badge)
        for role in ROLES:
            if role not in people:
                badge = f"MX-{role.upper()}"
                s.add(m.Operator(badge=badge, name=f"Test {role}", role=role, active=True))
                people[role] = badge
        s.commit()
    return people


def _badge(people: dict[str, str], action: Action | None, holds_role: bool) -> str:
    """The least senior person who may (or, the first who may not) do ``action``."""
    if action is None:
        return people["operator"] if holds_role else people["planner"]
    if holds_role:
        return people[roles_for(action)[0]]
    return people[next(r for r in ROLES if not may(r, action))]


def _sender(caller: Caller, badge: str) -> Sender:
    if caller.sender == "station":
        return Sender.station(HOME)
    if caller.sender == "person":
        return Sender.of_person(badge)
    return Sender.server()


def _log_in(engine: Engine, station: str, badge: str) -> None:
    raw = event(ev.OperatorLoggedIn(badge=badge), station=station, operator=badge)
    [r] = ingest_batch(engine, [raw], Sender.station(station))
    assert r.status == "applied", r.reason


def _authority_answer(engine: Engine, sender: Sender, raw: dict[str, Any]) -> str | None:
    """What ``server.apply.authority`` says against this sender sending this event."""
    e = ev.Event.model_validate(raw)
    found = authority.static_problem(sender, e)
    if found is not None:
        return found
    with Session(engine) as session:
        return authority.problem(session, Batch(session), sender, e)


_CODE = re.compile(r"\b(None|Action\.|[a-z]+\.[a-z_]+\b)|[{}<>\[\]]")


def assert_readable(reason: str) -> None:
    """A refusal is a sentence a person reads: words, no code."""
    assert reason == reason.strip() and len(reason.split()) >= 4, reason
    assert reason[0].isalnum(), reason
    assert not _CODE.search(reason), f"code in a refusal: {reason!r}"
    for role in ROLES:
        if "_" in role:
            assert role not in reason, f"role key instead of its name: {reason!r}"


@pytest.mark.parametrize("kind", sorted(ev.PAYLOADS))
def test_each_caller_is_answered_as_authority_says(engine: Engine, kind: str) -> None:
    people = _people(engine)
    rule = ev.AUTHORITY[kind]
    wrong: list[str] = []
    for caller in CALLERS:
        badge = _badge(people, rule.action, caller.role_held)
        if caller.sender == "station":
            # Someone is logged in at the event's station: the named person, or another.
            other = next(b for b in (people["supervisor"], people["operator"]) if b != badge)
            here = badge if caller.logged_in else other
            _log_in(engine, caller.station, here)
        payload = _payload(kind, badge)
        sender = _sender(caller, badge)
        raw = event(payload, station=caller.station, operator=badge)
        answer = _authority_answer(engine, sender, raw)
        expected = caller.may(rule)
        if (answer is None) != expected:
            wrong.append(
                f"{caller.name} ({badge}): expected {'accepted' if expected else 'refused'}, "
                f"authority said {answer or 'nothing against it'}"
            )
            continue
        [result] = ingest_batch(engine, [raw], sender)
        if answer is not None:
            assert_readable(answer)
            if (result.status, result.reason) != ("rejected", answer):
                wrong.append(f"{caller.name}: pipeline answered {result.status} ({result.reason})")
        elif result.status == "rejected" and _is_authority_refusal(result, kind):
            wrong.append(f"{caller.name}: refused for who sent it: {result.reason}")
    assert not wrong, f"{kind}:\n" + "\n".join(wrong)


def _is_authority_refusal(result: EventResult, kind: str) -> bool:
    """True when a rejection says who may not send the event, not what the plant holds."""
    reason = result.reason or ""
    action = ev.AUTHORITY[kind].action
    fixed = (
        "may not post events as station",
        "is recorded by the server only",
        "is not recorded at a station",
        "is recorded at a station",
        "belong to station",
        "in their own name only",
        "must name the person who did it",
        "is not logged in at",
    )
    return any(f in reason for f in fixed) or (
        action is not None and reason.startswith(f"{PHRASES[action]} needs")
    )


# --- what a refusal says is true --------------------------------------------------------


def _static(kind: str, sender: Sender, station: str, badge: str = "EMP1009") -> str | None:
    raw = event(_payload(kind, badge), station=station, operator=badge)
    return authority.static_problem(sender, ev.Event.model_validate(raw))


@pytest.mark.parametrize("kind", sorted(ev.PAYLOADS))
def test_a_refusal_names_who_does_record_the_event(kind: str) -> None:
    rule = ev.AUTHORITY[kind]
    said = [
        r
        for r in (
            _static(kind, Sender.station(HOME), HOME),
            _static(kind, Sender.of_person("EMP1009"), SERVER_STATION),
        )
        if r is not None
    ]
    for reason in said:
        assert_readable(reason)
        if "by the server only" in reason:
            assert kind in ev.SERVER_ONLY, f"{kind} is not a server-only fact: {reason!r}"
        if "is not recorded at a station" in reason:
            assert not rule.station and rule.person, reason
        if "is recorded at a station" in reason:
            assert rule.station and not rule.person, reason


@pytest.mark.parametrize("source", ["manual", "recall", "failed_check", "spc_signal"])
def test_a_person_places_manual_and_recall_holds_only(engine: Engine, source: str) -> None:
    people = _people(engine)
    supervisor, inspector = people["supervisor"], people["inspector"]
    with Session(engine) as session:
        for badge, may_place in ((supervisor, source in ("manual", "recall")),
                                 (inspector, source == "manual")):  # fmt: skip
            payload = ev.HoldPlaced(
                hold_id=uuid.uuid4(), target_type="station", target=HOME, reason="check",
                source=source,  # type: ignore[arg-type]
            )  # fmt: skip
            e = ev.Event.model_validate(event(payload, station=SERVER_STATION, operator=badge))
            sender = Sender.of_person(badge)
            answer = authority.static_problem(sender, e) or authority.problem(
                session, Batch(session), sender, e
            )
            assert (answer is None) == may_place, (badge, source, answer)
            if answer is not None:
                assert_readable(answer)
            server = authority.problem(session, Batch(session), Sender.server(), e)
            assert server is None, server


def test_a_refused_signature_is_recorded_by_its_signer_only(engine: Engine) -> None:
    people = _people(engine)
    operator, mrb = people["operator"], people["mrb"]
    wrong_pin = ev.SignatureRefused(ncr="NCR-NONE", badge=mrb, reason="wrong PIN", wrong_pin=True)
    raw = event(wrong_pin, station=SERVER_STATION, operator=operator)
    [result] = ingest_batch(engine, [raw], Sender.of_person(operator))
    assert result.status == "rejected"
    assert result.reason == (
        f"a refused signature is recorded in the name of the person who tried to sign: "
        f"{mrb}, not {operator}"
    )
    assert_readable(result.reason)
    own = event(wrong_pin, station=SERVER_STATION, operator=mrb)
    [result] = ingest_batch(engine, [own], Sender.of_person(mrb))
    assert result.status == "applied", result.reason
    with Session(engine) as s:
        assert [f.badge for f in s.execute(select(SignFailure)).scalars()] == [mrb]
