"""32-bit values in pairs of 16-bit Modbus registers (pure).

Modbus registers are big-endian 16-bit words; how a PLC orders the two words
of a float32 or uint32 is its own choice. ``word_order="big"`` means the high
word comes first (Siemens, most drives: ``ABCD``); ``"little"`` means the low
word first (many Schneider/Modicon and AutomationDirect PLCs: ``CDAB``).
A wrong order gives absurd values such as 1.4e-41 instead of 3.14.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Literal

WordOrder = Literal["big", "little"]
ValueType = Literal["float32", "int16", "uint16", "int32", "uint32"]

REGISTERS: dict[str, int] = {"float32": 2, "int32": 2, "uint32": 2, "int16": 1, "uint16": 1}
_FORMAT = {"float32": ">f", "int32": ">i", "uint32": ">I"}


def _words(registers: Sequence[int], word_order: WordOrder) -> bytes:
    if len(registers) != 2:
        raise ValueError(f"a 32-bit value needs 2 registers, got {len(registers)}")
    for register in registers:
        if not 0 <= register <= 0xFFFF:
            raise ValueError(f"register value out of range: {register}")
    high, low = registers if word_order == "big" else (registers[1], registers[0])
    return struct.pack(">HH", high, low)


def _registers(raw: bytes, word_order: WordOrder) -> list[int]:
    high, low = struct.unpack(">HH", raw)
    return [high, low] if word_order == "big" else [low, high]


def decode_float32(registers: Sequence[int], word_order: WordOrder = "big") -> float:
    return float(struct.unpack(">f", _words(registers, word_order))[0])


def encode_float32(value: float, word_order: WordOrder = "big") -> list[int]:
    return _registers(struct.pack(">f", value), word_order)


def decode_uint32(registers: Sequence[int], word_order: WordOrder = "big") -> int:
    return int(struct.unpack(">I", _words(registers, word_order))[0])


def encode_uint32(value: int, word_order: WordOrder = "big") -> list[int]:
    return _registers(struct.pack(">I", value), word_order)


def decode_value(registers: Sequence[int], value_type: ValueType, word_order: WordOrder) -> float:
    """Decode ``registers`` (exactly ``REGISTERS[value_type]`` of them) as ``value_type``."""
    if value_type == "uint16":
        return float(registers[0])
    if value_type == "int16":
        return float(struct.unpack(">h", struct.pack(">H", registers[0]))[0])
    return float(struct.unpack(_FORMAT[value_type], _words(registers, word_order))[0])


def encode_value(value: float, value_type: ValueType, word_order: WordOrder) -> list[int]:
    if value_type == "uint16":
        return [int(value) & 0xFFFF]
    if value_type == "int16":
        return [struct.unpack(">H", struct.pack(">h", int(value)))[0]]
    packed = struct.pack(_FORMAT[value_type], value if value_type == "float32" else int(value))
    return _registers(packed, word_order)
