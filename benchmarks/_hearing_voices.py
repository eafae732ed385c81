"""Hearing voices that are not Kindly's own, and real people (run by benchmarks/hearing.py).

Per voice (Piper joe; hibari-tts heart; espeak-ng en-us, en-gb) and noise type (white,
pink, babble made of other speech, at 15-25 dB SNR, several speaking rates):
requests understood, crisis recall (certain, and certain or asked-first), false crisis on
idiom near-misses, practice started on a line that asked for none, one-word controls
heard (and heard as another control). Real people (../shared/realspeech: coffee orders,
the half never tuned on apart, and other assistants' wake words): every file answered,
crisis false alarms (certain / asked-first), anything acted on. Each set is decoded in a
child process on one core (benchmarks.hearing._child): CPU real-time factor and peak MB.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml

from benchmarks._table import render as table

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
REAL = REPO.parent / "shared" / "realspeech"
VOICE_NOISES = [("pink", 20.0), ("white", 15.0), ("babble", 25.0)]
PACES = (1.0, 0.85, 1.2)
WORDS = ("stop", "pause", "yes", "no", "repeat")


def _lines(quick: bool) -> list[tuple[str, str | None, str]]:
    from skill.content.load import load_catalogue
    from skill.nlu.safety import safety_check

    spoken = yaml.safe_load((DATA / "hearing.yaml").read_text(encoding="utf-8"))
    held = yaml.safe_load((DATA / "crisis.yaml").read_text(encoding="utf-8"))
    check = safety_check(load_catalogue())
    crisis = [line for k in ("explicit", "indirect", "danger_from_others") for line in held[k]]
    crisis = list(dict.fromkeys(line for line in crisis if check.is_crisis(line)))
    items: list[tuple[str, str | None, str]] = [("crisis", "crisis", line) for line in crisis]
    items += [("request", i, line) for i, ls in spoken["intents"].items() for line in ls]
    items += [("request", None, line) for line in spoken["out_of_domain"]]
    items += [("near_miss", None, line) for line in held["near_miss"]]
    if quick:
        items = items[::4]
    expected = {"stop": "stop", "pause": "pause", "repeat": "repeat"}
    items += [("word", expected.get(w), w) for w in WORDS]
    return items


def build(folder: Path, quick: bool) -> list[dict[str, Any]]:
    from tests.audio_fixtures import VOICES, noisy, voice_utterance, write_wav

    out = []
    n = 0
    for voice in VOICES:
        for j, (kind, expected, text) in enumerate(_lines(quick)):
            color, snr = VOICE_NOISES[j % len(VOICE_NOISES)]
            pcm = voice_utterance(text, voice, pace=PACES[(j // 3) % len(PACES)])
            path = write_wav(folder / f"v{n:05d}.wav", noisy(pcm, snr, seed=n, color=color))
            out.append(
                {
                    "path": str(path),
                    "kind": kind,
                    "expected": expected,
                    "voice": voice,
                    "noise": color,
                }
            )
            n += 1
    return out


def real_items(quick: bool) -> list[dict[str, Any]]:
    orders = sorted((REAL / "orders").glob("*.flac"))
    keywords = sorted((REAL / "keywords").glob("*/*.flac"))
    items = [{"path": str(p), "set": "orders (tuned half)"} for p in orders[0::2]]
    items += [{"path": str(p), "set": "orders (never tuned)"} for p in orders[1::2]]
    items += [{"path": str(p), "set": "wake words"} for p in keywords]
    return items[::6] if quick else items


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def voices_report(items: list[dict[str, Any]], got: dict[str, Any]) -> None:
    pairs = list(zip(items, got["results"], got["sure"], strict=True))
    rows = []
    for voice in dict.fromkeys(i["voice"] for i in items):
        for noise in [*dict.fromkeys(i["noise"] for i in items), "all"]:
            sel = [
                (i, r, s)
                for i, r, s in pairs
                if i["voice"] == voice and (noise == "all" or i["noise"] == noise)
            ]

            def of(kind: str, sel: list[Any] = sel) -> list[Any]:
                return [(i, r, s) for i, r, s in sel if i["kind"] == kind]

            crisis, asks = of("crisis"), of("request")
            words = [(i, r, s) for i, r, s in of("word") if i["expected"]]
            rows.append(
                [
                    voice,
                    noise,
                    _rate(sum(r == i["expected"] for i, r, _ in asks), len(asks)),
                    _rate(sum(r == "crisis" and s for _, r, s in crisis), len(crisis)),
                    _rate(sum(r == "crisis" for _, r, _ in crisis), len(crisis)),
                    _rate(sum(r == "crisis" for _, r, _ in of("near_miss")), len(of("near_miss"))),
                    sum(
                        r is not None and i["expected"] is None and r != "crisis"
                        for i, r, _ in asks + of("near_miss")
                    ),
                    _rate(sum(r == i["expected"] for i, r, _ in words), len(words)),
                    sum(r not in (None, i["expected"]) for i, r, _ in of("word")),
                ]
            )
    print(
        table(
            [
                "voice",
                "noise",
                "requests",
                "crisis certain",
                "crisis or ask",
                "near-miss crisis",
                "acted unasked",
                "controls heard",
                "word as other",
            ],
            rows,
        )
    )
    print(
        f"RTF 1 core {got['cpu'] / got['audio']:.3f}; peak {got['mb']:.0f} MB "
        "(targets: requests >= 80%, crisis 100%, near-miss <= 10%, none acted unasked, "
        "controls >= 98% with none heard as another; RTF <= 0.15, <= 150 MB)"
    )


def real_report(items: list[dict[str, Any]], got: dict[str, Any]) -> None:
    pairs = list(zip(items, got["results"], got["sure"], strict=True))
    rows = []
    for name in [*dict.fromkeys(i["set"] for i in items), "all"]:
        sel = [(r, s) for i, r, s in pairs if name == "all" or i["set"] == name]
        rows.append(
            [
                name,
                f"{len(sel)}/{len(sel)}",
                _rate(sum(r == "crisis" and s for r, s in sel), len(sel)),
                _rate(sum(r == "crisis" and not s for r, s in sel), len(sel)),
                _rate(sum(r is not None for r, _ in sel), len(sel)),
            ]
        )
    print(
        table(
            [
                "real speech",
                "answered",
                "crisis (certain)",
                "crisis (ask first)",
                "anything acted on",
            ],
            rows,
        )
    )
    print(
        "Targets: every file answered; crisis false alarms <= 1%; anything acted on <= 3%."
        f" RTF 1 core {got['cpu'] / got['audio']:.3f}; peak {got['mb']:.0f} MB"
    )


def main(quick: bool = False) -> None:
    from benchmarks.hearing import _child

    with tempfile.TemporaryDirectory(prefix="kindly-voices-") as tmp:
        folder = Path(tmp)
        print("Other voices, three noises (15-25 dB SNR), several rates", flush=True)
        items = build(folder, quick)
        manifest = folder / "voices.json"
        manifest.write_text(json.dumps(items), encoding="utf-8")
        voices_report(items, _child(["decode", "pocketsphinx", "both", str(manifest)]))
        if not REAL.is_dir():
            print(f"\nReal speech: skipped ({REAL} not found)")
            return
        print("\nReal people (../shared/realspeech)", flush=True)
        real = real_items(quick)
        manifest = folder / "real.json"
        manifest.write_text(json.dumps(real), encoding="utf-8")
        real_report(real, _child(["decode", "pocketsphinx", "both", str(manifest)]))
