"""The player: a practice's outputs turned into sound.

`render_practice` makes a whole practice one array (speech, real silences, chimes);
`SpeakerPlayer` plays outputs one at a time for the loop, from a background thread, so
`start` never blocks and `stop` silences within a chunk (20 ms) plus the device latency.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from skill.audio import dsp
from skill.audio.dsp import Audio
from skill.audio.reference import EchoReference
from skill.audio.speaker import AudioSink, PyAudioSink
from skill.config import Config
from skill.content.load import load_catalogue
from skill.content.model import Catalogue, Practice
from skill.core.events import Listen, Output, PlayChime, Silence, Speak
from skill.core.practice import output_seconds, practice_outputs
from skill.errors import AudioError, KindlyError
from skill.speaking.ahead import LookAhead
from skill.speaking.cache import Speech, open_speech
from skill.speaking.chimes import CHIME_KINDS, chime, chime_seconds, earcon

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.02  # what is written at once: the longest a stop waits for
REOPEN_SECONDS = 5.0  # after the speaker failed, how often to try opening it again
CUE_POLL = 0.02  # how soon a cue is heard when nothing else is playing
RESAMPLE_BLOCK = 0.1  # seconds of voice audio resampled at once, so playback starts at once

# --- whole practices -------------------------------------------------------------------------


def output_audio(output: Output, speech: Speech) -> Audio:
    """The sound of one output at the voice's rate (a listening window is quiet)."""
    if isinstance(output, Speak):
        return speech.line(output.text, output.pace)
    if isinstance(output, PlayChime):
        return chime(output.kind, speech.rate)
    return dsp.silence(output.seconds, speech.rate)


def render_practice(practice: Practice, speech: Speech, pace: float = 1.0) -> Audio:
    """The whole practice as one array at the voice's rate, silences included.

    The outputs are the session's own (`core.practice.practice_outputs`), in its order.
    """
    parts = [output_audio(o, speech) for o in practice_outputs(practice, pace)]
    return np.concatenate(parts).astype(np.float32) if parts else dsp.empty()


# --- the speaker player ------------------------------------------------------------------------


@dataclass
class _Job:
    output: Output
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)


_CLOSE = object()


