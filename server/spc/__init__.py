"""Statistical process control on the server.

``stream`` charts each measurement as it arrives; ``containment`` turns a
signal into holds on the suspect range; ``limits`` computes and freezes
control limits; ``views`` and ``data`` read charts, signals and analyses.
"""
