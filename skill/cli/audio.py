"""`kindly devices`: the sound devices PortAudio sees, and the rates each supports.

Each function takes plain values and returns an exit code; only these functions print.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from skill.audio.devices import STANDARD_RATES, Device, list_devices


def _rates(rates: tuple[int, ...]) -> str:
    return " ".join(f"{r // 1000}k" if r % 1000 == 0 else f"{r / 1000:g}k" for r in rates) or "-"


def _defaults(device: Device) -> str:
    marks = [
        m for m, on in (("mic", device.default_input), ("speaker", device.default_output)) if on
    ]
    return ", ".join(marks)


def format_devices(devices: list[Device]) -> str:
    """The device table `kindly devices` prints."""
    rows = [["#", "name", "in", "out", "rate", "input rates", "output rates", "default"]]
    for d in devices:
        rows.append(
            [
                str(d.index),
                d.name,
                str(d.input_channels),
                str(d.output_channels),
                str(d.default_rate),
                _rates(d.input_rates),
                _rates(d.output_rates),
                _defaults(d),
            ]
        )
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    right = {0, 2, 3, 4}  # numbers
    lines = [
        "  ".join(
            cell.rjust(width) if col in right else cell.ljust(width)
            for col, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    rates = "/".join(str(r) for r in STANDARD_RATES)
    lines.append(
        f"(rates checked: {rates} Hz, 16-bit.) Pick a microphone with --mic NAME or --mic #, "
        "or audio.mic in the config; a part of the name is enough."
    )
    return "\n".join(lines) + "\n"


def cmd_devices(as_json: bool, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """List the sound devices (1 when there are none)."""
    out, err = out or sys.stdout, err or sys.stderr
    devices = list_devices()
    if as_json:
        out.write(json.dumps([d.to_json() for d in devices], indent=2) + "\n")
    elif devices:
        out.write(format_devices(devices))
    if not devices:
        err.write(
            "kindly: no sound devices found: plug in a microphone and a speaker, or start "
            "PulseAudio (`pulseaudio --start`); `kindly run --text` needs none\n"
        )
        return 1
    return 0
