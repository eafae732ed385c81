"""What every PortAudio user in Kindly shares: quiet device probing and finding an output."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from skill.errors import AudioError

NO_SPEAKER_FIX = (
    "connect a speaker, or start PulseAudio (`pulseaudio --start`), "
    "or write a file instead (`kindly say` and `kindly practice` take --out FILE.wav)"
)


class _Quiet:
    """fd 2 sent to /dev/null while anyone is inside `quiet_stderr`, and restored when the
    last one leaves: two threads each saving and restoring fd 2 on their own could leave
    it at /dev/null for good."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._saved: int | None = None

    def enter(self) -> None:
        with self._lock:
            self._inside += 1
            if self._inside > 1:
                return
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):
                return  # no stderr to silence
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)
            self._saved = saved

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0 and self._saved is not None:
                os.dup2(self._saved, 2)
                os.close(self._saved)
                self._saved = None


_QUIET = _Quiet()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C libraries (ALSA, JACK) that print to fd 2 while PortAudio probes devices."""
    _QUIET.enter()
    try:
        yield
    finally:
        _QUIET.leave()


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
