"""Hearing the person over Kindly's own voice, on the real voice loop (issue 17, item 4).

    python -m benchmarks.echoloop [stop] [crisis] [practices] [offline] [--quick] [--room]

A private PulseAudio daemon (tests/pulse.py) plays Kindly's speaker back into its own
microphone through a loopback (0 dB: Kindly's playback reaches the mic at the level it is
played; a pure delay, which any canceller learns; `--room`: through the room of
`benchmarks._echoroom` instead: reverberation, a small speaker's high-pass and
saturation, mic noise), and `kindly run`'s voice loop (`run_voice`, PocketSphinx,
PyAudio in callback mode) hears the mic. Each table runs with speexdsp echo
cancellation (the default), with it and the voice loop's echo screen on (`EchoScreen`,
`SCREEN_ECHO`, off by default: Kindly's voice alone is not decoded), and without it (the
baseline), in the same run.

- stop: a practice plays; 0.6-1.2 s into a spoken line, "stop" (four voices, cycling) is
  played into the mic at the same active level as Kindly's voice. Heard = the practice
  stops within 3 s. Target: >= 90%.
- crisis: the same with a crisis line ("I want to kill myself", four lines cycling) in
  place of "stop". Heard = a safety meaning reaches the session within 8 s of its end.
  Target: never fewer than without the canceller.
- practices: three whole practices play with nobody speaking. Every control or safety
  meaning the loop hears is Kindly hearing itself. Target: none. Beside it, the whole
  loop's CPU (this process's CPU time over the time played: mic, Silero VAD, controls
  recogniser, echo cancel, session, player, synthesis ahead; PulseAudio is not in it), the
  hearing thread's alone (canceller, VAD, recogniser: what decoding Kindly's own voice
  costs), and the process's peak memory so far (the second row includes the first).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._table import render
from benchmarks._voices import VOICES, voice

PRACTICES = ("self_compassion_minute", "take_a_break", "soothing_touch")
RATE = 16_000


def _active_rms(pcm: np.ndarray) -> float:
    """RMS over the 10 ms frames within 30 dB of the loudest (the speech, not its gaps)."""
    x = pcm[: len(pcm) // 160 * 160].astype(np.float64).reshape(-1, 160)
    e = np.mean(x**2, axis=1) + 1e-9
    return float(np.sqrt(np.mean(e[e > e.max() / 1000])))


@contextmanager
def _pulse() -> Iterator[Any]:
    from tests.pulse import ALSA_DEFAULT_CONFIG, Pulse

    daemon = Pulse(Path(tempfile.mkdtemp(prefix="kindly-pulse-", dir="/tmp")))
    daemon.start()
    os.environ["PULSE_SERVER"] = daemon.server
    os.environ["PULSE_RUNTIME_PATH"] = daemon.env["PULSE_RUNTIME_PATH"]
    alsa = os.environ.get("ALSA_CONFIG_PATH") or ALSA_DEFAULT_CONFIG
    os.environ["ALSA_CONFIG_PATH"] = f"{alsa}:{daemon.alsa_config}"
    try:
        yield daemon
    finally:
        daemon.stop()


class _Feed:
    """Kindly's speaker into its mic: PulseAudio's loopback (a pure 40 ms delay at 0 dB), or
    with `--room` through `benchmarks._echoroom`'s room (parec | room | pacat)."""

    def __init__(self, daemon: Any, room: bool) -> None:
        import subprocess

        self.daemon = daemon
        self.module: str | None = None
        self.processes: list[subprocess.Popen[bytes]] = []
        if not room:
            self.module = daemon.feed_back(0.0)
            return
        raw = ["--format=s16le", f"--rate={RATE}", "--channels=1", "--raw"]
        record = ["parec", f"--device={daemon.speaker}.monitor", "--latency-msec=10", *raw]
        play = ["pacat", "--playback", "--device=kindly_mic_feed", "--latency-msec=20", *raw]
        env = daemon.env
        first = subprocess.Popen(record, stdout=subprocess.PIPE, env=env)
        filt = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._echoroom"],
            stdin=first.stdout,
            stdout=subprocess.PIPE,
            env=env,
        )
        last = subprocess.Popen(play, stdin=filt.stdout, env=env)
        self.processes = [first, filt, last]

    def close(self) -> None:
        if self.module is not None:
            self.daemon.stop_feeding_back(self.module)
        for process in self.processes:
            process.terminate()
            process.wait(timeout=10)


