"""Station device configuration, as embedded in the plant file.

The plant TOML lists a station's devices as an array of tables::

    [[stations.devices]]
    kind = "scanner"
    transport = "serial"
    port = "/dev/serial/by-id/usb-Honeywell_1900-if00"
    framing = "crlf"

``parse_devices(list_of_dicts)`` validates every entry and returns typed,
frozen configs; a mistake raises :class:`DeviceConfigError` naming the entry
index and the field. Models forbid unknown keys so a typo (``baud_rate``) is
an error, not a silently ignored setting. See docs/hardware.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

Framing = Literal["crlf", "cr", "lf", "stx-etx"]
Parity = Literal["N", "E", "O"]
RegisterTable = Literal["holding", "input"]
Address = Annotated[int, Field(ge=0, le=65535)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Device(_Model):
    kind: str
    transport: str
    #: Shown in the device bar and used as ``Scan.source``; defaults to "<kind>-<n>".
    name: str = ""
    #: First reconnect delay; doubles per failed attempt up to ``reconnect_max_s``.
    reconnect_initial_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)


class _SerialLine(_Model):
    port: str = Field(min_length=1)
    baudrate: int = Field(default=9600, gt=0)
    bytesize: Literal[7, 8] = 8
    parity: Parity = "N"
    stopbits: Literal[1, 2] = 1


# --- scanners ---------------------------------------------------------------


class SerialScannerConfig(_Device, _SerialLine):
    kind: Literal["scanner"]
    transport: Literal["serial"]
    framing: Framing = "crlf"
    max_frame: int = Field(default=4096, gt=0)


class EvdevScannerConfig(_Device):
    kind: Literal["scanner"]
    transport: Literal["evdev"]
    path: str = Field(min_length=1)
    layout: Literal["us", "de"] = "us"
    #: Exclusive grab, so scans do not also reach the console as keystrokes.
    grab: bool = True


class WedgeScannerConfig(_Device):
    kind: Literal["scanner"]
    transport: Literal["wedge"]
    #: Keys closer together than this belong to one scanner burst.
    max_gap_ms: float = Field(default=30.0, gt=0)
    #: Shorter bursts are treated as typing (a fast human can type 2-3 keys in a burst).
    min_length: int = Field(default=4, ge=1)
    #: Most scanners end a scan with Enter; without one a burst ends after max_gap_ms.
    require_enter: bool = True


# --- gauges -----------------------------------------------------------------

GaugeProtocol = Literal["mitutoyo-digimatic", "generic-ascii", "tester-csv"]


class SerialGaugeConfig(_Device, _SerialLine):
    kind: Literal["gauge"]
    transport: Literal["serial"]
    protocol: GaugeProtocol
    #: The unit the gauge must report in; readings in another unit are refused.
    unit: str = Field(min_length=1)
    trigger: Literal["push", "poll"] = "push"
    #: Sent to request a reading in poll mode, e.g. "1\r" or "?\r\n".
    poll_command: str | None = None
    #: Poll mode: request every N seconds; None = only when the kiosk asks.
    poll_interval_s: float | None = Field(default=None, gt=0)
    response_timeout_s: float = Field(default=2.0, gt=0)
    framing: Framing = "crlf"

    @model_validator(mode="after")
    def _poll_needs_command(self) -> SerialGaugeConfig:
        if self.trigger == "poll" and not self.poll_command:
            raise ValueError("trigger='poll' needs poll_command (e.g. poll_command=\"1\\r\")")
        return self


# --- PLCs -------------------------------------------------------------------


class CounterPoint(_Model):
    address: Address
    table: RegisterTable = "holding"
    type: Literal["uint16", "uint32"] = "uint16"


class StatePoint(_Model):
    address: Address
    table: RegisterTable = "holding"
    reason_address: Address | None = None
    reason_table: RegisterTable = "holding"
    #: State code -> name, e.g. {0="stopped", 1="running", 2="fault"}.
    codes: dict[int, str] = Field(default_factory=dict)


class AnalogPoint(_Model):
    name: str = Field(min_length=1)
    characteristic: str | None = None
    unit: str = Field(min_length=1)
    address: Address
    table: RegisterTable = "holding"
    type: Literal["float32", "int16", "uint16", "int32", "uint32"] = "float32"
    #: value = raw * scale + offset
    scale: float = 1.0
    offset: float = 0.0
    #: Only report a change larger than this.
    deadband: float = Field(default=0.0, ge=0)
    #: Report at most once per this many seconds (0 = every change).
    min_interval_s: float = Field(default=0.0, ge=0)


class PlcPoints(_Model):
    part_counter: CounterPoint | None = None
    state: StatePoint | None = None
    analog: list[AnalogPoint] = Field(default_factory=list)
    stop_coil: Address | None = None
    #: Andon colour -> coil, e.g. {red=10, amber=11, green=12}.
    andon: dict[str, Address] = Field(default_factory=dict)

    @field_validator("analog")
    @classmethod
    def _unique_analog_names(cls, points: list[AnalogPoint]) -> list[AnalogPoint]:
        dupes = [n for n, c in Counter(p.name for p in points).items() if c > 1]
        if dupes:
            raise ValueError(f"analog point names must be unique, repeated: {', '.join(dupes)}")
        return points


class _PlcBase(_Device):
    kind: Literal["plc"]
    device_id: int = Field(default=1, ge=0, le=255)
    poll_hz: float = Field(default=10.0, gt=0, le=100)
    #: Order of the two 16-bit words of a 32-bit value ("big" = high word first).
    word_order: Literal["big", "little"] = "big"
    timeout_s: float = Field(default=1.0, gt=0)
    points: PlcPoints = Field(default_factory=PlcPoints)


class ModbusTcpConfig(_PlcBase):
    transport: Literal["modbus-tcp"]
    host: str = Field(min_length=1)
    port: int = Field(default=502, gt=0, le=65535)


class ModbusRtuConfig(_PlcBase, _SerialLine):
    transport: Literal["modbus-rtu"]
    baudrate: int = Field(default=19200, gt=0)
    parity: Parity = "E"  # Modbus RTU's default framing is 8E1


# --- printers ---------------------------------------------------------------


TicketKind = Literal["traveler", "hold_tag"]
TICKET_KINDS: tuple[TicketKind, ...] = ("traveler", "hold_tag")


class _PrinterBase(_Device):
    kind: Literal["printer"]
    paper_mm: Literal[58, 80] = 80
    #: Ask the printer (DLE EOT) whether it is online and has paper before each ticket.
    status_check: bool = True
    timeout_s: float = Field(default=5.0, gt=0)
    #: The tickets this printer takes: a station with a receipt printer for travelers and a
    #: label printer for hold tags lists each on its own. Each kind goes to the first printer
    #: (in the station's list) that takes it.
    prints: list[TicketKind] = Field(default_factory=lambda: list(TICKET_KINDS), min_length=1)

    @field_validator("prints")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class NetworkPrinterConfig(_PrinterBase):
    transport: Literal["network"]
    host: str = Field(min_length=1)
    port: int = Field(default=9100, gt=0, le=65535)


class UsbPrinterConfig(_PrinterBase):
    transport: Literal["usb"]
    vendor_id: int = Field(ge=0, le=0xFFFF)
    product_id: int = Field(ge=0, le=0xFFFF)
    in_ep: int | None = None
    out_ep: int | None = None

    @field_validator("vendor_id", "product_id", "in_ep", "out_ep", mode="before")
    @classmethod
    def _hex(cls, value: Any) -> Any:
        # lsusb prints "04b8:0e15": accept "0x04b8" and "04b8" as well as 1208.
        if isinstance(value, str):
            try:
                return int(value, 16)
            except ValueError as exc:
                raise ValueError(f"not a hex USB id: {value!r}") from exc
        return value


class SerialPrinterConfig(_PrinterBase, _SerialLine):
    transport: Literal["serial"]
    baudrate: int = Field(default=19200, gt=0)


class FilePrinterConfig(_PrinterBase):
    transport: Literal["file"]
    #: /dev/usb/lp0 (usblp kernel driver), a parallel port, or any file.
    path: str = Field(min_length=1)
    status_check: bool = False


def _tag(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('kind')}/{value.get('transport')}"
    return f"{getattr(value, 'kind', None)}/{getattr(value, 'transport', None)}"


TRANSPORTS: dict[str, dict[str, type[_Device]]] = {
    "scanner": {
        "serial": SerialScannerConfig,
        "evdev": EvdevScannerConfig,
        "wedge": WedgeScannerConfig,
    },
    "gauge": {"serial": SerialGaugeConfig},
    "plc": {"modbus-tcp": ModbusTcpConfig, "modbus-rtu": ModbusRtuConfig},
    "printer": {
        "network": NetworkPrinterConfig,
        "usb": UsbPrinterConfig,
        "serial": SerialPrinterConfig,
        "file": FilePrinterConfig,
    },
}

ScannerConfig = SerialScannerConfig | EvdevScannerConfig | WedgeScannerConfig
GaugeConfig = SerialGaugeConfig
PlcConfig = ModbusTcpConfig | ModbusRtuConfig
PrinterConfig = NetworkPrinterConfig | UsbPrinterConfig | SerialPrinterConfig | FilePrinterConfig

DeviceConfig = Annotated[
    Annotated[SerialScannerConfig, Tag("scanner/serial")]
    | Annotated[EvdevScannerConfig, Tag("scanner/evdev")]
    | Annotated[WedgeScannerConfig, Tag("scanner/wedge")]
    | Annotated[SerialGaugeConfig, Tag("gauge/serial")]
    | Annotated[ModbusTcpConfig, Tag("plc/modbus-tcp")]
    | Annotated[ModbusRtuConfig, Tag("plc/modbus-rtu")]
    | Annotated[NetworkPrinterConfig, Tag("printer/network")]
    | Annotated[UsbPrinterConfig, Tag("printer/usb")]
    | Annotated[SerialPrinterConfig, Tag("printer/serial")]
    | Annotated[FilePrinterConfig, Tag("printer/file")],
    Discriminator(_tag),
]

_ADAPTER: TypeAdapter[Any] = TypeAdapter(DeviceConfig)


class DeviceConfigError(ValueError):
    """A device entry is wrong. ``index`` is its position in the list, ``field`` a dotted path."""

    def __init__(self, index: int, field: str, message: str, *, label: str = "") -> None:
        self.index = index
        self.field = field
        self.problem = message
        where = f"devices[{index}]" + (f" ({label})" if label else "")
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def _label(raw: Mapping[str, Any]) -> str:
    kind, name = raw.get("kind"), raw.get("name")
    return f"{kind} {name!r}" if name else str(kind or "")


def _check_kind(index: int, raw: Any) -> None:
    if not isinstance(raw, Mapping):
        raise DeviceConfigError(index, "", f"expected a table, got {type(raw).__name__}")
    kind, transport = raw.get("kind"), raw.get("transport")
    if kind is None:
        raise DeviceConfigError(index, "kind", f"missing; one of {', '.join(TRANSPORTS)}")
    if kind not in TRANSPORTS:
        raise DeviceConfigError(
            index, "kind", f"unknown kind {kind!r}; one of {', '.join(TRANSPORTS)}"
        )
    known = ", ".join(TRANSPORTS[kind])
    if transport is None:
        raise DeviceConfigError(index, "transport", f"missing; for a {kind}: one of {known}")
    if transport not in TRANSPORTS[kind]:
        raise DeviceConfigError(
            index, "transport", f"unknown transport {transport!r} for a {kind}; one of {known}"
        )


def parse_device(index: int, raw: Mapping[str, Any]) -> DeviceConfig:
    """Validate one device table; raise :class:`DeviceConfigError` on the first problem."""
    _check_kind(index, raw)
    try:
        return _ADAPTER.validate_python(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        # loc starts with the union tag ("plc/modbus-tcp"); drop it.
        loc = [str(p) for p in first["loc"] if not (isinstance(p, str) and "/" in p)]
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown setting (typo?)"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DeviceConfigError(index, ".".join(loc), message, label=_label(raw)) from exc


def parse_devices(raw: Sequence[Mapping[str, Any]]) -> list[DeviceConfig]:
    """Validate a station's device list; fill default names ("scanner-1", ...)."""
    parsed = [parse_device(i, entry) for i, entry in enumerate(raw)]
    per_kind: Counter[str] = Counter()
    named: list[DeviceConfig] = []
    for config in parsed:
        per_kind[config.kind] += 1
        if not config.name:
            config = config.model_copy(update={"name": f"{config.kind}-{per_kind[config.kind]}"})
        named.append(config)
    seen: dict[str, int] = {}
    for index, config in enumerate(named):
        if config.name in seen:
            raise DeviceConfigError(
                index, "name", f"{config.name!r} is already used by devices[{seen[config.name]}]"
            )
        seen[config.name] = index
    return named
