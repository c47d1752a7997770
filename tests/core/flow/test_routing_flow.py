"""A lot moving through its routing, decided at the station from its cache (offline).

The same rules as the server (``core.routing``): the operation before must be done,
a held lot is refused with who can clear it, a half-made component is refused at
assembly, and good + scrap cannot exceed what came in.
"""

from __future__ import annotations

from core import events as ev
from core.flow.approvals import AwaitApproval
from core.flow.memory import reference_from_plant
from core.reference import HoldRef, LotRef
from tests.core.flow.conftest import _PLANT, Station
from tests.core.flow.wip import lots_waiting


def station(station_id: str, *lots: LotRef, waiting: bool = False) -> Station:
    ref = reference_from_plant(_PLANT, station_id)
    for opening in ref.lots():  # the demo's opening work in process: out of the way
        if opening.work_order:
            ref.put_lot(opening.model_copy(update={"status": "consumed", "qty": 0}))
    if waiting:
        lots_waiting(ref, station_id)
    for lot in lots:
        ref.put_lot(lot)
    s = Station(ref, station_id)
    s.scan("EMP1001")
    return s


def shaft(
    lot_id: str, done: list[int], qty: float = 50, status: str = "wip", wo: str = "WO-1001"
) -> LotRef:
    return LotRef(id=lot_id, part="SHAFT-12", qty=qty, status=status, work_order=wo, ops_done=done)


def refused(result: object, *words: str) -> None:
    message = result.message  # type: ignore[attr-defined]
    assert message.level == "error", message
    for word in words:
        assert word in message.text, (word, message.text)
    assert not result.payloads  # type: ignore[attr-defined]


def test_an_operation_waits_for_the_one_before_unless_a_supervisor_approves_a_skip() -> None:
    grind = station("L1-GRIND", shaft("LOT-S1", [10]))
    asked = grind.scan("WO-1001")
    assert asked.message.level == "warn" and not asked.payloads
    assert "LOT-S1" in asked.message.text and "op 20 (Turn" in asked.message.text
    assert "supervisor scans their badge" in asked.message.text
    assert isinstance(grind.state.prompt, AwaitApproval) and grind.state.job is None
    refused(
        grind.scan("EMP1002"), "EMP1002", "skipping an operation"
    )  # an operator may not approve
    grind.scan("EMP1009")
    refused(grind.scan("0000"), "Wrong PIN (1 of 3)")
    grind.scan("1009")
    assert grind.state.job is None  # the reason comes last
    done = grind.scan("lathe down; deviation D-12")
    present, start = done.payloads
    assert (
        isinstance(present, ev.PersonPresent)
        and present.badge == "EMP1009"
        and present.purpose == "approval"
    )
    assert isinstance(start, ev.JobStarted)
    assert (start.lot, start.skip, start.approved_by, start.skip_reason) == (
        "LOT-S1",
        [20],
        "EMP1009",
        "lathe down; deviation D-12",
    )
    assert grind.state.job is not None and grind.state.job.input_lot == "LOT-S1"


def test_cancel_at_the_approval_records_nothing() -> None:
    grind = station("L1-GRIND", shaft("LOT-S1", [10]))
    grind.scan("WO-1001")
    back = grind.scan("#CANCEL")
    assert not back.payloads and grind.state.job is None and "nothing recorded" in back.message.text


def test_an_over_run_waits_for_a_supervisors_badge_and_pin() -> None:
    saw = station("L1-SAW")
    wo = saw.ref.work_order("WO-1001")
    assert wo is not None
    saw.ref._work_orders["WO-1001"] = wo.model_copy(update={"made": {10: 48}})  # 48 of 50 sawn
    saw.scan("WO-1001", "LOT-BAR-261101", "156.2", "#DONE", "5")
    asked = saw.scan("0")
    assert isinstance(saw.state.prompt, AwaitApproval) and not asked.payloads
    assert "53 would be made" in asked.message.text
    saw.scan("EMP1009", "1009")
    done = saw.results[-1]
    present, completed = done.payloads[0], done.payloads[-1]
    assert isinstance(present, ev.PersonPresent) and present.badge == "EMP1009"
    assert isinstance(completed, ev.JobCompleted) and completed.overrun_approved_by == "EMP1009"
    assert completed.good_qty == 5 and saw.state.job is None


