"""A room between Kindly's speaker and its microphone, and the echo trials run offline on it.

PulseAudio's loopback (the live benchmark's default path) is a pure delay: the mic hears
exactly what was played, 40 ms later, which any canceller takes out once it has the delay.
A room is harder, so this path has what one adds (every part seeded, the same each run):

- the device's latency: the echo reaches the mic `latency` after the reference says it
  was played (the canceller must find it);
- a small speaker: a 200 Hz high-pass and a soft saturation (`drive`; tanh), which no
  linear filter can model;
- the room: a direct path 2.5 ms away, eight early reflections within 25 ms and a diffuse
  tail decaying by 60 dB in `rt60` seconds (0.4 s: a furnished living room), longer than
  the canceller's 0.25 s filter;
- the mic's own noise at `noise_db`.

The echo is scaled so its active level at the mic is `gain_db` against what was played
(0 dB: Kindly reaches the mic as loud as it plays; the issue's "same level" case).

The trials (`python -m benchmarks.echoloop offline`) run the canceller and the controls
hearing on this room's audio faster than real time: Kindly's lines (Piper, the practice's
own text) with a word said over them, or whole practices with nobody speaking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

RATE = 16_000
Pcm = npt.NDArray[np.int16]
Signal = npt.NDArray[np.float64]
CHUNK = 480  # 30 ms, as the microphone hands it over
CRISIS_LINES = (
    "I want to kill myself",
    "I don't want to be alive anymore",
    "I'm going to end my life tonight",
    "I just want to die",
)


def active_rms(pcm: npt.NDArray[Any]) -> float:
    """RMS over the 10 ms frames within 30 dB of the loudest (the speech, not its gaps)."""
    x = pcm[: len(pcm) // 160 * 160].astype(np.float64).reshape(-1, 160)
    e = np.mean(x**2, axis=1) + 1e-9
    return float(np.sqrt(np.mean(e[e > e.max() / 1000])))


@dataclass(frozen=True)
class Room:
    """The speaker-to-mic path (see the module's docstring)."""

    latency: float = 0.04
    rt60: float = 0.4
    highpass: float = 200.0
    drive: float = 1.0  # 0: a linear speaker
    noise_db: float = -65.0
    gain_db: float = 0.0
    seed: int = 1

    def impulse(self) -> Signal:
        rng = np.random.default_rng(self.seed)
        n = int((self.rt60 + 0.05) * RATE)
        ir = np.zeros(n)
        ir[40] = 1.0
        for _ in range(8):
            ir[rng.integers(60, 400)] += rng.uniform(0.2, 0.6) * rng.choice([-1.0, 1.0])
        tail = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / RATE / self.rt60) * 0.12
        tail[:80] = 0.0
        out: Signal = ir + tail
        return out

    def speaker(self, played: npt.NDArray[Any]) -> Signal:
        """What the speaker cone puts into the air (float, full scale 1)."""
        x = played.astype(np.float64) / 32768
        out: Signal = np.tanh(self.drive * x) / self.drive if self.drive > 0 else x
        return out

    def hear(self, played: Pcm) -> Signal:
        """What the mic hears of `played` (int16 scale, not clipped), offline."""
        x = self.speaker(played)
        ir = self.impulse()
        size = 1 << int(np.ceil(np.log2(len(x) + len(ir))))
        f = np.fft.rfftfreq(size, 1 / RATE)
        high = (1j * f / self.highpass) / (1 + 1j * f / self.highpass)
        y = np.fft.irfft(np.fft.rfft(x, size) * high * np.fft.rfft(ir, size), size)[: len(x)]
        d = int(self.latency * RATE)
        y = np.r_[np.zeros(d), y[: len(y) - d]]
        y *= active_rms(played) / (active_rms(y) + 1e-12) * 10 ** (self.gain_db / 20)
        rng = np.random.default_rng(self.seed + 100)
        noise = rng.standard_normal(len(y)) * 32768 * 10 ** (self.noise_db / 20)
        out: Signal = y + noise
        return out

    def describe(self) -> str:
        nonlinear = f"tanh drive {self.drive:g}" if self.drive > 0 else "linear"
        return (
            f"latency {self.latency * 1e3:.0f} ms, RT60 {self.rt60:g} s, "
            f"high-pass {self.highpass:.0f} Hz, {nonlinear}, echo {self.gain_db:+.0f} dB, "
            f"noise {self.noise_db:.0f} dBFS"
        )


