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


CONTROLS = ("stop", "pause", "resume", "repeat", "slower", "faster", "skip")
# Short words and phrases that are no control (nor a crisis): heard as one is an action.
NOT_CONTROLS = (
    "shop", "top", "cause", "peace", "ripe", "sleeper", "fast", "ski", "stuff", "hello",
    "thanks", "okay", "yes", "no", "coffee", "a latte", "sure", "maybe", "sit down",
    "good morning",
)  # fmt: skip
CONTROL_NOISES = [(c, snr) for c in ("pink", "babble") for snr in (15.0, 20.0, 25.0)]
TUNING_VOICES = ("joe", "en-us")  # the other two voices are never tuned on
CONTROL_PACES = (1.0, 0.85, 1.0, 1.2)  # per take: two takes per word, voice and noise


def control_items(folder: Path, takes: int = 2) -> list[dict[str, Any]]:
    """Lone control words (and short non-controls) in four voices, pink and babble noise
    at 15, 20 and 25 dB SNR; two takes of each control (other pace and noise seed)."""
    from tests.audio_fixtures import VOICES, noisy, voice_utterance, write_wav

    out = []
    n = 0
    for voice in VOICES:
        half = "tuning" if voice in TUNING_VOICES else "check"
        for word in (*CONTROLS, *NOT_CONTROLS):
            expected = word if word in CONTROLS else None
            for k, (color, snr) in enumerate(CONTROL_NOISES):
                if expected is None and snr != 20.0:
                    continue  # the non-controls at 20 dB only
                for take in range(takes if expected else 1):
                    pace = CONTROL_PACES[(k * takes + take) % len(CONTROL_PACES)]
                    pcm = noisy(voice_utterance(word, voice, pace=pace), snr, seed=n, color=color)
                    path = write_wav(folder / f"c{n:05d}.wav", pcm)
                    out.append(
                        {
                            "path": str(path),
                            "word": word,
                            "expected": expected,
                            "voice": voice,
                            "half": half,
                            "noise": f"{color}{snr:.0f}",
                        }
                    )
                    n += 1
    return out


def controls_report(items: list[dict[str, Any]], got: dict[str, Any], verbose: bool) -> None:
    """Per word and half: heard, heard as another control, as a safety kind, nothing."""
    from skill.content.load import load_catalogue

    kinds = load_catalogue().kind_of
    pairs = list(zip(items, got["results"], got["texts"], strict=True))
    rows = []
    for half in ("tuning", "check"):
        sel = [(i, r, t) for i, r, t in pairs if i["half"] == half]
        for word in (*CONTROLS, "all"):
            mine = [(i, r) for i, r, _ in sel if i["expected"] and word in ("all", i["word"])]
            rows.append(
                [
                    half,
                    word,
                    _rate(sum(r == i["expected"] for i, r in mine), len(mine)),
                    sum(
                        r is not None and r != i["expected"] and kinds(r) == "control"
                        for i, r in mine
                    ),
                    sum(r is not None and kinds(r) == "safety" for _, r in mine),
                    sum(r is None for _, r in mine),
                ]
            )
        others = [(i, r) for i, r, _ in sel if not i["expected"]]
        rows.append(
            [
                half,
                "non-controls",
                f"{sum(r is not None for _, r in others)}/{len(others)} acted on",
                sum(r is not None and kinds(r) == "control" for _, r in others),
                sum(r is not None and kinds(r) == "safety" for _, r in others),
                "",
            ]
        )
    print(table(["half", "word", "heard", "as other control", "as safety", "nothing"], rows))
    by_voice = []
    for voice in dict.fromkeys(i["voice"] for i in items):
        for noise in dict.fromkeys(i["noise"] for i in items):
            mine = [
                (i, r)
                for i, r, _ in pairs
                if i["expected"] and (i["voice"], i["noise"]) == (voice, noise)
            ]
            by_voice.append(
                [voice, noise, _rate(sum(r == i["expected"] for i, r in mine), len(mine))]
            )
    print(table(["voice", "noise", "controls heard"], by_voice))
    print(
        f"RTF 1 core {got['cpu'] / got['audio']:.3f}; peak {got['mb']:.0f} MB "
        "(target: >= 98% heard, none heard as another control; tuning voices "
        f"{', '.join(TUNING_VOICES)}, the others never tuned on)"
    )
    if verbose:
        for i, r, t in pairs:
            if r != i["expected"]:
                print(f"  {i['voice']:6} {i['noise']:8} {i['word']!r:14} -> {r}: {t}")


def controls_main(verbose: bool = False) -> None:
    """Only the one-word controls set (python -m benchmarks.hearing --controls)."""
    from benchmarks.hearing import _child

    with tempfile.TemporaryDirectory(prefix="kindly-controls-") as tmp:
        folder = Path(tmp)
        print("One-word controls: four voices, pink and babble at 15-25 dB", flush=True)
        items = control_items(folder)
        manifest = folder / "controls.json"
        manifest.write_text(json.dumps(items), encoding="utf-8")
        got = _child(["decode", "pocketsphinx", "both", str(manifest), "live"])
        controls_report(items, got, verbose)


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