class _Live:
    """`run_voice` in a thread, recording every Heard the voice loop hands the session."""

    def __init__(self, daemon: Any, arm: str) -> None:
        from skill.app import voiceloop
        from skill.app.runtime import WELCOMED
        from skill.audio.mic import MicSource
        from skill.cli.run import run_voice
        from skill.config import AudioConfig, Config, HearingConfig
        from skill.core.events import Heard
        from skill.paths import data_dir

        (data_dir() / WELCOMED).parent.mkdir(parents=True, exist_ok=True)
        (data_dir() / WELCOMED).touch()
        self._saved = voiceloop._canceller
        if arm == "none":
            voiceloop._canceller = lambda player: None  # the baseline: no echo cancel
        self._screened = getattr(voiceloop, "SCREEN_ECHO", None)
        if self._screened is not None:  # the voice loop's echo screen (off by default)
            voiceloop.SCREEN_ECHO = arm == "screen"
        config = Config(
            audio=AudioConfig(mic=daemon.mic, speaker=daemon.speaker),
            hearing=HearingConfig(engine="pocketsphinx"),
        )
        self.heard: list[tuple[float, Any]] = []
        self.events: list[Any] = []
        self.loop: Any = None
        ready = threading.Event()
        self.mic = MicSource.from_config(config.audio)
        self.mic.start()

        def on_ready(loop: Any) -> None:
            put: Callable[[Any], None] = loop.put

            def spy(event: Any) -> None:
                if isinstance(event, Heard):
                    self.heard.append((time.monotonic(), event.match))
                put(event)

            loop.put = spy
            loop.publishers.append(self.events.append)
            self.loop = loop
            ready.set()

        self.thread = threading.Thread(
            target=run_voice,
            args=(config, self.mic),
            kwargs={"out": io.StringIO(), "on_ready": on_ready},
            daemon=True,
        )
        self.thread.start()
        if not ready.wait(120):
            raise RuntimeError("the voice loop did not start")

    def start(self, practice: str) -> None:
        from skill.core.events import Command

        self.loop.put(Command("start", practice))

    def speaking_since(self) -> float | None:
        """Monotonic time the current spoken line started, None if Kindly is not speaking."""
        from skill.core.events import Speak

        current = self.loop.session.current
        return self._since if isinstance(current, Speak) and self._track(current) else None

    _seen: object = None
    _since = 0.0

    def _track(self, current: object) -> bool:
        if current is not self._seen:
            self._seen, self._since = current, time.monotonic()
        return True

    def state(self) -> str:
        return str(self.loop.session.mode)

    def close(self) -> None:
        from skill.app import voiceloop

        self.loop.shutdown()
        self.thread.join(timeout=20)
        voiceloop._canceller = self._saved
        if self._screened is not None:
            voiceloop.SCREEN_ECHO = self._screened


