"""Build a station's devices from its config: real adapters, or fakes for demo mode.

::

    devices = build_devices(parse_devices(plant_station["devices"]),
                            queue_dir=var / "print-queue", on_status=bar.update)
    devices.start()
    async for scan in devices.scanners[0].scans: ...
    await devices.printer().print_ticket(traveler)
    await devices.stop()

Nothing here opens a device: ``start()`` launches each adapter's own task,
which connects, reports status and reconnects on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.backoff import Backoff
from hardware.config import (
    DeviceConfig,
    EvdevScannerConfig,
    FilePrinterConfig,
    ModbusRtuConfig,
    ModbusTcpConfig,
    NetworkPrinterConfig,
    SerialGaugeConfig,
    SerialPrinterConfig,
    SerialScannerConfig,
    UsbPrinterConfig,
    WedgeScannerConfig,
)
from hardware.gauges.fake import FakeGauge
from hardware.gauges.reading import GaugeReading
from hardware.gauges.serial import SerialGauge
from hardware.plc.base import Plc, PlcEvent
from hardware.plc.fake import FakePlc
from hardware.plc.modbus import ModbusPlc
from hardware.plc.poller import PlcPoller
from hardware.printers.base import Printer
from hardware.printers.fake import FakePrinter
from hardware.printers.file import FilePrinter
from hardware.printers.network import NetworkPrinter
from hardware.printers.queue import PrintQueue
from hardware.printers.serial import SerialPrinter
from hardware.printers.usb import UsbPrinter
from hardware.scanners.base import Scan
from hardware.scanners.evdev import EvdevScanner
from hardware.scanners.fake import FakeScanner
from hardware.scanners.serial import SerialScanner
from hardware.scanners.wedge import WedgeScanner
from hardware.serialport import SerialSettings
from hardware.status import DeviceStatus, StatusCallback

ScannerDevice = SerialScanner | EvdevScanner | WedgeScanner | FakeScanner
GaugeDevice = SerialGauge | FakeGauge


@dataclass
class StationDevices:
    scanners: list[ScannerDevice] = field(default_factory=list)
    gauges: list[GaugeDevice] = field(default_factory=list)
    plcs: list[PlcPoller] = field(default_factory=list)
    printers: list[PrintQueue] = field(default_factory=list)

    def all(self) -> list[Any]:
        return [*self.scanners, *self.gauges, *self.plcs, *self.printers]

    def statuses(self) -> list[DeviceStatus]:
        return [d.status for d in self.all()]

    def by_name(self, name: str) -> Any:
        for device in self.all():
            if device.name == name:
                return device
        raise KeyError(f"no device named {name!r}")

    @property
    def wedge(self) -> WedgeScanner | None:
        """The keyboard-wedge scanner the kiosk feeds keys into, if one is configured."""
        return next((s for s in self.scanners if isinstance(s, WedgeScanner)), None)

    def printer(self, name: str | None = None) -> PrintQueue:
        """The named print queue, or the station's first."""
        for queue in self.printers:
            if name is None or queue.name == name:
                return queue
        raise KeyError(f"no printer {name!r}" if name else "no printer configured")

    def start(self) -> None:
        for device in self.all():
            device.start()

    async def stop(self) -> None:
        await asyncio.gather(*(device.stop() for device in self.all()), return_exceptions=True)


def _backoff(config: DeviceConfig) -> Backoff:
    return Backoff(config.reconnect_initial_s, config.reconnect_max_s)


def _printer(config: DeviceConfig) -> Printer:
    if isinstance(config, NetworkPrinterConfig):
        return NetworkPrinter(
            config.name, config.host, config.port,
            timeout_s=config.timeout_s, status_check=config.status_check,
        )  # fmt: skip
    if isinstance(config, UsbPrinterConfig):
        return UsbPrinter(
            config.name, config.vendor_id, config.product_id,
            in_ep=config.in_ep, out_ep=config.out_ep,
            timeout_s=config.timeout_s, status_check=config.status_check,
        )  # fmt: skip
    if isinstance(config, SerialPrinterConfig):
        return SerialPrinter(
            config.name, config.port, baudrate=config.baudrate, bytesize=config.bytesize,
            parity=config.parity, stopbits=config.stopbits, status_check=config.status_check,
        )  # fmt: skip
    if isinstance(config, FilePrinterConfig):
        return FilePrinter(config.name, config.path, timeout_s=config.timeout_s)
    raise TypeError(f"not a printer config: {config!r}")