class SpeakerPlayer:
    """loop.OutputPlayer over an audio sink, fed from one background thread."""

    def __init__(
        self,
        speech: Speech,
        sink: AudioSink,
        *,
        reopen: Callable[[], AudioSink] | None = None,
        look_ahead: LookAhead | None = None,
    ) -> None:
        self.speech = speech
        self.look_ahead = look_ahead  # renders the next lines while this one plays
        self.sink = sink
        self.errors = 0
        self._reopen = reopen  # how to get the device back after it failed
        self._reference: EchoReference | None = None  # what was played, for echo cancel
        self._broken_at: float | None = None  # when the sink last failed
        self._sink_error = ""
        self._last_error = ""
        self._current: _Job | None = None
        self._jobs: queue.Queue[_Job | object] = queue.Queue()
        self._cues: queue.Queue[Audio] = queue.Queue()  # played at once, over a silence
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    # -- loop.OutputPlayer --------------------------------------------------------------

    def start(self, output: Output) -> None:
        """Begin playing `output` (whatever was playing is cut)."""
        job = _Job(output)
        if self.look_ahead is not None and isinstance(output, Speak):
            self.look_ahead.speaking(output.text, output.pace)
        with self._lock:
            if self._current is not None:
                self._current.cancel.set()
            self._current = job
        self._jobs.put(job)

    def done(self) -> bool:
        with self._lock:
            return self._current is None or self._current.finished.is_set()

    def alive(self) -> bool:
        """The playing thread runs (for the watchdog: a dead speaker is a dead service)."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Cut the current output: no more audio is written after the chunk in hand."""
        with self._lock:
            if self._current is not None:
                self._current.cancel.set()
                self._current = None

    def idle(self) -> None:
        """The session went idle: spare time for the look-ahead's other paces."""
        if self.look_ahead is not None:
            self.look_ahead.idle()

    def cue(self) -> None:
        """Play the wake earcon now (over the silence of a listening window or when idle;
        after the line in hand if Kindly is speaking). Never blocks."""
        self._cues.put(earcon(self.speech.rate))

    def add_reference(self, reference: EchoReference) -> None:
        """Hand everything played from now on to `reference` (the echo canceller's)."""
        self._reference = reference
        self._tap(self.sink)

    def _tap(self, sink: AudioSink) -> None:
        if self._reference is not None:
            if not hasattr(sink, "tap"):
                log.warning("this speaker gives no echo reference: echo is not cancelled")
            sink.tap = self._reference.played  # type: ignore[attr-defined]

    # -- lifecycle --------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current output has finished (False on timeout)."""
        with self._lock:
            job = self._current
        return job is None or job.finished.wait(timeout)

    def close(self) -> None:
        """Stop playing, end the thread and release the device."""
        self.stop()
        self._jobs.put(_CLOSE)
        self._thread.join(timeout=5)
        if self.look_ahead is not None:
            self.look_ahead.close()
        self.sink.close()

    def __enter__(self) -> SpeakerPlayer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=CUE_POLL)
            except queue.Empty:
                self._play_cues()
                continue
            if job is _CLOSE:
                return
            assert isinstance(job, _Job)
            try:
                if not job.cancel.is_set():
                    self._play(job)
                    self._last_error = ""
            except KindlyError as exc:
                # A missing voice or a lost device must not stop the loop: keep the
                # output's timing so the practice goes on; say why once, not every line.
                self.errors += 1
                if str(exc) != self._last_error:
                    log.warning("cannot play %s: %s", type(job.output).__name__, exc)
                    self._last_error = str(exc)
                if isinstance(exc, AudioError) and self._broken_at is None:
                    self._broken_at, self._sink_error = time.monotonic(), str(exc)
                job.cancel.wait(_fallback_seconds(job.output))
            except Exception:
                self.errors += 1
                log.exception("player failed")
            finally:
                job.finished.set()

    def _usable_sink(self) -> AudioSink:
        """The sink; after a failure, a reopened one (tried at most every REOPEN_SECONDS)."""
        if self._broken_at is None:
            return self.sink
        if self._reopen is None or time.monotonic() - self._broken_at < REOPEN_SECONDS:
            raise AudioError(self._sink_error)
        self._broken_at = time.monotonic()
        with contextlib.suppress(KindlyError, OSError):
            self.sink.close()
        self.sink = self._reopen()  # AudioError again: stay broken, retry later
        self._tap(self.sink)
        self._broken_at = None
        log.info("the speaker is back")
        return self.sink

    def _play(self, job: _Job) -> None:
        output = job.output
        if isinstance(output, Silence | Listen):
            until = time.monotonic() + output.seconds
            while not job.cancel.wait(min(CUE_POLL, max(0.0, until - time.monotonic()))):
                if time.monotonic() >= until:
                    return
                self._play_cues()
            return
        self._usable_sink()
        if isinstance(output, PlayChime):
            self._write(job, iter([chime(output.kind, self.speech.rate)]))
        else:
            hit = self.speech.cached(output.text, output.pace)
            if hit is not None:
                self._write(job, iter([hit]))
            else:
                # Synthesis runs ahead of the (real-time) writes, so the next sentence is
                # ready when this one has played; it finishes, and is stored, even if cut.
                self._write(job, _ahead(self.speech.synthesise(output.text, output.pace)))
        # Wait for what is still in the device buffer, so done() means heard.
        if not job.cancel.is_set():
            job.cancel.wait(self.sink.latency())

    def _play_cues(self) -> None:
        while not self._cues.empty():
            sound = self._cues.get_nowait()
            try:
                self._feed(_Job(Silence(0, 0.0)), iter([sound]))
            except KindlyError as exc:  # a cue is never worth more than a debug line
                log.debug("cannot play the earcon: %s", exc)

    def _write(self, job: _Job, pieces: Iterator[Audio]) -> None:
        try:
            self._feed(job, pieces)
        finally:
            if hasattr(self.sink, "expecting"):  # the line is all written: no more is due
                self.sink.expecting = False
        if job.cancel.is_set():
            flush = getattr(self.sink, "flush", None)
            if callable(flush):
                flush()  # what is still buffered would play on after the stop

    def _feed(self, job: _Job, pieces: Iterator[Audio]) -> None:
        rate_in, rate_out = self.speech.rate, self.sink.rate
        resampler = None
        if rate_in != rate_out:
            import soxr

            resampler = soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32")
        block = max(1, round(RESAMPLE_BLOCK * rate_in))
        chunk = max(1, round(CHUNK_SECONDS * rate_out))
        for piece in pieces:
            for start in range(0, len(piece), block):
                if job.cancel.is_set():
                    return
                audio = piece[start : start + block]
                if resampler is not None:
                    audio = resampler.resample_chunk(audio, last=False)
                self._write_chunks(job, audio, chunk)
        if resampler is not None and not job.cancel.is_set():
            self._write_chunks(job, resampler.resample_chunk(dsp.empty(), last=True), chunk)

    def _write_chunks(self, job: _Job, audio: Audio, chunk: int) -> None:
        pcm = dsp.to_int16(audio)
        for start in range(0, len(pcm), chunk):
            if job.cancel.is_set():
                return
            self.sink.write(pcm[start : start + chunk].tobytes())
            if hasattr(self.sink, "expecting"):  # from its first write on, a line is due
                self.sink.expecting = True


_END = object()


def _ahead(pieces: Iterator[Audio]) -> Iterator[Audio]:
    """Iterate `pieces` in a thread of its own; yield them as they come (errors too)."""
    ready: queue.Queue[object] = queue.Queue()

    def produce() -> None:
        try:
            for piece in pieces:
                ready.put(piece)
        except BaseException as exc:  # handed to the consumer, raised there
            ready.put(exc)
        finally:
            ready.put(_END)

    threading.Thread(target=produce, name="synthesis", daemon=True).start()
    while (item := ready.get()) is not _END:
        if isinstance(item, BaseException):
            raise item
        yield cast(Audio, item)


def _fallback_seconds(output: Output) -> float:
    """How long an output that could not be played takes (the practice keeps its timing)."""
    if isinstance(output, PlayChime) and output.kind in CHIME_KINDS:
        return output_seconds(output, chime=chime_seconds(output.kind))
    return output_seconds(output)


def open_speaker_player(config: Config, *, sink: AudioSink | None = None) -> SpeakerPlayer:
    """The speaker player for a config: its voice, the speech cache, the configured device.

    Raises AudioError (no output device) or ModelError (voice missing), naming the fix.
    """
    speech = open_speech(config.voice)

    def reopen() -> AudioSink:
        return PyAudioSink(speech.rate, config.audio.speaker)

    def catalogue() -> Catalogue:
        return load_catalogue(Path(config.content) if config.content else None)

    ahead = LookAhead(speech, catalogue)
    return SpeakerPlayer(speech, sink or reopen(), reopen=reopen, look_ahead=ahead)


def play(speaker: SpeakerPlayer, outputs: list[Output], timeout: float = 3600.0) -> None:
    """Play outputs one after another and return when the last has been heard."""
    deadline = time.monotonic() + timeout
    for output in outputs:
        speaker.start(output)
        if not speaker.wait(max(0.0, deadline - time.monotonic())):
            speaker.stop()
            raise AudioError("playback took too long and was stopped")
