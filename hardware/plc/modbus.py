"""Modbus TCP and RTU through pymodbus, behind the :class:`~hardware.plc.base.Plc` seam.

pymodbus' own reconnect is switched off (``reconnect_delay=0``): the poller
owns reconnecting, with its capped backoff and status reports. Each connect
builds a fresh client so a half-dead transport is never reused. Every
pymodbus failure (timeout, dropped connection, exception response) becomes a
:class:`PlcError`; nothing else escapes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from hardware.plc.base import PlcError, Table

log = logging.getLogger(__name__)

EXCEPTION_CODES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target failed to respond",
}


class ModbusPlc:
    def __init__(
        self, name: str, make_client: Callable[[], Any], *, device_id: int = 1, where: str = ""
    ) -> None:
        self.name = name
        self.device_id = device_id
        self.where = where or name
        self._make_client = make_client
        self._client: Any = None

    @classmethod
    def tcp(
        cls, name: str, host: str, port: int = 502, *, device_id: int = 1, timeout: float = 1.0
    ) -> ModbusPlc:
        def make() -> Any:
            from pymodbus.client import AsyncModbusTcpClient

            return AsyncModbusTcpClient(
                host, port=port, timeout=timeout, retries=0, reconnect_delay=0
            )

        return cls(name, make, device_id=device_id, where=f"{host}:{port}")

    @classmethod
    def rtu(
        cls,
        name: str,
        port: str,
        *,
        baudrate: int = 19200,
        bytesize: int = 8,
        parity: str = "E",
        stopbits: int = 1,
        device_id: int = 1,
        timeout: float = 1.0,
    ) -> ModbusPlc:
        def make() -> Any:
            import serial  # noqa: F401  (pymodbus checks sys.modules for pyserial)
            from pymodbus.client import AsyncModbusSerialClient

            return AsyncModbusSerialClient(
                port,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
                timeout=timeout,
                retries=0,
                reconnect_delay=0,
            )

        return cls(name, make, device_id=device_id, where=f"{port} id {device_id}")

    @property
    def connected(self) -> bool:
        return self._client is not None and bool(self._client.connected)

    async def connect(self) -> None:
        if self.connected:
            return
        self.close()
        try:
            self._client = self._make_client()
            ok = await self._client.connect()
        except ImportError as exc:
            raise PlcError(f"missing library for {self.where}: {exc}") from exc
        except Exception as exc:  # pymodbus raises assorted errors on connect
            raise PlcError(f"cannot connect to {self.where}: {exc}") from exc
        if not ok:
            raise PlcError(f"cannot connect to {self.where}")

    async def read(self, table: Table, address: int, count: int = 1) -> list[int]:
        client = self._require()
        method = {
            "holding": client.read_holding_registers,
            "input": client.read_input_registers,
            "coil": client.read_coils,
            "discrete": client.read_discrete_inputs,
        }[table]
        response = await self._call(f"read {table} {address}+{count}", method, address, count=count)
        if table in ("coil", "discrete"):
            return [int(bit) for bit in response.bits[:count]]
        registers = list(response.registers)
        if len(registers) != count:
            raise PlcError(f"read {table} {address}: asked {count}, got {len(registers)}")
        return registers

    async def write(self, table: Table, address: int, values: Sequence[int]) -> None:
        client = self._require()
        what = f"write {table} {address}={list(values)}"
        if table == "coil":
            if len(values) == 1:
                await self._call(what, client.write_coil, address, bool(values[0]))
            else:
                await self._call(what, client.write_coils, address, [bool(v) for v in values])
        elif table == "holding":
            if len(values) == 1:
                await self._call(what, client.write_register, address, int(values[0]))
            else:
                await self._call(what, client.write_registers, address, [int(v) for v in values])
        else:
            raise PlcError(f"{table} is read-only")

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a dead transport
                log.debug("closing modbus client failed", exc_info=True)

    def _require(self) -> Any:
        if not self.connected:
            raise PlcError(f"not connected to {self.where}")
        return self._client

    async def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from pymodbus.exceptions import ModbusException

        try:
            response = await method(*args, device_id=self.device_id, **kwargs)
        except ModbusException as exc:
            raise PlcError(f"{what} on {self.where}: {exc}") from exc
        except (TimeoutError, OSError) as exc:
            raise PlcError(f"{what} on {self.where}: {type(exc).__name__} {exc}") from exc
        if response is None:
            raise PlcError(f"{what} on {self.where}: no response")
        if response.isError():
            code = getattr(response, "exception_code", 0)
            reason = EXCEPTION_CODES.get(code, f"code {code}")
            raise PlcError(f"{what} on {self.where}: exception response ({reason})")
        return response