def _over_trials(daemon: Any, arm: str, trials: int, kind: str) -> tuple[int, int, float]:
    """(heard, trials, level dBFS) of "stop" (`kind` "stop") or a crisis line ("crisis")
    said over a line of the Self-Compassion Break at the line's level."""
    from benchmarks._echoroom import CRISIS_LINES
    from skill.config import VoiceConfig
    from skill.core.events import Command, PublishEvent
    from skill.speaking.cache import open_speech

    speech = open_speech(VoiceConfig())
    sample = speech.line("This is a moment of suffering. It hurts right now.", 1.0)
    level = _active_rms(np.asarray(sample * 32767, np.float64))
    clips = []
    for k in range(len(VOICES)):
        words = "stop" if kind == "stop" else CRISIS_LINES[k % len(CRISIS_LINES)]
        pcm = voice(words, VOICES[k]).astype(np.float64)
        clips.append(np.clip(pcm * level / _active_rms(pcm), -32768, 32767).astype(np.int16))
    live = _Live(daemon, arm)
    heard = 0
    try:
        for k in range(trials):
            live.start("self_compassion_break")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # a line that has just begun
                since = live.speaking_since()
                if since is not None and 0.6 < time.monotonic() - since < 1.2:
                    break
                time.sleep(0.02)
            before, heard_before = len(live.events), len(live.heard)
            daemon.play_into_mic(np.concatenate([clips[k % len(clips)], np.zeros(1600, np.int16)]))
            # a crisis line is long and decoded through every pass: under load its answer
            # comes seconds late, which is still an answer
            until = time.monotonic() + (3.0 if kind == "stop" else 8.0)
            while time.monotonic() < until:
                new = live.events[before:]
                if kind == "stop" and any(
                    isinstance(e, PublishEvent) and e.type == "practice_stopped" for e in new
                ):
                    heard += 1
                    break
                if kind == "crisis" and any(
                    m.kind == "safety" for _, m in live.heard[heard_before:]
                ):
                    heard += 1
                    break
                time.sleep(0.05)
            print(f"  trial {k + 1}: {heard} heard so far", file=sys.stderr, flush=True)
            live.loop.put(Command("stop"))
            time.sleep(4.0)  # the acknowledgement and grounding line play out
    finally:
        live.close()
    return heard, trials, 20 * np.log10(level / 32768)


def _practices(
    daemon: Any, arm: str, practices: tuple[str, ...]
) -> tuple[int, float, list[str], float, float]:
    """(controls or safety heard, seconds played, what was heard, CPU share of one core:
    the process's and the hearing thread's: canceller, VAD and recogniser)."""
    from skill.core.events import Command, Mode

    live = _Live(daemon, arm)
    played = 0.0
    cpu, hearing = time.process_time(), _thread_cpu("hearing")
    try:
        for practice in practices:
            started = time.monotonic()
            live.start(practice)
            time.sleep(1.0)
            paused = 0.0
            while live.loop.session.mode != Mode.IDLE and time.monotonic() - started < 900:
                time.sleep(0.2)
                # Kindly's own "pause" heard (counted below) would stop the run for good
                paused = paused + 0.2 if live.loop.session.mode == Mode.PAUSED else 0.0
                if paused > 5.0:
                    live.loop.put(Command("resume"))
                    paused = 0.0
            played += time.monotonic() - started
        cpu = (time.process_time() - cpu) / played
        hearing = (_thread_cpu("hearing") - hearing) / played
    finally:
        live.close()
    wrong = [m for _, m in live.heard if m.kind in ("control", "safety")]
    return len(wrong), played, [f"{m.intent}:{m.text!r}" for m in wrong], cpu, hearing


def _thread_cpu(name: str) -> float:
    """CPU seconds (user and system) of this process's thread called `name` so far."""
    thread = next(t for t in threading.enumerate() if t.name == name)
    fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1]
    utime, stime = fields.split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def _arms() -> list[tuple[str, str]]:
    """The rows of a live table: the voice loop as it is (every chunk the canceller gives
    decoded), with its echo screen on (where it has one), and with no canceller."""
    from skill.app import voiceloop

    arms = [("speexdsp echo cancel", "all")]
    if hasattr(voiceloop, "SCREEN_ECHO"):
        arms.append(("speexdsp + echo screen (SCREEN_ECHO)", "screen"))
    return [*arms, ("baseline: none", "none")]


def _path() -> str:
    if "--room" not in sys.argv:
        return "PulseAudio loopback: a pure 40 ms delay, 0 dB"
    from benchmarks._echoroom import Room

    return "room: " + Room().describe()


