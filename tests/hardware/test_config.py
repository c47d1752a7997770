import tomllib

import pytest

from hardware.config import (
    DeviceConfigError,
    EvdevScannerConfig,
    FilePrinterConfig,
    ModbusRtuConfig,
    ModbusTcpConfig,
    NetworkPrinterConfig,
    SerialGaugeConfig,
    SerialScannerConfig,
    UsbPrinterConfig,
    WedgeScannerConfig,
    parse_devices,
)

STATION = """
[[devices]]
kind = "scanner"
transport = "serial"
port = "/dev/ttyACM0"
framing = "stx-etx"

[[devices]]
kind = "scanner"
transport = "evdev"
path = "/dev/input/by-id/usb-Honeywell-event-kbd"
layout = "de"

[[devices]]
kind = "scanner"
transport = "wedge"

[[devices]]
kind = "gauge"
transport = "serial"
name = "bore-gauge"
port = "/dev/ttyUSB0"
protocol = "mitutoyo-digimatic"
unit = "mm"
trigger = "poll"
poll_command = "1\\r"

[[devices]]
kind = "plc"
transport = "modbus-tcp"
name = "press-3"
host = "10.0.0.5"
device_id = 2
poll_hz = 5
word_order = "little"
[devices.points]
stop_coil = 0
andon = { red = 10, amber = 11, green = 12 }
part_counter = { address = 100, type = "uint32" }
analog = [
  { name = "melt_temp", characteristic = "MT-01", unit = "degC", address = 110 },
  { name = "pressure", unit = "bar", address = 112, table = "input", type = "int16", scale = 0.1 },
]
[devices.points.state]
address = 102
reason_address = 103
codes = { 0 = "stopped", 1 = "running", 2 = "fault" }

[[devices]]
kind = "plc"
transport = "modbus-rtu"
port = "/dev/ttyUSB1"

[[devices]]
kind = "printer"
transport = "network"
host = "10.0.0.9"
paper_mm = 58

[[devices]]
kind = "printer"
transport = "usb"
vendor_id = "04b8"
product_id = "0x0e15"

[[devices]]
kind = "printer"
transport = "file"
path = "/dev/usb/lp0"
"""


def test_a_station_file_parses_into_typed_configs_with_default_names():
    devices = parse_devices(tomllib.loads(STATION)["devices"])
    types = [type(d) for d in devices]
    assert types == [
        SerialScannerConfig, EvdevScannerConfig, WedgeScannerConfig, SerialGaugeConfig,
        ModbusTcpConfig, ModbusRtuConfig, NetworkPrinterConfig, UsbPrinterConfig,
        FilePrinterConfig,
    ]  # fmt: skip
    assert [d.name for d in devices] == [
        "scanner-1", "scanner-2", "scanner-3", "bore-gauge", "press-3", "plc-2",
        "printer-1", "printer-2", "printer-3",
    ]  # fmt: skip
    press = devices[4]
    assert isinstance(press, ModbusTcpConfig)
    assert press.port == 502 and press.word_order == "little"
    assert press.points.state is not None
    assert press.points.state.codes == {0: "stopped", 1: "running", 2: "fault"}
    assert press.points.andon == {"red": 10, "amber": 11, "green": 12}
    assert press.points.analog[1].scale == 0.1
    rtu = devices[5]
    assert isinstance(rtu, ModbusRtuConfig) and rtu.parity == "E" and rtu.baudrate == 19200
    usb = devices[7]
    assert isinstance(usb, UsbPrinterConfig)
    assert (usb.vendor_id, usb.product_id) == (0x04B8, 0x0E15)
    assert devices[3].poll_command == "1\r"


def scanner(**settings):
    return {"kind": "scanner", "transport": "serial", "port": "p", **settings}


def gauge(**settings):
    base = {"kind": "gauge", "transport": "serial", "port": "p", "protocol": "generic-ascii"}
    return {**base, "unit": "mm", **settings}


def plc(**points):
    return {"kind": "plc", "transport": "modbus-tcp", "host": "h", "points": points}


def printer(transport, **settings):
    return {"kind": "printer", "transport": transport, **settings}


WEDGE = {"kind": "scanner", "transport": "wedge"}
ANALOG_T = {"name": "t", "unit": "C", "address": 1}


@pytest.mark.parametrize(
    ("devices", "index", "field", "fragment"),
    [
        ([scanner(baud_rate=1)], 0, "baud_rate", "unknown setting"),
        ([{"kind": "scanner", "transport": "bluetooth"}], 0, "transport", "serial, evdev, wedge"),
        ([{"kind": "robot"}], 0, "kind", "unknown kind"),
        ([{"transport": "serial"}], 0, "kind", "missing"),
        ([WEDGE, plc(state={"address": "x"})], 1, "points.state.address", "integer"),
        ([gauge(trigger="poll")], 0, "", "poll_command"),
        ([gauge(protocol="vernier")], 0, "protocol", "mitutoyo-digimatic"),
        ([printer("network", host="h", paper_mm=57)], 0, "paper_mm", "58"),
        ([printer("usb", vendor_id="zz", product_id=1)], 0, "vendor_id", "hex"),
        ([plc(analog=[ANALOG_T, {**ANALOG_T, "address": 3}])], 0, "points.analog", "unique"),
        ([{**WEDGE, "name": "a"}, {**WEDGE, "name": "a"}], 1, "name", "devices[0]"),
    ],
)
def test_config_errors_name_the_device_index_and_field(devices, index, field, fragment):
    with pytest.raises(DeviceConfigError) as caught:
        parse_devices(devices)
    err = caught.value
    assert (err.index, err.field) == (index, field)
    assert fragment in str(err)
    assert str(err).startswith(f"devices[{index}]")


def test_configs_are_frozen():
    (device,) = parse_devices([{"kind": "scanner", "transport": "wedge"}])
    with pytest.raises(ValueError):
        device.min_length = 2  # type: ignore[misc]
