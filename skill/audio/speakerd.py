"""The speaker's own process: PortAudio's callback fed from a queue, with no other Python work.

PortAudio calls back into Python for every device buffer, and Python runs one thread at a
time: a recogniser's decode that holds the interpreter for 0.1-0.7 s (PocketSphinx does)
left the callback waiting, the device ran dry (live: an underrun every 2-3 s while Kindly
spoke and heard at once), the listener heard a gap, and each gap moved Kindly's echo by
tens of ms, so the echo canceller never stayed learnt. Here the callback has an
interpreter of its own. `PyAudioSink` (skill.audio.speaker) starts this module with
``python -m skill.audio.speakerd RATE [DEVICE]`` and talks to it over its stdin and stdout
in frames (`write_frame`, `read_frame`):

- to it: ``W`` samples to play (int16 mono at the rate it reported), ``F`` drop what is
  queued, ``E`` + 1 or 0: a line is (not) being written, so audio missing is a gap;
  end of input: stop and exit.
- from it: ``R`` + JSON ``{"rate", "name", "latency"}`` once the device is open, or ``X`` +
  the error; then ``P`` for every block played (`PLAYED` header, the samples after it), and
  ``T`` (`TAKEN`) after a flush.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import threading
import time
from collections import deque
from typing import IO, Any

from skill.audio.portaudio import NO_SPEAKER_FIX, find_output_device, quiet_stderr
from skill.errors import AudioError

HEADER = struct.Struct("<cI")  # kind, payload length
# heard_at (monotonic s), fresh, bytes taken from the queue in all (played or dropped),
# callbacks short of audio mid-line, device underruns mid-line, a gap that just ended (s)
PLAYED = struct.Struct("<d?QIIf")
TAKEN = struct.Struct("<Q")
DEVICE_BUFFER = 0.08  # PortAudio's own buffer per callback


def write_frame(out: IO[bytes], kind: bytes, payload: bytes = b"") -> None:
    """One frame: `kind` (one byte) and its payload."""
    out.write(HEADER.pack(kind, len(payload)) + payload)
    out.flush()


def read_frame(source: IO[bytes]) -> tuple[bytes, bytes] | None:
    """The next frame, or None at the end of the stream (or a cut one)."""
    head = source.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    kind, size = HEADER.unpack(head)
    payload = source.read(size) if size else b""
    return (kind, payload) if len(payload) == size else None


class _Speaker:
    def __init__(self, rate: int, device: str | None, out: IO[bytes]) -> None:
        import pyaudio

        self._pyaudio = pyaudio
        self._out = out
        self._queue = bytearray()
        self._lock = threading.Lock()
        self._taken = 0
        self._expecting = False
        self._underruns = 0
        self._device_underruns = 0
        self._starved = 0
        self._reports: deque[tuple[bytes, bytes]] = deque()
        self._ready = threading.Event()
        self._closing = False
        with quiet_stderr():
            self._pa = pyaudio.PyAudio()
        try:
            with quiet_stderr():
                index = find_output_device(self._pa, device)
                info = self._pa.get_device_info_by_index(index)
                self.rate = rate
                try:
                    self._pa.is_format_supported(
                        rate, output_device=index, output_channels=1, output_format=pyaudio.paInt16
                    )
                except ValueError:
                    self.rate = int(info["defaultSampleRate"])  # the parent resamples to it
                self._stream = self._pa.open(
                    format=pyaudio.paInt16,
                    channels=1,
                    rate=self.rate,
                    output=True,
                    output_device_index=index,
                    frames_per_buffer=max(64, round(DEVICE_BUFFER * self.rate)),
                    stream_callback=self._callback,
                    start=False,
                )
        except (OSError, ValueError):
            self._pa.terminate()
            raise
        self.name = str(info.get("name", index))
        self.latency = float(self._stream.get_output_latency())
        threading.Thread(target=self._send, name="speaker-reports", daemon=True).start()

    def start(self) -> None:
        self._stream.start_stream()
        threading.Thread(target=self._watch, name="speaker-watch", daemon=True).start()

    def _watch(self) -> None:
        # A device that went away stops the stream and its callbacks: the process ends, so
        # the parent's writes fail and its player opens the speaker again.
        while not self._closing:
            try:
                active = self._stream.is_active()
            except (OSError, ValueError):
                active = False
            if not active and not self._closing:
                self._report(b"X", b"the speaker stopped working (the stream ended)")
                time.sleep(0.2)  # the report goes out first
                os._exit(1)
            time.sleep(0.5)

    def _callback(self, _in: bytes | None, frames: int, times: Any, status: int) -> Any:
        # PortAudio's thread: never block, never raise.
        want = 2 * frames
        with self._lock:
            pcm = bytes(self._queue[:want])
            del self._queue[:want]
            self._taken += len(pcm)
            taken, expecting = self._taken, self._expecting
        underflow = bool(status & self._pyaudio.paOutputUnderflow)
        if underflow and expecting:
            self._device_underruns += 1  # the callback came too late: a click or gap
        missing = (want - len(pcm)) // 2
        gap = 0.0
        if missing and expecting:
            self._underruns += 1
            self._starved += missing
        elif self._starved:
            gap, self._starved = self._starved / self.rate, 0
        pcm += bytes(want - len(pcm))
        try:
            ahead = float(times["output_buffer_dac_time"]) - float(times["current_time"])
        except (KeyError, TypeError, ValueError):
            ahead = -1.0
        if not 0.0 <= ahead < 1.0:  # a host that gives no times: its stated latency
            ahead = self.latency
        head = PLAYED.pack(
            time.monotonic() + ahead,
            underflow,
            taken,
            self._underruns,
            self._device_underruns,
            gap,
        )
        self._report(b"P", head + pcm)
        return pcm, self._pyaudio.paContinue

    def _report(self, kind: bytes, payload: bytes) -> None:
        self._reports.append((kind, payload))
        self._ready.set()

    def _send(self) -> None:
        # Reports go out from a thread of their own: a slow reader never stalls the callback.
        while True:
            self._ready.wait()
            self._ready.clear()
            try:
                while self._reports:
                    kind, payload = self._reports.popleft()
                    write_frame(self._out, kind, payload)
            except (OSError, ValueError):
                return  # the parent went away: the input side ends the process

    def serve(self, source: IO[bytes]) -> None:
        """Play what comes on `source` until it ends."""
        while (frame := read_frame(source)) is not None:
            kind, payload = frame
            if kind == b"W":
                with self._lock:
                    self._queue += payload
            elif kind == b"F":
                with self._lock:
                    self._taken += len(self._queue)
                    self._queue.clear()
                    taken = self._taken
                self._report(b"T", TAKEN.pack(taken))
            elif kind == b"E":
                with self._lock:
                    self._expecting = payload == b"\x01"

    def close(self) -> None:
        self._closing = True
        try:
            self._stream.stop_stream()
            self._stream.close()
        except (OSError, ValueError):
            pass
        self._pa.terminate()


def main(argv: list[str]) -> int:
    """Open the device (argv: RATE [DEVICE]), report, and play until stdin ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it (its stdin ends)
    # The frames keep stdout to themselves: what a C library prints there goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = sys.stdin.buffer
    try:
        speaker = _Speaker(int(argv[0]), argv[1] if len(argv) > 1 else None, out)
    except ImportError:
        write_frame(out, b"X", b"PyAudio is not installed: pip install pyaudio")
        return 1
    except AudioError as exc:
        write_frame(out, b"X", str(exc).encode())
        return 1
    except (OSError, ValueError) as exc:
        write_frame(out, b"X", f"cannot open the speaker ({exc}): {NO_SPEAKER_FIX}".encode())
        return 1
    ready = {"rate": speaker.rate, "name": speaker.name, "latency": speaker.latency}
    write_frame(out, b"R", json.dumps(ready).encode())
    speaker.start()
    try:
        speaker.serve(source)
    finally:
        speaker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
