"""The station flow as plain values: every path an operator takes, no UI, no database."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from core import events as ev
from core.barcodes import GS
from core.flow import (
    DEFAULT_FLOW,
    ConfirmMeasurement,
    EnterDefectQty,
    EnterGoodQty,
    EnterMeasurement,
    EnterScrapQty,
    OperatorMessage,
    Reading,
    ReadyToComplete,
    RecordEvent,
    ScanBadge,
    ScanLot,
    ScanWorkOrder,
    ShowOutputLot,
    ShowVerdict,
    StepResult,
    resume,
    server_rejected,
    tick,
)
from core.flow.actions import PrintTraveler
from core.flow.flow import Turn
from core.flow.handlers import parse_number
from core.flow.persist import state_from_json, state_to_json
from core.reference import HoldRef, LotRef
from tests.core.flow.conftest import Station


def test_a_whole_job_at_the_saw(saw: Station) -> None:
    saw.scan("EMP1001")
    assert saw.state.operator and saw.state.operator.name == "Anna Keller"
    assert isinstance(saw.state.prompt, ScanWorkOrder)
    started = saw.scan("WO-1001")
    job = saw.state.job
    assert job is not None and (job.work_order, job.operation, job.product) == (
        "WO-1001",
        10,
        "SHAFT-12",
    )
    assert job.materials[0].required == 8  # 0.16 m per shaft x 50
    assert isinstance(saw.state.prompt, ScanLot) and saw.state.prompt.part == "BAR-C45-16"
    assert started.payloads == [
        ev.JobStarted(
            job_id=job.job_id,
            work_order="WO-1001",
            operation=10,
            output_lot="LOT-L1-SAW-261127-0001",
        )
    ]
    [traveler] = started.of_type(PrintTraveler)
    assert traveler.moment == "start" and traveler.output_lot == "LOT-L1-SAW-261127-0001"  # type: ignore[attr-defined]
    assert [seq for seq, _ in traveler.operations] == [10, 20, 30, 40]  # type: ignore[attr-defined]
    consumed = saw.scan("LOT-BAR-261101")
    assert consumed.payloads == [
        ev.LotConsumed(job_id=job.job_id, lot="LOT-BAR-261101", part="BAR-C45-16", qty=8)
    ]
    assert isinstance(saw.state.prompt, EnterMeasurement)
    assert saw.state.prompt.characteristic == "SHAFT-CUT-LEN"
    measured = saw.scan("156.2")
    (payload,) = measured.payloads
    assert isinstance(payload, ev.MeasurementRecorded)
    assert (payload.value, payload.unit, payload.verdict) == (156.2, "mm", "fail")
    (verdict,) = measured.of_type(ShowVerdict)
    assert verdict.verdict == "fail" and verdict.spec.usl == 155.5  # type: ignore[attr-defined]
    assert "FAIL" in measured.message.text and "155.5" in measured.message.text
    assert isinstance(saw.state.prompt, ReadyToComplete)
    saw.scan("DEF-BURR")
    assert isinstance(saw.state.prompt, EnterDefectQty)
    flagged = saw.scan("2")
    assert flagged.payloads == [ev.DefectFlagged(job_id=job.job_id, code="DEF-BURR", qty=2)]
    saw.scan("#DONE")
    assert isinstance(saw.state.prompt, EnterGoodQty)
    saw.scan("48")
    assert isinstance(saw.state.prompt, EnterScrapQty)
    done = saw.scan("")  # Enter: scrap = the defects flagged
    assert done.payloads == [
        ev.JobCompleted(
            job_id=job.job_id, output_lot="LOT-L1-SAW-261127-0001", good_qty=48, scrap_qty=2
        )
    ]
    (shown,) = done.of_type(ShowOutputLot)
    assert shown.parents == ("LOT-BAR-261101",)  # type: ignore[attr-defined]
    assert saw.state.job is None and isinstance(saw.state.prompt, ScanWorkOrder)
    assert (
        saw.state.last_completed and saw.state.last_completed.output_lot == "LOT-L1-SAW-261127-0001"
    )
    assert saw.events() == [
        "OperatorLoggedIn",
        "JobStarted",
        "LotConsumed",
        "MeasurementRecorded",
        "DefectFlagged",
        "JobCompleted",
    ]


def test_events_carry_operator_and_the_clock(saw: Station) -> None:
    result = saw.scan("EMP1002")
    (action,) = result.actions
    assert isinstance(action, RecordEvent)
    assert action.operator_id == "EMP1002" and action.occurred_at == saw.now - timedelta(seconds=5)


def test_output_lot_numbers_keep_counting(saw: Station) -> None:
    """The first operation makes a new lot per job, numbered by the station's counter."""
    saw.scan("EMP1001")
    lots = []
    for _ in range(2):
        saw.scan("WO-1002", "LOT-BAR-261101", "156.2", "#DONE", "10", "0")
        lots.append(saw.state.last_completed.output_lot)  # type: ignore[union-attr]
    assert lots == ["LOT-L1-SAW-261127-0001", "LOT-L1-SAW-261127-0002"]


