"""Crisis on audio: recall in other voices and noise, and no crisis for real people.

    python -m benchmarks.crisis_audio render OUT          # the tuning audio + manifest
    python -m benchmarks.crisis_audio render OUT --held-out   # never-tuned audio (below)
    python -m benchmarks.crisis_audio decode OUT NAME [--only safety]   # one decode, stored
    python -m benchmarks.crisis_audio report OUT NAME[+NAME] [NAME ...]  # figures side by side
    python -m benchmarks.crisis_audio flips OUT NAME NAME               # safety lines that flip

(report and flips classify with the intents KINDLY_CONTENT names: give the decode's.)

The tuning set is made from TUNING text only (writers a, b, c, f, g, k, n, o, r and
tests/data): safety lines (crisis, abuse, emergency, as the text is classified when the set
is rendered), idiom near misses, out-of-domain lines and requests, each spoken by one of the
four test voices (Piper joe, hibari heart, espeak-ng en-us, en-gb, in turn) with white,
pink or babble noise at 15-20 dB; plus the even half of the real coffee orders
(../shared/realspeech; the odd half is never used here).

`--held-out` renders the set nothing may be tuned on: lines of the HELD_OUT writers (text
sets no rule was tuned on), in voices the crisis rules were never tuned on (espeak-ng's
Scottish and female American "+f3", which the wake and control-word networks never trained
on either, and Caribbean, which they did; beside Kindly's own Piper voice), and the odd
half of the coffee orders. Its lines are never printed: `report` gives aggregates, and
`flips` refuses it.

`decode` runs every file once through the current checkout (run it from another checkout
with PYTHONPATH to measure that one; KINDLY_CONTENT picks the intents; CRISIS_AUDIO_LIMIT=N
decodes the first N files only) with every evidence pass forced, and stores the readings
(OUT/NAME.pkl, outside the repository, every 20 files). `report` applies the listener's
own decision (`how_close` gating, then `interpret`) to the stored
readings, so a decision rule can be compared without decoding again:

    crisis recall (full response / asked first), abuse+emergency given a safety response,
    near-miss false safety, OOD and requests acted on, real orders: full safety response,
    check-ins (asked first), anything acted on; per voice.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from benchmarks.writers import writer_file

REPO = Path(__file__).resolve().parent.parent
TUNING = "abcfgknor"
HELD_OUT = "deijlmpqstvy"
REAL = Path("/work/shared/realspeech")
NOISES = [("white", 15.0), ("pink", 17.5), ("babble", 20.0), ("pink", 15.0), ("white", 20.0)]
VOICES = ("joe", "heart", "en-us", "en-gb")
HELD_OUT_VOICES = ("joe", "en-gb-scotland", "en-029", "en-us+f3")
Pcm = npt.NDArray[np.int16]
SIZES = {"safety": 100, "near_miss": 48, "none": 24, "request": 16}


def _text_lines(held_out: bool) -> dict[str, list[str]]:
    """Every line by kind (dedup, in file order): the held-out writers', or the tuning
    writers' with the tests' own crisis and out-of-domain lines."""
    out: dict[str, list[str]] = defaultdict(list)
    for w in HELD_OUT if held_out else TUNING:
        data = yaml.safe_load(writer_file(f"writer_{w}").read_text(encoding="utf-8"))
        out["safety"] += data.get("crisis", [])
        out["near_miss"] += data.get("near_miss", [])
        out["none"] += data.get("none", [])
        out["request"] += [t for v in data["intents"].values() for t in v]
    if held_out:
        return {k: list(dict.fromkeys(v)) for k, v in out.items()}
    held = yaml.safe_load((REPO / "tests" / "data" / "crisis.yaml").read_text(encoding="utf-8"))
    out["safety"] += [t for k in ("explicit", "indirect", "danger_from_others") for t in held[k]]
    out["near_miss"] += held["near_miss"]
    spoken = yaml.safe_load((REPO / "tests" / "data" / "hearing.yaml").read_text(encoding="utf-8"))
    out["none"] += spoken["out_of_domain"]
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def _spread(lines: list[str], count: int) -> list[str]:
    step = max(1, len(lines) / count)
    return [lines[int(i * step)] for i in range(min(count, len(lines)))]


def _held_out_voice(text: str, voice: str) -> Pcm:
    from benchmarks._voices import espeak
    from tests.audio_fixtures import join, silence, voice_utterance

    if voice == "joe":
        return voice_utterance(text, voice)
    return join(silence(0.4), espeak(text, voice), silence(1.0))


def render(folder: Path, held_out: bool = False) -> None:
    """The audio (WAV files) and its manifest (kind, expected, voice, noise)."""
    from skill.content.load import load_catalogue
    from skill.nlu.intents import IntentMatcher
    from tests.audio_fixtures import noisy, voice_utterance, write_wav

    matcher = IntentMatcher(load_catalogue())
    folder.mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    for kind, lines in _text_lines(held_out).items():
        if kind == "safety":  # only lines the text itself answers with safety: every abuse
            # and emergency line, and crisis lines spread over the sets
            said = {t: matcher.parse(t) for t in lines}
            crisis = [t for t in lines if said[t].intent == "crisis"]
            others = [t for t in lines if said[t].kind == "safety" and said[t].intent != "crisis"]
            lines = _spread(crisis, SIZES[kind]) + others
        for text in _spread(lines, len(lines) if kind == "safety" else SIZES[kind]):
            n = len(items)
            expected = matcher.parse(text).intent if kind == "safety" else None
            items.append({"n": n, "kind": kind, "expected": expected, "text": text})
    voices = HELD_OUT_VOICES if held_out else VOICES
    for item in items:
        n = item["n"]
        voice = voices[n % len(voices)]
        color, snr = NOISES[(n // len(voices)) % len(NOISES)]
        text = item["text"]
        spoken = _held_out_voice(text, voice) if held_out else voice_utterance(text, voice)
        pcm = noisy(spoken, snr, seed=n, color=color)
        path = write_wav(folder / f"t{n:04d}.wav", pcm)
        item.update(voice=voice, noise=f"{color} {snr:g}", path=str(path))
    orders = sorted((REAL / "orders").glob("*.flac"))[1 if held_out else 0 :: 2]
    for p in orders:
        items.append({"n": len(items), "kind": "order", "expected": None, "text": "",
                      "voice": "real", "noise": "", "path": str(p)})  # fmt: skip
    for item in items:
        item["held_out"] = held_out
    (folder / "manifest.json").write_text(json.dumps(items, indent=1), encoding="utf-8")
    print(Counter(i["kind"] for i in items), Counter(i["expected"] for i in items))


def decode(folder: Path, name: str, only: str | None) -> None:
    """Every file through the recogniser with every evidence pass; readings to NAME.pkl."""
    from skill.app.runtime import catalogue_for
    from skill.audio.wavfile import read_audio
    from skill.config import load_config
    from skill.hearing.asr.base import Look
    from skill.hearing.asr.select import make_recogniser
    from skill.hearing.endpoint import noise_floor
    from skill.hearing.listener import CHUNK, Listener, endpoint_config
    from skill.hearing.microwake import make_spotter
    from skill.hearing.wake import split_wake
    from skill.nlu.intents import IntentMatcher

    items = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if only:  # kinds, comma-separated
        items = [i for i in items if i["kind"] in only.split(",")]
    items = items[: int(os.environ.get("CRISIS_AUDIO_LIMIT", len(items)))]  # a quick look
    config = load_config()
    matcher = IntentMatcher(catalogue_for(config))
    recogniser = make_recogniser(matcher.catalogue, config.hearing)
    spotter = make_spotter(config.hearing.wake_model, config.hearing.wake_phrase)
    endpoints = replace(endpoint_config(config.hearing), no_speech=float("inf"))
    out: dict[int, Any] = {}
    started = time.process_time()
    for item in items:
        pcm = read_audio(Path(item["path"]))
        spotter.reset()
        _, request = split_wake(pcm, spotter)
        listener = Listener(recogniser, matcher, endpoints, noise_floor(pcm))
        for start in range(0, len(request), CHUNK):
            if listener.feed(request[start : start + CHUNK]) is not None:
                break
        listener.endpointer.finish()
        decoding = listener.decoding
        out[item["n"]] = decoding.finish(lambda _: Look.CRISIS) if decoding else None
        if len(out) % 20 == 0 or len(out) == len(items):  # a long run can be read as it goes
            with (folder / f"{name}.pkl").open("wb") as f:
                pickle.dump({"content": os.environ.get("KINDLY_CONTENT", ""), "readings": out}, f)
    cpu = time.process_time() - started
    print(f"{name}: {len(items)} files, {cpu:.0f} CPU s ({cpu / max(len(items), 1):.1f}/file)")


def outcome(transcript: Any, matcher: Any) -> tuple[str, Any]:
    """What the listener does with stored readings: (full/check_in/concern/acted/none,
    Match)."""
    from skill.hearing.asr.base import Look, Transcript
    from skill.hearing.evidence import how_close
    from skill.hearing.listener import interpret

    if transcript is None:
        return "none", None
    first = Transcript(transcript.grammar, transcript.open, transcript.alternatives)
    look = how_close(first, matcher)
    if look == Look.NONE:
        transcript = replace(transcript, background=None, spotted=None)
    elif look == Look.BACKGROUND:
        transcript = replace(transcript, spotted=())
    match = interpret(transcript, matcher)
    if match.intent == "concern":  # the risk taken as someone else's: not a crisis answer
        return "concern", match
    if match.kind == "safety":
        return ("check_in" if match.check_in else "full"), match
    return ("acted" if match.intent is not None else "none"), match


def _matcher() -> Any:
    from skill.content.load import load_catalogue
    from skill.nlu.intents import IntentMatcher

    return IntentMatcher(load_catalogue())


def _load(folder: Path, name: str) -> dict[int, Any]:
    """The stored readings of NAME, or of several decodes as one (NAME+NAME: e.g. the
    tuning lines and the orders decoded apart)."""
    readings: dict[int, Any] = {}
    for part in name.split("+"):
        with (folder / f"{part}.pkl").open("rb") as f:
            readings.update(pickle.load(f)["readings"])
    return readings


def figures(folder: Path, name: str, matcher: Any = None) -> dict[str, dict[str, list[int]]]:
    """Per figure, per voice (and "all"): [hits, total]."""
    matcher = matcher or _matcher()
    items = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    readings = _load(folder, name)
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def add(figure: str, voice: str, hit: bool) -> None:
        for v in (voice, "all"):
            table[figure][v][0] += hit
            table[figure][v][1] += 1

    for item in items:
        if item["n"] not in readings:
            continue
        did, match = outcome(readings[item["n"]], matcher)
        v, kind = item["voice"], item["kind"]
        if kind == "safety" and item["expected"] == "crisis":
            add("crisis: full response", v, did == "full")
            add("crisis: full or asked", v, did in ("full", "check_in"))
        elif kind == "safety":
            add("abuse/emergency: safety", v, did in ("full", "check_in"))
        elif kind == "near_miss":
            add("near miss: full safety", v, did == "full")
            add("near miss: asked", v, did == "check_in")
            add("near miss: concern", v, did == "concern")
        elif kind == "none":
            add("OOD: acted (any)", v, did != "none")
        elif kind == "request":
            add("requests: right intent", v, match is not None and did == "acted"
                and match.intent == matcher.parse(item["text"]).intent)  # fmt: skip
        elif kind == "order":
            half = "odd" if item.get("held_out") else "even"
            add(f"orders {half}: full safety", v, did == "full")
            add(f"orders {half}: asked", v, did == "check_in")
            add(f"orders {half}: acted (any)", v, did != "none")
    return table


def report(folder: Path, names: list[str]) -> None:
    matcher = _matcher()
    tables = {n: figures(folder, n, matcher) for n in names}
    rows = list(dict.fromkeys(f for t in tables.values() for f in t))
    voices = ("all", *VOICES, *HELD_OUT_VOICES[1:], "real")
    print("figure".ljust(28) + "".join(f"{n[:20]:>22}" for n in names))
    for row in rows:
        for v in voices:
            cells = [tables[n].get(row, {}).get(v) for n in names]
            if not any(cells):
                continue
            text = [f"{c[0]}/{c[1]}" if c else "-" for c in cells]
            print(f"{row if v == 'all' else '  ' + v:28}" + "".join(f"{t:>22}" for t in text))


def flips(folder: Path, a: str, b: str, show: bool) -> None:
    """Safety lines whose answer (any safety response or not) differs between two decodes."""
    matcher = _matcher()
    items = {i["n"]: i for i in json.loads((folder / "manifest.json").read_text("utf-8"))}
    if any(i.get("held_out") for i in items.values()):
        raise SystemExit("flips names lines: not on the held-out set (aggregates only)")
    ra, rb = _load(folder, a), _load(folder, b)
    common = [n for n in ra if n in rb and items[n]["kind"] == "safety"]
    changed = 0
    for n in common:
        da, db = outcome(ra[n], matcher)[0], outcome(rb[n], matcher)[0]
        heard_a, heard_b = da in ("full", "check_in"), db in ("full", "check_in")
        if heard_a != heard_b:
            changed += 1
            if show:
                print(f"  {n}: {a}={da} {b}={db}")
    print(f"safety lines that flip between {a} and {b}: {changed}/{len(common)}")


def main(argv: list[str]) -> None:
    if len(argv) < (2 if argv[:1] == ["render"] else 3):
        raise SystemExit(__doc__)
    command, folder = argv[0], Path(argv[1])
    if command == "render":
        render(folder, "--held-out" in argv)
    elif command == "decode":
        only = argv[argv.index("--only") + 1] if "--only" in argv else None
        decode(folder, argv[2], only)
    elif command == "report":
        report(folder, argv[2:])
    elif command == "flips":
        flips(folder, argv[2], argv[3], "-v" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
