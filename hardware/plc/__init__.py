"""PLCs: the ``Plc`` seam, Modbus TCP/RTU, a poller emitting typed events, and a fake.

Importing this package does not load pymodbus.
"""

from hardware.plc.base import (
    MachineStateChanged,
    PartsCounted,
    Plc,
    PlcError,
    PlcEvent,
    ProcessValue,
)

__all__ = ["MachineStateChanged", "PartsCounted", "Plc", "PlcError", "PlcEvent", "ProcessValue"]