def test_a_later_operation_keeps_the_lot_it_works_on(turn: Station) -> None:
    turn.scan("EMP1001")
    started = turn.scan("WO-1002")
    (start,) = started.payloads
    assert isinstance(start, ev.JobStarted)
    assert start.lot == "LOT-SHAFT-261105" and start.output_lot == "LOT-SHAFT-261105"
    assert "on lot LOT-SHAFT-261105" in started.message.text
    done = turn.scan("12.0", "150.0", "#DONE", "98", "2")
    completed = done.payloads[-1]
    assert isinstance(completed, ev.JobCompleted) and completed.output_lot == "LOT-SHAFT-261105"
    assert turn.state.output_lots_made == 0  # no new lot was named


# --- refusals: a clear message and no event -------------------------------------------


def refused(result: StepResult, *words: str) -> None:
    assert result.message.level == "error", result.message
    assert result.payloads == []
    for word in words:
        assert word in result.message.text, result.message.text


def test_anything_but_a_badge_is_refused_before_login(saw: Station) -> None:
    refused(saw.scan("LOT-BAR-261101"), "badge first", "lot")
    refused(saw.scan("WO-1001"), "badge first", "work order")
    refused(saw.scan("155.0"), "badge first")
    refused(saw.scan("#DONE"), "badge first")
    assert isinstance(saw.state.prompt, ScanBadge) and saw.state.operator is None


def test_unknown_badge_and_unknown_barcode(saw: Station) -> None:
    refused(saw.scan("EMP9999"), "EMP9999", "not known")
    refused(saw.scan("HELLO WORLD"), "Unknown barcode")
    saw.scan("EMP1001")
    refused(saw.scan("XYZ-123"), "Unknown barcode")
    refused(saw.scan("#FOO"), "Unknown command")


def test_work_order_for_another_station(saw: Station) -> None:
    saw.scan("EMP1001")
    refused(saw.scan("WO-2001"), "WO-2001", "not routed to L1-SAW")
    assert saw.state.job is None


def test_work_order_routed_elsewhere_when_the_station_knows_it(saw: Station) -> None:
    # A work order the cache knows but whose product has no operation at this station.
    from core.reference import WorkOrderRef

    saw.ref._work_orders["WO-3001"] = WorkOrderRef(
        number="WO-3001", product="COVER-P200", qty=40, status="released"
    )
    saw.scan("EMP1001")
    refused(saw.scan("WO-3001"), "not routed to L1-SAW", "L1-MILL")


def test_closed_and_held_work_orders(saw: Station) -> None:
    saw.ref._work_orders["WO-1002"] = saw.ref.work_order("WO-1002").model_copy(
        update={"status": "closed"}
    )  # type: ignore[union-attr]
    saw.ref.put_hold(
        HoldRef(
            id="h1",
            target_type="work_order",
            target="WO-1001",
            reason="drawing rev C pending",
            source="manual",
            status="open",
        )
    )
    saw.scan("EMP1001")
    refused(saw.scan("WO-1002"), "closed")
    refused(saw.scan("WO-1001"), "on hold", "drawing rev C pending")


def test_station_on_hold_cannot_start(saw: Station) -> None:
    saw.ref.put_hold(
        HoldRef(
            id="h2",
            target_type="station",
            target="L1-SAW",
            reason="blade guard broken",
            source="manual",
            status="open",
        )
    )
    saw.scan("EMP1001")
    refused(saw.scan("WO-1001"), "Station L1-SAW is on hold", "blade guard broken")


def test_one_job_at_a_time(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("WO-1002"), "WO-1001 is running")
    again = saw.scan("WO-1001")
    assert again.message.level == "info" and again.payloads == []


def test_wrong_part_names_the_part_expected(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("LOT-BRG-261101"), "Wrong part", "BRG-6201", "BAR-C45-16")
    refused(saw.scan("LOT-NOPE-1"), "LOT-NOPE-1", "not known")


def test_held_lot_says_why(saw: Station) -> None:
    saw.ref.put_hold(
        HoldRef(
            id="h3",
            target_type="lot",
            target="LOT-BAR-261101",
            reason="mill cert missing",
            source="manual",
            status="open",
        )
    )
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("LOT-BAR-261101"), "ON HOLD", "mill cert missing")