def test_a_new_badge_takes_over_a_running_job_only_with_its_pin() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10]))
    turn.scan("WO-1001")
    asked = turn.scan("EMP1002")
    assert isinstance(turn.state.prompt, AwaitApproval) and not asked.payloads
    assert turn.state.operator is not None and turn.state.operator.badge == "EMP1001"
    done = turn.scan("1002")
    kinds = [type(p).__name__ for p in done.payloads]
    assert kinds == ["OperatorLoggedOut", "OperatorLoggedIn", "JobHandedOver"]
    handed = done.payloads[-1]
    assert isinstance(handed, ev.JobHandedOver) and (handed.from_badge, handed.to_badge) == (
        "EMP1001",
        "EMP1002",
    )
    assert turn.state.operator is not None and turn.state.operator.badge == "EMP1002"
    assert turn.state.job is not None and turn.state.job.operator == "EMP1002"


def test_a_sawn_lot_starts_turning_when_its_traveler_is_scanned() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10]), shaft("LOT-S2", [10]))
    refused(turn.scan("WO-1001"), "Several lots", "LOT-S1", "LOT-S2", "scan the lot's traveler")
    started = turn.scan("LOT-S2")
    (start,) = started.payloads
    assert (
        isinstance(start, ev.JobStarted) and start.lot == "LOT-S2" and start.work_order == "WO-1001"
    )
    assert turn.state.job is not None and turn.state.job.qty == 50


def test_a_held_lot_is_refused_at_the_next_operation_naming_who_clears_it() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10], status="on_hold"))
    turn.ref.put_hold(
        HoldRef(id="h1", target_type="lot", target="LOT-S1", reason="blank length 157.9 over 157.5",
                source="failed_check", status="open", ncr="NCR-0001")
    )  # fmt: skip
    refused(turn.scan("LOT-S1"), "ON HOLD", "blank length", "NCR-0001", "quality engineer or MRB")
    refused(turn.scan("WO-1001"), "ON HOLD")


def test_an_operation_done_on_every_lot_is_not_started_again() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10, 20]))
    refused(turn.scan("WO-1001"), "already done", "LOT-S1")


def test_a_half_made_component_is_refused_at_assembly() -> None:
    press = station("L2-PRESS", shaft("LOT-S1", [10, 20], status="wip", wo="WO-1001"))
    press.scan("WO-2001")
    refused(press.scan("LOT-S1"), "half-made", "op 30 (Grind", "op 40", "cannot be used yet")
    finished = station("L2-PRESS", shaft("LOT-S2", [10, 20, 30, 40], status="available"))
    finished.scan("WO-2001")
    used = finished.scan("LOT-S2")
    assert used.message.level == "ok", used.message
    assert isinstance(used.payloads[0], ev.LotConsumed)


def test_good_and_scrap_cannot_exceed_what_came_in() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10], qty=50))
    turn.scan("WO-1001", "12.0", "150.0", "#DONE", "49")
    over = turn.scan("3")
    assert over.message.level == "error" and "more than the 50" in over.message.text
    assert not over.payloads and turn.state.job is not None
    done = turn.scan("48", "2")
    assert isinstance(done.payloads[-1], ev.JobCompleted)
    assert done.payloads[-1].output_lot == "LOT-S1"


def test_completing_a_held_lot_says_held() -> None:
    turn = station("L1-TURN", shaft("LOT-S1", [10]))
    turn.scan("WO-1001", "12.0", "150.0", "#DONE", "50")
    turn.ref.put_hold(
        HoldRef(
            id="h2",
            target_type="lot",
            target="LOT-S1",
            reason="diameter",
            source="failed_check",
            status="open",
        )
    )
    done = turn.scan("0")
    assert "HELD" in done.message.text
