"""The writer sets through `kindly parse --jsonl`, one figure per line kind, per set.

    python -m benchmarks.writers [benchmarks/data/writers/writer_a.yaml ...]

The same command, run on an older checkout, gives that checkout's figures (the first-contact
table in benchmarks/data/writers/README.md was made this way, before any change for the sets).
Held-out sets print only aggregate figures: never their lines.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WRITERS = ROOT / "benchmarks" / "data" / "writers"  # held out, and writer_{a,b,c}
TRAINED = ROOT / "intents" / "_writers"  # sets the semantic layer trains on (skill.nlu.examples)
READER = ROOT / "intents" / "_reader_writers"  # sets only its readers train on
PRACTICE = {
    "self_compassion_break", "self_compassion_minute", "take_a_break", "soothing_touch",
    "friend_reframe", "compassionate_letter", "rain", "bedtime_reflection", "brief_writing",
    "loving_kindness", "grief_and_loss", "sleepless_night", "morning_intention",
}  # fmt: skip
INFO = {
    "what_is_self_compassion", "doubt_fake", "doubt_deserve", "doubt_excuse", "help",
    "backdraft", "self_esteem", "therapy",
}  # fmt: skip
DISTRESS = {"low_mood", "grief", "panic"}
CONTROLS = {"stop", "pause", "resume", "repeat", "slower", "faster", "skip"}


def writer_files() -> list[Path]:
    """Every writer set, held out or trained on, in name order."""
    paths = [*WRITERS.glob("writer_*.yaml"), *TRAINED.glob("writer_*.yaml")]
    paths += READER.glob("writer_*.yaml")
    return sorted(paths, key=lambda p: p.name)


def writer_file(name: str) -> Path:
    """One writer set by name ("writer_k"), wherever it lives."""
    found = [d / f"{name}.yaml" for d in (TRAINED, READER) if (d / f"{name}.yaml").exists()]
    return found[0] if found else WRITERS / f"{name}.yaml"


def labelled(path: Path) -> list[tuple[str, str]]:
    """(line, expected) where expected is an intent id, crisis, near_miss or none."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = [(t, k) for k, v in data["intents"].items() for t in v]
    for kind in ("crisis", "near_miss", "none"):
        lines += [(t, kind) for t in data.get(kind, [])]
    return lines


def score(items: list[tuple[str, str]], got: list[dict[str, object]]) -> dict[str, list[int]]:
    """Per figure: [right, total]."""
    counts: dict[str, list[int]] = {}

    def add(name: str, ok: bool) -> None:
        pair = counts.setdefault(name, [0, 0])
        pair[0] += ok
        pair[1] += 1

    for (_, expected), answer in zip(items, got, strict=True):
        intent, kind = answer["intent"], answer["kind"]
        if expected in PRACTICE | INFO:
            add("requests", intent == expected)
        if expected in CONTROLS:
            add("controls", intent == expected)
        if expected in DISTRESS:
            add("distress", intent == expected)
            add("distress_not_none", kind != "none")
        if expected in ("abuse", "emergency"):
            add(expected, intent == expected)
        if expected == "crisis":
            add("crisis_recall", intent == "crisis")
        if expected == "near_miss":
            add("near_miss_false_crisis", intent == "crisis")
        if expected in ("none", "near_miss"):
            add("ood_practice", kind == "practice")
    return counts


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or writer_files()
    command = [sys.executable, "-m", "skill", "parse", "--jsonl"]
    for path in paths:
        items = labelled(path)
        text = "".join(t.replace("\n", " ") + "\n" for t, _ in items)
        run = subprocess.run(command, input=text, capture_output=True, text=True, check=True)
        got = [json.loads(line) for line in run.stdout.splitlines()]
        print(f"== {path.name} ({len(items)} lines)")
        for name, (right, total) in score(items, got).items():
            print(f"  {name:24s} {right:4d}/{total:<4d} {100 * right / total:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