def test_a_hold_that_arrived_before_its_lot_still_refuses_it(saw: Station) -> None:
    """The hold on a lot made elsewhere can reach this station before the lot itself."""
    saw.ref.put_hold(
        HoldRef(
            id="h4",
            target_type="lot",
            target="LOT-L1-SAW-261126-0001",
            reason="SHAFT-CUT-LEN out of tolerance",
            source="measurement",
            status="open",
        )
    )
    saw.scan("EMP1001", "WO-1001")
    result = saw.scan("LOT-L1-SAW-261126-0001")
    refused(result, "ON HOLD", "SHAFT-CUT-LEN out of tolerance")
    assert "not known" not in result.message.text
    # A released hold no longer blocks.
    saw.ref.put_hold(
        HoldRef(
            id="h3",
            target_type="lot",
            target="LOT-BAR-261101",
            reason="mill cert missing",
            source="manual",
            status="released",
        )
    )
    assert saw.scan("LOT-BAR-261101").message.level == "ok"


def test_consumed_and_scrapped_lots(saw: Station) -> None:
    lot = saw.ref.lot("LOT-BAR-261102")
    saw.ref.put_lot(lot.model_copy(update={"status": "scrapped"}))  # type: ignore[union-attr]
    saw.ref.put_lot(LotRef(id="LOT-BAR-EMPTY", part="BAR-C45-16", qty=0, status="consumed"))
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("LOT-BAR-261102"), "scrapped")
    refused(saw.scan("LOT-BAR-EMPTY"), "consumed")


def test_a_short_lot_is_used_up_and_more_is_asked_for(saw: Station) -> None:
    saw.ref.put_lot(LotRef(id="LOT-BAR-SHORT", part="BAR-C45-16", qty=3, status="available"))
    saw.scan("EMP1001", "WO-1001")
    first = saw.scan("LOT-BAR-SHORT")
    assert [p.qty for p in first.payloads] == [3]  # type: ignore[attr-defined]
    assert "5 more needed" in first.message.text
    assert isinstance(saw.state.prompt, ScanLot)
    second = saw.scan("LOT-BAR-261101")
    assert [p.qty for p in second.payloads] == [5]  # type: ignore[attr-defined]
    refused(saw.scan("LOT-BAR-261102"), "complete for this job")
    assert saw.state.job.materials[0].lots == (("LOT-BAR-SHORT", 3), ("LOT-BAR-261101", 5))  # type: ignore[union-attr]


def test_lot_without_a_job(saw: Station) -> None:
    saw.scan("EMP1001")
    refused(saw.scan("LOT-BAR-261101"), "No job is running")