@dataclass
class Played:
    """Kindly's audio on a timeline, the text being spoken at each sample, and the words
    said over it (sample where each starts, its audio, what it is)."""

    audio: Pcm
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    said: list[tuple[int, Pcm, str]] = field(default_factory=list)


def practice_lines(practice: str) -> list[str]:
    from skill.content.load import load_catalogue
    from skill.content.model import Ask, End, Phrase, Say

    steps = load_catalogue().practices[practice].steps
    return [s.text for s in steps if isinstance(s, Say | Phrase | Ask | End)]


def over_playback(kind: str, trials: int) -> Played:
    """Lines of the Self-Compassion Break, each with a word (`stop`) or a crisis line said
    0.6-1.2 s into it at the line's own active level, then 3 s of quiet."""
    from benchmarks._voices import VOICES, voice
    from tests.audio_fixtures import speech

    lines = practice_lines("self_compassion_break")
    rng = np.random.default_rng(17)
    parts: list[Pcm] = []
    played = Played(np.zeros(0, np.int16))
    pos = 0
    for k in range(trials):
        text = lines[k % len(lines)]
        line = speech(text)
        if len(line) < 1.5 * RATE:  # a short line: the next one follows at once
            text = f"{text} {lines[(k + 1) % len(lines)]}"
            line = np.concatenate([line, speech(lines[(k + 1) % len(lines)])])
        words = "stop" if kind == "stop" else CRISIS_LINES[k % len(CRISIS_LINES)]
        clip = voice(words, VOICES[k % len(VOICES)]).astype(np.float64)
        clip *= active_rms(line) / active_rms(clip)
        at = pos + int(rng.uniform(0.6, 1.2) * RATE)
        played.said.append((at, np.clip(clip, -32768, 32767).astype(np.int16), words))
        played.spans.append((pos, pos + len(line), text))
        parts += [line, np.zeros(3 * RATE, np.int16)]
        pos += len(line) + 3 * RATE
    played.audio = np.concatenate(parts)
    return played


def whole_practices(practices: tuple[str, ...], gap: float = 1.5) -> Played:
    """Every spoken line of the practices, `gap` seconds apart (their silences shortened)."""
    from tests.audio_fixtures import speech

    parts: list[Pcm] = []
    played = Played(np.zeros(0, np.int16))
    pos = 0
    for practice in practices:
        for text in practice_lines(practice):
            line = speech(text)
            played.spans.append((pos, pos + len(line), text))
            parts += [line, np.zeros(int(gap * RATE), np.int16)]
            pos += len(line) + int(gap * RATE)
    played.audio = np.concatenate(parts)
    return played


@dataclass
class Outcome:
    heard: list[tuple[float, Any]]  # (seconds, Match) the controls route passed on
    cpu: float  # CPU seconds per second of audio: canceller and hearing
    seconds: float


