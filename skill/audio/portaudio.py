"""What every PortAudio user in Kindly shares: quiet device probing and finding an output."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from skill.errors import AudioError

NO_SPEAKER_FIX = (
    "connect a speaker, or start PulseAudio (`pulseaudio --start`), "
    "or write a file instead (`kindly say` and `kindly practice` take --out FILE.wav)"
)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C libraries (ALSA, JACK) that print to fd 2 while PortAudio probes devices."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def find_output_device(pa: Any, wanted: str | None) -> int:
    """The output device index for a config value (None: the default; a number; a name)."""
    if wanted is None:
        try:
            return int(pa.get_default_output_device_info()["index"])
        except OSError as exc:
            raise AudioError(f"no audio output device ({exc}): {NO_SPEAKER_FIX}") from None
    if wanted.isdigit():
        return int(wanted)
    names = []
    for i in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(i)
        if int(info.get("maxOutputChannels", 0)) > 0:
            names.append(str(info["name"]))
            if wanted.lower() in str(info["name"]).lower():
                return i
    known = ", ".join(names) or "none"
    raise AudioError(f"no output device named '{wanted}' (outputs: {known}): {NO_SPEAKER_FIX}")
