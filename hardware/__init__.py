"""Line-side devices: scanners, gauges, PLCs, receipt printers.

Start from :func:`hardware.config.parse_devices` and
:func:`hardware.factory.build_devices`; see docs/hardware.md. This package
imports no device library (evdev, pyserial, pymodbus, python-escpos, Pillow):
adapters import them when a device is opened.
"""