def test_operation_without_bom_refuses_lots(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    refused(turn.scan("LOT-BAR-261101"), "consumes no material")


# --- measurements ---------------------------------------------------------------------


def test_non_numbers_are_refused_while_measuring(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    assert isinstance(turn.state.prompt, EnterMeasurement)
    for text in ("abc", "12..0", "nan", "inf", "1e3", "12,0,1"):
        refused(turn.scan(text), "not a number")
    assert turn.state.job.characteristics[0].measured == 0  # type: ignore[union-attr]


def test_decimal_comma_is_a_decimal_point() -> None:
    assert parse_number("12,01") == 12.01
    assert parse_number("-0.5") == -0.5
    assert parse_number(".5") == 0.5
    assert parse_number("0109501101530003") is None  # a GTIN is not a measurement


def test_slipped_decimal_asks_for_confirmation(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    asked = turn.scan("1200")  # 12.00 with the point forgotten
    assert asked.payloads == [] and asked.message.level == "warn"
    assert isinstance(turn.state.prompt, ConfirmMeasurement) and turn.state.prompt.value == 1200
    assert "#CONFIRM" in asked.message.text
    confirmed = turn.scan("#CONFIRM")
    (payload,) = confirmed.payloads
    assert (payload.value, payload.verdict) == (1200, "fail")  # type: ignore[attr-defined]


def test_anything_else_discards_the_implausible_value(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    turn.scan("1200")
    retyped = turn.scan("12.01")  # the operator types the value again, right this time
    (payload,) = retyped.payloads
    assert payload.value == 12.01 and payload.characteristic == "SHAFT-DIA"  # type: ignore[attr-defined]
    assert retyped.message.text.startswith("Value 1200 discarded.")
    turn.scan("15000")
    cancelled = turn.scan("#CANCEL")
    assert cancelled.payloads == [] and "discarded" in cancelled.message.text
    assert isinstance(turn.state.prompt, EnterMeasurement)
    assert turn.state.prompt.characteristic == "SHAFT-LEN"


def test_pass_then_next_characteristic(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    passed = turn.scan("12.01")
    assert passed.message.level == "ok" and "PASS" in passed.message.text
    assert turn.state.prompt == EnterMeasurement(characteristic="SHAFT-LEN")
    turn.scan("150.05")
    assert isinstance(turn.state.prompt, ReadyToComplete)
    assert "A number is not expected" in turn.scan("12").message.text
    # A characteristic id picks it for another reading.
    turn.scan("shaft-dia")
    assert turn.state.prompt == EnterMeasurement(characteristic="SHAFT-DIA", chosen=True)
    again = turn.scan("11.97")
    assert [p.verdict for p in again.payloads] == ["fail"]  # type: ignore[attr-defined]
    assert turn.state.job.characteristic("SHAFT-DIA").measured == 2  # type: ignore[union-attr]


def test_gauge_reading_measures_the_prompted_characteristic(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    result = DEFAULT_FLOW.step(turn.state, Reading(12.004, unit="mm", device="caliper-1"), turn.ctx)
    (payload,) = result.payloads
    assert (payload.source, payload.value, payload.verdict) == ("gauge", 12.004, "pass")  # type: ignore[attr-defined]
    assert payload.device == "caliper-1"  # type: ignore[attr-defined]
    wrong_unit = DEFAULT_FLOW.step(result.state, Reading(0.47, unit="in"), turn.ctx)
    refused(wrong_unit, "in", "mm")


def test_a_confirmed_implausible_reading_keeps_its_gauge(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001")
    asked = DEFAULT_FLOW.step(turn.state, Reading(120.04, unit="mm", device="caliper-1"), turn.ctx)
    assert asked.payloads == [] and asked.state.prompt.kind == "confirm_measurement"
    turn.state = asked.state
    (payload,) = turn.scan("#CONFIRM").payloads
    assert (payload.value, payload.source, payload.device) == (120.04, "gauge", "caliper-1")  # type: ignore[attr-defined]
    typed = turn.scan("150.01").payloads[0]
    assert (typed.source, typed.device) == ("keyboard", None)  # type: ignore[attr-defined]


def test_done_needs_every_measurement(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001", "12.0")
    refused(turn.scan("#DONE"), "Measure Overall length")


def test_done_needs_material(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("#DONE"), "Scan a lot of BAR-C45-16")


# --- defects --------------------------------------------------------------------------


def test_defect_not_on_the_sheet(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    refused(saw.scan("DEF-UNKNOWN"), "DEF-UNKNOWN", "defect sheet")


def test_defect_quantity(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001", "DEF-CHATTER")
    refused(turn.scan("many"), "not a quantity")
    refused(turn.scan("0"), "more than 0")
    one = turn.scan("")
    assert [p.qty for p in one.payloads] == [1]  # type: ignore[attr-defined]
    assert turn.state.prompt == EnterMeasurement(characteristic="SHAFT-DIA")
    turn.scan("DEF-DENT")
    dropped = turn.scan("#CANCEL")
    assert dropped.payloads == [] and "not recorded" in dropped.message.text
    assert [d.code for d in turn.state.job.defects] == ["DEF-CHATTER"]  # type: ignore[union-attr]


# --- cancel, logout, idle -------------------------------------------------------------


def test_cancel_backs_out_of_completion_without_recording(turn: Station) -> None:
    turn.scan("EMP1001", "WO-1001", "12.0", "150.0", "#DONE", "40")
    back = turn.scan("#CANCEL")
    assert back.payloads == [] and isinstance(turn.state.prompt, ReadyToComplete)
    assert turn.state.job is not None


def test_cancel_a_job_needs_confirmation(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    asked = saw.scan("#CANCEL")
    assert asked.payloads == [] and "#CONFIRM" in asked.message.text
    kept = saw.scan("#CANCEL")
    assert kept.payloads == [] and saw.state.job is not None
    saw.scan("#CANCEL")
    done = saw.scan("#CONFIRM")
    assert [type(p).__name__ for p in done.payloads] == ["JobCancelled"]
    assert saw.state.job is None and isinstance(saw.state.prompt, ScanWorkOrder)


def test_logout_keeps_the_job_for_the_next_operator(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    out = saw.scan("#LOGOUT")
    assert [type(p).__name__ for p in out.payloads] == ["OperatorLoggedOut"]
    assert saw.state.operator is None and saw.state.job is not None
    asked = saw.scan("EMP1002")  # another operator confirms taking the job over
    assert "run by EMP1001" in asked.message.text and not asked.payloads
    back = saw.scan("1002")
    assert [type(p).__name__ for p in back.payloads] == ["OperatorLoggedIn", "JobHandedOver"]
    assert "took over job WO-1001 from EMP1001" in back.message.text
    assert isinstance(saw.state.prompt, ScanLot)
    again = saw.scan("#LOGOUT", "EMP1002")  # the same operator back: a plain login
    assert [type(p).__name__ for p in again.payloads] == ["OperatorLoggedIn"]


def test_another_badge_switches_operator(saw: Station) -> None:
    saw.scan("EMP1001")
    switched = saw.scan("EMP1009")
    assert [type(p).__name__ for p in switched.payloads] == [
        "OperatorLoggedOut",
        "OperatorLoggedIn",
    ]
    assert saw.state.operator.role == "supervisor"  # type: ignore[union-attr]


def test_idle_timeout_logs_out(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001", "DEF-BURR")
    assert tick(saw.state, saw.ctx) is None
    saw.now += timedelta(minutes=16)
    result = tick(saw.state, saw.ctx)
    assert result is not None
    (payload,) = result.payloads
    assert payload == ev.OperatorLoggedOut(badge="EMP1001", reason="idle")
    assert result.state.operator is None and isinstance(result.state.prompt, ScanBadge)


def test_gs1_lot_label(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    result = saw.scan(f"]C110LOT-BAR-261101{GS}3712")
    assert [p.lot for p in result.payloads] == ["LOT-BAR-261101"]  # type: ignore[attr-defined]


# --- after the server answers ---------------------------------------------------------


def test_server_refusing_the_job_stops_it_here(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001")
    job = saw.state.job
    assert job is not None
    result = server_rejected(
        saw.state,
        "JobStarted",
        {"job_id": str(job.job_id)},
        "work order WO-1001 is on hold: x",
        saw.ctx,
    )
    assert result is not None and result.state.job is None and result.message.level == "error"
    other = server_rejected(saw.state, "JobStarted", {"job_id": str(uuid.uuid4())}, "no", saw.ctx)
    assert other is None


def test_server_refusing_a_consumption_asks_for_material_again(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001", "LOT-BAR-261101")
    job = saw.state.job
    payload = {"job_id": str(job.job_id), "lot": "LOT-BAR-261101", "part": "BAR-C45-16", "qty": 8}  # type: ignore[union-attr]
    result = server_rejected(saw.state, "LotConsumed", payload, "lot is on hold", saw.ctx)
    assert result is not None
    assert result.state.job.materials[0].consumed == 0  # type: ignore[union-attr]
    assert isinstance(result.state.prompt, ScanLot)


# --- persistence and extension --------------------------------------------------------


def test_state_survives_a_restart(saw: Station) -> None:
    saw.scan("EMP1001", "WO-1001", "LOT-BAR-261101", "DEF-BURR", "3", "1550")
    assert isinstance(saw.state.prompt, ConfirmMeasurement)
    restored = state_from_json(state_to_json(saw.state))
    assert restored == saw.state
    resumed = resume(restored, saw.ctx)
    assert resumed.prompt == EnterMeasurement(
        characteristic="SHAFT-CUT-LEN"
    )  # half-done value dropped
    assert resumed.job == saw.state.job


def test_flow_extends_with_commands_guards_and_hooks(saw: Station) -> None:
    seen: list[str] = []

    def hold_command(turn: Turn) -> StepResult:
        return turn.done(turn.state, OperatorMessage.warn("Supervisor hold requested."))

    def first_article_guard(state, ctx) -> str | None:  # type: ignore[no-untyped-def]
        return "First article not approved yet." if state.job else None

    def audit(turn: Turn, result: StepResult) -> StepResult:
        seen.append(turn.text)
        return replace(result, actions=result.actions + (ShowVerdict.__mro__[1](),))

    flow = DEFAULT_FLOW.extend(
        commands={"HOLD": hold_command}, completion_guards=(first_article_guard,), after=(audit,)
    )
    state = saw.state
    for entry in ("EMP1001", "WO-1001", "LOT-BAR-261101", "155.0"):
        state = flow.step(state, entry, saw.ctx).state
    assert flow.step(state, "#HOLD", saw.ctx).message.text == "Supervisor hold requested."
    assert "First article" in flow.step(state, "#DONE", saw.ctx).message.text
    assert seen[:2] == ["EMP1001", "WO-1001"]
    assert (
        "#HOLD" in DEFAULT_FLOW.step(state, "#HOLD", saw.ctx).message.text
    )  # the default is untouched
