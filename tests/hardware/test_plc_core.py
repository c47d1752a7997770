import math
import struct

import pytest

from hardware.config import AnalogPoint, CounterPoint, PlcPoints, StatePoint
from hardware.plc.base import MachineStateChanged, PartsCounted, ProcessValue
from hardware.plc.codec import (
    decode_float32,
    decode_uint32,
    decode_value,
    encode_float32,
    encode_uint32,
    encode_value,
)
from hardware.plc.poller import PollState, ReadBlock, Snapshot, counter_delta, plan_reads, step

# 3.14159 as IEEE-754 single is 0x40490FD0: high word 0x4049, low word 0x0FD0.
PI_HIGH, PI_LOW = 0x4049, 0x0FD0


def test_float32_word_orders():
    assert decode_float32([PI_HIGH, PI_LOW], "big") == pytest.approx(3.14159, abs=1e-6)
    assert decode_float32([PI_LOW, PI_HIGH], "little") == pytest.approx(3.14159, abs=1e-6)
    # the classic symptom of the wrong word order: a tiny denormal instead of pi
    assert abs(decode_float32([PI_LOW, PI_HIGH], "big")) < 1e-20
    assert encode_float32(3.14159, "big") == [PI_HIGH, PI_LOW]
    assert encode_float32(3.14159, "little") == [PI_LOW, PI_HIGH]


@pytest.mark.parametrize("word_order", ["big", "little"])
@pytest.mark.parametrize("value", [0.0, -1.5, 215.25, 1e-3, -273.15, 3.4e38])
def test_float32_round_trip(word_order, value):
    expected = struct.unpack(">f", struct.pack(">f", value))[0]
    assert decode_float32(encode_float32(value, word_order), word_order) == expected


def test_uint32_and_small_types():
    assert decode_uint32([0x0001, 0x0002], "big") == 65538
    assert decode_uint32([0x0002, 0x0001], "little") == 65538
    assert encode_uint32(4_000_000_000, "little") == [0x2800, 0xEE6B]
    assert decode_value([0xFFFF], "int16", "big") == -1
    assert decode_value([0xFFFF], "uint16", "big") == 65535
    assert encode_value(-2, "int16", "big") == [0xFFFE]
    assert decode_value(encode_value(-70000, "int32", "little"), "int32", "little") == -70000


def test_decode_refuses_wrong_register_count_and_range():
    with pytest.raises(ValueError):
        decode_float32([1], "big")
    with pytest.raises(ValueError):
        decode_float32([70000, 1], "big")


@pytest.mark.parametrize(
    ("previous", "current", "bits", "delta"),
    [
        (10, 13, 16, 3),
        (65534, 2, 16, 4),  # wrapped
        (1234, 3, 16, 3),  # reset to zero, then 3 parts
        (4294967295, 0, 32, 1),
        (100, 100, 16, 0),
    ],
)
def test_counter_delta(previous, current, bits, delta):
    assert counter_delta(previous, current, bits) == delta


POINTS = PlcPoints(
    part_counter=CounterPoint(address=0),
    state=StatePoint(address=2, reason_address=3, codes={0: "stopped", 1: "running", 2: "fault"}),
    analog=[
        AnalogPoint(name="melt", characteristic="MT-01", unit="degC", address=10, deadband=0.5),
        AnalogPoint(name="flow", unit="l/min", address=12, min_interval_s=10),
    ],
)


def test_step_first_poll_sets_baselines_and_reports_current_state():
    state, events = step(PollState(), Snapshot(500, 1, 0, {"melt": 210.0}), 100.0, POINTS, "p")
    assert state.counter == 500 and state.total == 0
    assert events == [
        MachineStateChanged("running", 0, None, 0.0, 1, "p"),
        ProcessValue("melt", "MT-01", 210.0, "degC", "p"),
    ]


def test_step_emits_parts_state_changes_with_duration_and_filtered_values():
    state, _ = step(PollState(), Snapshot(500, 1, 0, {"melt": 210.0}), 100.0, POINTS)
    state, events = step(state, Snapshot(503, 1, 0, {"melt": 210.3}), 101.0, POINTS)
    assert events == [PartsCounted(3, 3, 503)]  # 0.3 is inside the 0.5 deadband
    state, events = step(state, Snapshot(503, 2, 17, {"melt": 211.0}), 130.5, POINTS)
    assert events == [
        MachineStateChanged("fault", 17, "running", 30.5, 2),
        ProcessValue("melt", "MT-01", 211.0, "degC"),
    ]
    state, events = step(state, Snapshot(503, 2, 18, {}), 131.0, POINTS)
    assert events == [MachineStateChanged("fault", 18, "fault", 0.5, 2)]  # new reason, same state
    state, events = step(state, Snapshot(2, 7, 0, {}), 140.0, POINTS)  # counter reset, unknown code
    assert events == [PartsCounted(2, 5, 2), MachineStateChanged("unknown(7)", 0, "fault", 9.5, 7)]


def test_min_interval_limits_process_value_rate():
    state, events = step(PollState(), Snapshot(analog={"flow": 1.0}), 0.0, POINTS)
    assert len(events) == 1
    state, events = step(state, Snapshot(analog={"flow": 2.0}), 5.0, POINTS)
    assert events == []
    state, events = step(state, Snapshot(analog={"flow": 3.0}), 10.0, POINTS)
    assert events == [ProcessValue("flow", None, 3.0, "l/min")]
    state, events = step(state, Snapshot(analog={"flow": math.nan}), 30.0, POINTS)
    assert events == []


def test_plan_reads_merges_nearby_points_into_one_request():
    assert plan_reads(POINTS) == [ReadBlock("holding", 0, 14)]
    far = POINTS.model_copy(
        update={"analog": [AnalogPoint(name="x", unit="C", address=400, table="input")]}
    )
    assert plan_reads(far) == [ReadBlock("holding", 0, 4), ReadBlock("input", 400, 2)]