def stop_table(quick: bool, kind: str = "stop") -> None:
    trials = 8 if quick else 20
    rows = []
    with _pulse() as daemon:
        feed = _Feed(daemon, "--room" in sys.argv)
        for name, arm in _arms():
            heard, n, level = _over_trials(daemon, arm, trials, kind)
            rows.append([name, f"{heard}/{n}", f"{100 * heard / n:.0f}%", f"{level:.1f} dBFS"])
        feed.close()
    said = "'stop'" if kind == "stop" else "a crisis line"
    print(render([f"{said} over Kindly's voice (0 dB echo)", "heard", "rate", "level"], rows))
    print(f"echo path: {_path()}")
    print("target: >= 90% heard" if kind == "stop" else "target: never fewer than without it")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


def crisis_table(quick: bool) -> None:
    stop_table(quick, "crisis")


def practices_table(quick: bool) -> None:
    chosen = PRACTICES[:1] if quick else PRACTICES
    rows = []
    with _pulse() as daemon:
        feed = _Feed(daemon, "--room" in sys.argv)
        for name, arm in _arms():
            wrong, seconds, what, cpu, hearing = _practices(daemon, arm, chosen)
            rows.append(
                [
                    name,
                    ", ".join(chosen),
                    f"{seconds:.0f} s",
                    str(wrong),
                    "; ".join(what)[:60],
                    f"{cpu:.3f}",
                    f"{hearing:.3f}",
                    f"{_peak_mb():.0f}",
                ]
            )
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)  # kept if a later arm hangs
        feed.close()
    header = ["Kindly's own voice at the mic", "practices", "played", "controls heard", "what"]
    print(render([*header, "CPU, share of a core", "hearing thread", "peak MB (process)"], rows))
    print(f"echo path: {_path()}")
    print("targets: 0 controls heard; CPU <= 0.25 of one core; peak <= 250 MB")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def offline_table(quick: bool) -> None:
    """The canceller and the controls route on a room's audio, faster than real time."""
    from benchmarks import _echoroom as er

    room = er.Room()
    stops, crises = er.over_playback("stop", 8 if quick else 20), er.over_playback("crisis", 8)
    practices = er.whole_practices(PRACTICES[:1] if quick else PRACTICES)
    rows = []
    for name, path, echo, screened in (
        ("the person alone (no playback at the mic)", None, False, False),
        ("room, speexdsp echo cancel", room, True, False),
        ("room, speexdsp + echo screen (SCREEN_ECHO)", room, True, True),
        ("room, no echo cancel", room, False, False),
    ):
        s, c, p = (er.run(x, path, echo, screened) for x in (stops, crises, practices))
        own = [f"{m.intent}:{m.text!r}" for _, m in p.heard]
        rows.append(
            [
                name,
                f"{er.score(stops, s, 'stop')}/{len(stops.said)}",
                f"{er.score(crises, c, 'crisis')}/{len(crises.said)}",
                f"{len(own)} in {p.seconds / 60:.0f} min",
                "; ".join(own)[:50],
                f"{(s.cpu * s.seconds + p.cpu * p.seconds) / (s.seconds + p.seconds):.3f}",
            ]
        )
    header = ["offline, " + room.describe(), "'stop' heard", "crisis heard"]
    header += ["own voice heard as control/crisis", "what", "CPU s per s"]
    print(render(header, rows))
    print("targets: 'stop' >= 90%; crisis never worse than without the canceller; own voice 0")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


# offline: the room's audio through the canceller and the controls route (no devices),
# the person alone as the ceiling; crisis lines over playback beside "stop".
SECTIONS = {
    "stop": stop_table,
    "crisis": crisis_table,
    "practices": practices_table,
    "offline": offline_table,
}


def main() -> None:
    quick = "--quick" in sys.argv
    parts = [a for a in sys.argv[1:] if a in SECTIONS] or list(SECTIONS)
    for part in parts:
        SECTIONS[part](quick)


if __name__ == "__main__":
    main()