def run(played: Played, room: Room | None, echo: bool, screened: bool | None = None) -> Outcome:
    """The mic (room echo + words said) through the canceller and the controls route.

    `room` None: the mic hears no playback at all (the person alone, the ceiling).
    `screened`: through the voice loop's `EchoScreen` (None: as the voice loop does,
    `SCREEN_ECHO`; False: every chunk the canceller gives decoded).
    """
    from skill.app import voiceloop
    from skill.app.runtime import live_hearing
    from skill.audio.echo import MicEchoCanceller
    from skill.audio.reference import EchoReference
    from skill.config import HearingConfig
    from skill.content.load import load_catalogue
    from skill.nlu.intents import IntentMatcher

    audio = played.audio
    if room is not None:
        mic = room.hear(audio)
    else:
        mic = np.random.default_rng(5).standard_normal(len(audio)) * 32768 * 10 ** (-65 / 20)
    for at, clip, _ in played.said:
        mic[at : at + len(clip)] += clip
    pcm = np.clip(mic, -32768, 32767).astype(np.int16)
    seconds = len(audio) / RATE
    reference = EchoReference(keep=seconds + 5)
    t0 = time.monotonic() - seconds - 2  # a timeline in the past: nothing waits
    for k in range(0, len(audio), 800):  # 50 ms speaker callbacks
        reference.played(audio[k : k + 800].tobytes(), RATE, t0 + k / RATE)
    canceller = MicEchoCanceller(reference) if echo else None
    hearing = live_hearing(IntentMatcher(load_catalogue()), HearingConfig(engine="pocketsphinx"))
    # (The starting commit has neither: it passed controls and crisis, all of them.)
    controls_only = getattr(voiceloop, "controls_only", _controls_only)
    echo_of_kindly = getattr(voiceloop, "echo_of_kindly", lambda *_: False)
    heard: list[tuple[float, Any]] = []
    spans = played.spans
    # the voice loop's screen: Kindly's voice alone is not decoded (not in the starting commit)
    if screened is None:
        screened = getattr(voiceloop, "SCREEN_ECHO", False)
    screen = voiceloop.EchoScreen() if screened and hasattr(voiceloop, "EchoScreen") else None
    cpu = time.process_time()
    for k in range(0, len(pcm) - CHUNK + 1, CHUNK):
        chunk = pcm[k : k + CHUNK].tobytes()
        now = t0 + (k + CHUNK) / RATE
        if canceller is not None:
            chunk = canceller.clean(chunk, now)
            chunk = getattr(canceller, "before", b"") + chunk  # (not in older commits)
        parts = [chunk] if screen is None else screen.chunks(chunk, now, canceller, hearing)
        for part in parts:
            match = hearing.utterance(part)
            if match is None or not controls_only(match):
                continue
            recent = " ".join(t for a, b, t in spans if a <= k + CHUNK and b + 2 * RATE > k)
            if canceller is not None and echo_of_kindly(match, recent, canceller, now):
                continue
            heard.append(((k + CHUNK) / RATE, match))
    return Outcome(heard, (time.process_time() - cpu) / seconds, seconds)


def _controls_only(match: Any) -> bool:
    return bool(match.text.strip()) and (match.kind == "control" or match.intent == "crisis")


def score(played: Played, outcome: Outcome, kind: str) -> int:
    """How many of the words said over playback were acted on within 3 s of their end."""
    caught = 0
    for at, clip, _ in played.said:
        begin, end = at / RATE, (at + len(clip)) / RATE + 3.0
        got = [m for t, m in outcome.heard if begin < t < end]
        if kind == "stop":
            caught += any(m.intent == "stop" for m in got)
        else:
            caught += any(m.kind == "safety" for m in got)
    return caught


def stream(room: Room, block: int = 320) -> None:
    """The room as a live filter: 16 kHz mono s16le on stdin, its echo on stdout (the live
    benchmark runs it between the speaker's monitor and the mic's feed). Overlap-add: each
    block's echo is added to the output ahead, so the path's delay stays fixed."""
    import sys

    ir = np.r_[np.zeros(int(room.latency * RATE)), room.impulse()]
    size = 1 << int(np.ceil(np.log2(block + len(ir))))
    f = np.fft.rfftfreq(size, 1 / RATE)
    high = (1j * f / room.highpass) / (1 + 1j * f / room.highpass)
    path = np.fft.rfft(ir, size) * high
    # the same level as `hear` gives: measured on one of Kindly's lines (cached)
    from tests.audio_fixtures import speech

    line = speech("This is a moment of suffering. It hurts right now.")
    heard = np.fft.irfft(
        np.fft.rfft(room.speaker(line), 1 << 17)
        * np.interp(np.fft.rfftfreq(1 << 17, 1 / RATE), f, np.abs(path)),
        1 << 17,
    )
    path *= active_rms(room.hear(line)) / active_rms(heard * 32768)
    ahead = np.zeros(size)
    rng = np.random.default_rng(room.seed + 100)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        data = source.read(block * 2)
        if len(data) < block * 2:
            return
        x = room.speaker(np.frombuffer(data, "<i2"))
        ahead += np.fft.irfft(np.fft.rfft(x, size) * path, size)
        out = ahead[:block] * 32768 + rng.standard_normal(block) * 32768 * 10 ** (
            room.noise_db / 20
        )
        ahead = np.r_[ahead[block:], np.zeros(block)]
        sink.write(np.clip(out, -32768, 32767).astype("<i2").tobytes())
        sink.flush()


if __name__ == "__main__":
    stream(Room())
