"""Intent recognition from text: accuracy and speed, Kindly vs hassil alone, one core.

    python -m benchmarks.intents

Sets: the paraphrase set and crisis corpus in tests/data; benchmarks/data/heldout*.yaml,
each written independently of the templates (their misses were looked at once, to widen
the safety patterns and the fallback); benchmarks/data/blind.yaml, written independently
and never looked at line by line: the honest figure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from hassil.recognize import recognize

from benchmarks._table import render
from skill.content.load import load_catalogue
from skill.nlu.intents import IntentMatcher

ROOT = Path(__file__).resolve().parent.parent
Parser = Callable[[str], str | None]


@dataclass
class Labelled:
    name: str
    lines: list[tuple[str, str | None]]  # (text, expected intent)


def load_sets() -> list[Labelled]:
    """The labelled sets: (text, expected intent or None)."""
    sets = []
    para = yaml.safe_load((ROOT / "tests" / "data" / "paraphrases.yaml").read_text())
    sets.append(
        Labelled(
            "tests/data paraphrases",
            [(t, None if k == "none" else k) for k, v in para.items() for t in v],
        )
    )
    crisis = yaml.safe_load((ROOT / "tests" / "data" / "crisis.yaml").read_text())
    sets.append(
        Labelled(
            "tests/data crisis corpus",
            [(t, None if k == "near_miss" else "crisis") for k, v in crisis.items() for t in v],
        )
    )
    for name in ("heldout", "heldout2", "blind"):
        path = ROOT / "benchmarks" / "data" / f"{name}.yaml"
        if path.exists():
            held = yaml.safe_load(path.read_text())
            lines = [(t, k) for k, v in held["intents"].items() for t in v]
            lines += [(t, None) for t in held["none"]] + [(t, "crisis") for t in held["crisis"]]
            lines += [(t, None) for t in held["near_miss"]]
            sets.append(Labelled(f"benchmarks/data/{name}.yaml", lines))
    return sets


def score(
    parse: Parser, labelled: Labelled, kind_of: Callable[[str | None], str]
) -> dict[str, float]:
    """Accuracy, crisis recall, near-miss/out-of-domain behaviour for one parser."""
    right = crisis = crisis_hit = ood = ood_practice = ood_crisis = 0
    for text, expected in labelled.lines:
        got = parse(text)
        right += got == expected
        if expected == "crisis":
            crisis += 1
            crisis_hit += got == "crisis"
        elif expected is None:
            ood += 1
            ood_practice += kind_of(got) == "practice"
            ood_crisis += got == "crisis"
    return {
        "accuracy": right / len(labelled.lines),
        "crisis_recall": crisis_hit / crisis if crisis else float("nan"),
        "no_intent_lines": ood,
        "practice_started_for_none": ood_practice,
        "false_crisis": ood_crisis / ood if ood else float("nan"),
    }


def speed(parse: Parser, lines: list[str], seconds: float = 3.0) -> float:
    """Parses per second over repeated passes (at least `seconds`)."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for line in lines:
            parse(line)
        count += len(lines)
    return count / (time.perf_counter() - started)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    catalogue = load_catalogue()
    started = time.perf_counter()
    matcher = IntentMatcher(catalogue)
    build = time.perf_counter() - started

    def kindly(text: str) -> str | None:
        return matcher.parse(text).intent

    def hassil_alone(text: str) -> str | None:
        result = recognize(text, matcher.templates)
        return result.intent.name if result is not None else None

    rows = []
    sets = load_sets()
    for labelled in sets:
        for name, parse in (("kindly", kindly), ("hassil alone", hassil_alone)):
            s = score(parse, labelled, catalogue.kind_of)
            rows.append(
                [
                    labelled.name,
                    name,
                    len(labelled.lines),
                    f"{s['accuracy']:.1%}",
                    f"{s['crisis_recall']:.1%}",
                    f"{s['practice_started_for_none']}/{s['no_intent_lines']}",
                    f"{s['false_crisis']:.1%}",
                ]
            )
    head = [
        "set",
        "parser",
        "lines",
        "accuracy",
        "crisis recall",
        "practice for none",
        "false crisis",
    ]
    print(render(head, rows))
    lines = [t for t, _ in sets[0].lines]
    print()
    print(
        render(
            ["parser", "parses/s (1 core)", "target"],
            [
                ["kindly", speed(kindly, lines), ">= 2,000"],
                ["hassil alone", speed(hassil_alone, lines), "-"],
            ],
        )
    )
    print(f"\nmatcher build time: {build:.2f} s ({len(matcher.exact)} template samples)")


if __name__ == "__main__":
    main()
