"""Sound devices as PortAudio (PyAudio) sees them: listing, supported rates, picking one.

PortAudio enumerates devices once, when it is initialised, so a device plugged in later is
only seen by a fresh `portaudio()`; nothing here keeps a PyAudio instance open for long.
The input stream (`PyAudioInput`) lives here too; `skill.audio.mic` builds the source on it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from skill.audio.portaudio import quiet_stderr
from skill.errors import AudioError

log = logging.getLogger(__name__)

STANDARD_RATES = (16_000, 22_050, 44_100, 48_000)
AudioCallback = Callable[[bytes, bool], None]  # (pcm, overflowed), on PortAudio's thread
NO_MIC_FIX = "plug one in, or pick one with `kindly devices` and --mic, or use `kindly run --text`"
# ALSA puts the card number in the name ("USB Mic: Audio (hw:1,0)"); it can change when
# the device is plugged in again, so a device is found again by the rest of its name.
_ALSA_CARD = re.compile(r"\s*\((?:plug)?hw:\d+(?:,\d+)*\)$")
# PortAudio's initialise, terminate and stream open and close are not thread-safe: two
# threads reopening lost devices at once crashed the process (a segfault in terminate).
_PORTAUDIO_LOCK = threading.RLock()
CLOSE_SECONDS = 2.0  # a stream that takes longer to close is left behind


@dataclass(frozen=True)
class Device:
    """One PortAudio device and what it can do at 16-bit."""

    index: int
    name: str
    host_api: str
    input_channels: int
    output_channels: int
    default_rate: int
    input_rates: tuple[int, ...]
    output_rates: tuple[int, ...]
    default_input: bool = False
    default_output: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "host_api": self.host_api,
            "input_channels": self.input_channels,
            "output_channels": self.output_channels,
            "default_rate": self.default_rate,
            "input_rates": list(self.input_rates),
            "output_rates": list(self.output_rates),
            "default_input": self.default_input,
            "default_output": self.default_output,
        }


def open_portaudio() -> Any:
    """A fresh PyAudio instance, with a fresh device list; end it with `close_portaudio`."""
    try:
        import pyaudio
    except ImportError:
        raise AudioError("PyAudio is not installed: pip install 'kindly[voice]'") from None
    with _PORTAUDIO_LOCK, quiet_stderr():  # ALSA and JACK print pages of noise to fd 2
        try:
            return pyaudio.PyAudio()
        except OSError as exc:
            raise AudioError(f"PortAudio cannot start ({exc})") from None


def close_portaudio(pa: Any) -> None:
    """Terminate a PyAudio instance (it closes any stream still open on it)."""
    with _PORTAUDIO_LOCK, quiet_stderr(), contextlib.suppress(OSError, ValueError):
        pa.terminate()


@contextlib.contextmanager
def portaudio() -> Iterator[Any]:
    """A fresh PyAudio instance (a fresh device list), terminated on exit."""
    pa = open_portaudio()
    try:
        yield pa
    finally:
        close_portaudio(pa)


def stable_name(name: str) -> str:
    """A device name without the ALSA card number, which changes across re-plugging."""
    return _ALSA_CARD.sub("", name)


def _int16() -> int:
    import pyaudio

    return int(pyaudio.paInt16)


def supports(pa: Any, index: int, rate: int, channels: int, *, is_input: bool) -> bool:
    """Whether device `index` takes 16-bit audio at `rate` with `channels` channels."""
    if is_input:
        kwargs = {"input_device": index, "input_channels": channels, "input_format": _int16()}
    else:
        kwargs = {"output_device": index, "output_channels": channels, "output_format": _int16()}
    try:
        with quiet_stderr():
            return bool(pa.is_format_supported(rate, **kwargs))
    except (ValueError, OSError):  # PyAudio says "no" by raising
        return False


def supported_rates(
    pa: Any, index: int, *, is_input: bool, rates: Sequence[int] = STANDARD_RATES
) -> tuple[int, ...]:
    """The rates among `rates` the device supports, in mono or else in stereo."""
    info = pa.get_device_info_by_index(index)
    most = int(info["maxInputChannels" if is_input else "maxOutputChannels"])
    if most <= 0:
        return ()
    found = []
    for rate in rates:
        if any(supports(pa, index, rate, ch, is_input=is_input) for ch in (1, 2) if ch <= most):
            found.append(rate)
    return tuple(found)


def _default_index(pa: Any, is_input: bool) -> int | None:
    try:
        info = (
            pa.get_default_input_device_info() if is_input else pa.get_default_output_device_info()
        )
    except (OSError, ValueError):  # PyAudio raises when there is no default device
        return None
    return int(info["index"])


def list_devices(pa: Any | None = None) -> list[Device]:
    """Every device PortAudio sees, with the standard rates each supports."""
    if pa is None:
        with portaudio() as fresh:
            return list_devices(fresh)
    with quiet_stderr():  # probing each rate opens the device: more ALSA noise
        return _list_devices(pa)


def _list_devices(pa: Any) -> list[Device]:
    default_in, default_out = _default_index(pa, True), _default_index(pa, False)
    devices = []
    for index in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(index)
        try:
            host_api = str(pa.get_host_api_info_by_index(int(info["hostApi"]))["name"])
        except (OSError, ValueError, KeyError):
            host_api = "?"
        devices.append(
            Device(
                index=index,
                name=str(info["name"]),
                host_api=host_api,
                input_channels=int(info["maxInputChannels"]),
                output_channels=int(info["maxOutputChannels"]),
                default_rate=round(float(info["defaultSampleRate"])),
                input_rates=supported_rates(pa, index, is_input=True),
                output_rates=supported_rates(pa, index, is_input=False),
                default_input=index == default_in,
                default_output=index == default_out,
            )
        )
    return devices


def input_names(pa: Any) -> list[str]:
    """The names of the devices that can record."""
    names = []
    for index in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(index)
        if int(info["maxInputChannels"]) > 0:
            names.append(str(info["name"]))
    return names


def find_input(pa: Any, wanted: str | None) -> int:
    """The input device for a config value: None the default, digits an index, else a name.

    A name matches case-insensitively: the whole name (without an ALSA card number) first,
    then any device whose name contains it. Raises AudioError naming the fix.
    """
    names = input_names(pa)
    if not names:
        raise AudioError(f"no microphone found: {NO_MIC_FIX}")
    known = "; ".join(names)
    if wanted is None:
        index = _default_index(pa, True)
        if index is None or int(pa.get_device_info_by_index(index)["maxInputChannels"]) <= 0:
            raise AudioError(f"no default microphone (inputs: {known}): {NO_MIC_FIX}")
        return index
    if wanted.strip().isdigit():
        index = int(wanted)
        if not 0 <= index < pa.get_device_count():
            raise AudioError(f"no device {index} (inputs: {known}): {NO_MIC_FIX}")
        if int(pa.get_device_info_by_index(index)["maxInputChannels"]) <= 0:
            raise AudioError(f"device {index} cannot record (inputs: {known}): {NO_MIC_FIX}")
        return index
    key = wanted.strip().lower()
    inputs = [
        (i, str(pa.get_device_info_by_index(i)["name"]))
        for i in range(pa.get_device_count())
        if int(pa.get_device_info_by_index(i)["maxInputChannels"]) > 0
    ]
    for i, name in inputs:
        if key in (name.lower(), stable_name(name).lower()):
            return i
    for i, name in inputs:
        if key in name.lower():
            return i
    raise AudioError(f"no microphone named '{wanted}' (inputs: {known}): {NO_MIC_FIX}")


def pick_input_format(pa: Any, index: int, prefer_rate: int = 16_000) -> tuple[int, int]:
    """(rate, channels) to record from device `index`: `prefer_rate` if it can, else its
    default rate, else another standard rate; mono if it can, else stereo."""
    info = pa.get_device_info_by_index(index)
    most = int(info["maxInputChannels"])
    default = round(float(info["defaultSampleRate"]))
    candidates = dict.fromkeys([prefer_rate, default, *sorted(STANDARD_RATES, reverse=True)])
    for rate in candidates:
        for channels in (1, 2):
            if channels <= most and supports(pa, index, rate, channels, is_input=True):
                return rate, channels
    raise AudioError(
        f"the microphone '{info['name']}' supports none of the rates "
        f"{', '.join(str(r) for r in candidates)} in 16-bit: {NO_MIC_FIX}"
    )


# --- input streams ------------------------------------------------------------------------


class Input(Protocol):
    """An open input stream that hands its audio to a callback on its own thread."""

    name: str
    rate: int
    channels: int

    def active(self) -> bool:
        """False once the stream has stopped by itself (the device went away)."""

    def close(self) -> None:
        """Release the device; returns within seconds even when the driver hangs."""


class PyAudioInput:
    """A PortAudio input stream in callback mode (skill.audio.mic says why: a blocking read can
    hang for ever when the device goes away)."""

    def __init__(
        self, wanted: str | None, *, prefer_rate: int, chunk_ms: int, on_audio: AudioCallback
    ) -> None:
        self._pa = open_portaudio()  # first: it turns a missing PyAudio into an AudioError
        import pyaudio

        try:
            index = find_input(self._pa, wanted)
            info = self._pa.get_device_info_by_index(index)
            self.name = str(info["name"])
            self.rate, self.channels = pick_input_format(self._pa, index, prefer_rate)
            overflow = int(pyaudio.paInputOverflow)
            go_on = int(pyaudio.paContinue)

            def callback(data: bytes | None, _n: int, _t: Any, status: int) -> tuple[None, int]:
                on_audio(data or b"", bool(status & overflow))
                return None, go_on

            with _PORTAUDIO_LOCK, quiet_stderr():
                self._stream = self._pa.open(
                    format=pyaudio.paInt16,
                    channels=self.channels,
                    rate=self.rate,
                    input=True,
                    input_device_index=index,
                    frames_per_buffer=max(1, self.rate * chunk_ms // 1000),
                    stream_callback=callback,
                )
        except AudioError:
            close_portaudio(self._pa)
            raise
        except (OSError, ValueError) as exc:
            close_portaudio(self._pa)
            what = f"'{wanted}'" if wanted else "the default microphone"
            raise AudioError(f"cannot open {what} ({exc}): {NO_MIC_FIX}") from None

    def active(self) -> bool:
        return bool(self._stream.is_active())

    def close(self) -> None:
        """Close the stream and end its PortAudio instance; back in `CLOSE_SECONDS` at most
        once PortAudio's lock is free.

        Closing a stream whose device went away can hang for ever in the driver (ALSA's
        pulse plugin waiting on a server connection that is gone). PortAudio takes the
        stream off its shared list before it stops it, so a close stuck that long holds
        nothing another open needs: it is left behind on its own thread and the lock is
        let go. Held, it kept every later open waiting, and the microphone never came back.
        A close that ends late still ends its instance: one never ended would keep
        PortAudio from ever listing devices afresh in this process.
        """
        with _PORTAUDIO_LOCK, quiet_stderr():
            closed = _finishes(self._stream.close, CLOSE_SECONDS, then=self._end_late)
        if closed:
            close_portaudio(self._pa)
        else:
            log.debug(
                "the stream of '%s' did not close in %g s: left behind", self.name, CLOSE_SECONDS
            )

    def _end_late(self) -> None:
        close_portaudio(self._pa)
        log.debug("the stream of '%s' left behind has closed", self.name)


def _finishes(call: Callable[[], object], seconds: float, then: Callable[[], None]) -> bool:
    """Run `call` on a thread of its own: True if it ended within `seconds`. If it ends
    later, that thread runs `then`. OSError and ValueError are ignored: a stream whose
    device has gone may fail to close, and is gone."""
    handoff = threading.Lock()
    waited_out = False
    ended = False

    def run() -> None:
        nonlocal ended
        with contextlib.suppress(OSError, ValueError):
            call()
        with handoff:
            ended, late = True, waited_out
        if late:
            then()

    thread = threading.Thread(target=run, name="portaudio-close", daemon=True)
    thread.start()
    thread.join(seconds)
    with handoff:
        waited_out = not ended
    return not waited_out