def _plc(config: ModbusTcpConfig | ModbusRtuConfig) -> Plc:
    if isinstance(config, ModbusTcpConfig):
        return ModbusPlc.tcp(
            config.name, config.host, config.port,
            device_id=config.device_id, timeout=config.timeout_s,
        )  # fmt: skip
    return ModbusPlc.rtu(
        config.name, config.port, baudrate=config.baudrate, bytesize=config.bytesize,
        parity=config.parity, stopbits=config.stopbits,
        device_id=config.device_id, timeout=config.timeout_s,
    )  # fmt: skip


def build_devices(
    configs: Iterable[DeviceConfig],
    *,
    queue_dir: str | Path = "var/print-queue",
    on_status: StatusCallback | None = None,
    on_scan: Callable[[Scan], None] | None = None,
    on_reading: Callable[[GaugeReading], None] | None = None,
    on_plc_event: Callable[[PlcEvent], None] | None = None,
    fake: bool = False,
) -> StationDevices:
    """One adapter per config (``fake=True``: in-memory fakes, for demo mode and tests).

    ``on_*`` callbacks are optional conveniences (e.g. ``app.post_message``); every
    device also offers its items as an async iterator (``scans``, ``readings``,
    ``events``). A print queue's files live in ``queue_dir/<printer name>/``.
    """
    out = StationDevices()
    for config in configs:
        if isinstance(config, WedgeScannerConfig):
            out.scanners.append(
                WedgeScanner(
                    config.name,
                    max_gap_s=config.max_gap_ms / 1000,
                    min_length=config.min_length,
                    require_enter=config.require_enter,
                    on_status=on_status,
                    on_scan=on_scan,
                )  # fmt: skip
            )
        elif fake and config.kind == "scanner":
            out.scanners.append(FakeScanner(config.name, on_status=on_status, on_scan=on_scan))
        elif isinstance(config, SerialScannerConfig):
            out.scanners.append(
                SerialScanner(
                    config.name,
                    SerialSettings.of(config),
                    framing=config.framing,
                    max_frame=config.max_frame,
                    on_status=on_status,
                    on_scan=on_scan,
                    backoff=_backoff(config),
                )  # fmt: skip
            )
        elif isinstance(config, EvdevScannerConfig):
            out.scanners.append(
                EvdevScanner(
                    config.name,
                    config.path,
                    layout=config.layout,
                    grab=config.grab,
                    on_status=on_status,
                    on_scan=on_scan,
                    backoff=_backoff(config),
                )  # fmt: skip
            )
        elif isinstance(config, SerialGaugeConfig):
            if fake:
                out.gauges.append(
                    FakeGauge(
                        config.name,
                        unit=config.unit,
                        protocol=config.protocol,
                        trigger=config.trigger,
                        on_status=on_status,
                        on_reading=on_reading,
                    )  # fmt: skip
                )
                continue
            out.gauges.append(
                SerialGauge(
                    config.name,
                    SerialSettings.of(config),
                    protocol=config.protocol,
                    unit=config.unit,
                    framing=config.framing,
                    trigger=config.trigger,
                    poll_command=(config.poll_command or "").encode("latin-1") or None,
                    poll_interval_s=config.poll_interval_s,
                    response_timeout_s=config.response_timeout_s,
                    on_status=on_status,
                    on_reading=on_reading,
                    backoff=_backoff(config),
                )  # fmt: skip
            )
        elif isinstance(config, ModbusTcpConfig | ModbusRtuConfig):
            plc: Plc = FakePlc(config.name, config.word_order) if fake else _plc(config)
            out.plcs.append(
                PlcPoller(
                    plc,
                    config.points,
                    poll_hz=config.poll_hz,
                    word_order=config.word_order,
                    on_status=on_status,
                    on_event=on_plc_event,
                    backoff=_backoff(config),
                )  # fmt: skip
            )
        elif config.kind == "printer":
            printer = FakePrinter(config.name) if fake else _printer(config)
            out.printers.append(
                PrintQueue(
                    printer,
                    Path(queue_dir) / config.name,
                    paper_mm=config.paper_mm,
                    prints=config.prints,
                    on_status=on_status,
                    backoff=_backoff(config),
                )  # fmt: skip
            )
        else:  # pragma: no cover - parse_devices only produces the kinds above
            raise TypeError(f"unsupported device config: {config!r}")
    return out
