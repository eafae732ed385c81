"""Text to intent: templates, paraphrases, out-of-domain lines and crisis first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.normalize import normalize
from skill.nlu.tables import iter_samples
from tests.conftest import DATA


def _paraphrases() -> dict[str, list[str]]:
    data: dict[str, list[str]] = yaml.safe_load((DATA / "paraphrases.yaml").read_text())
    return data


def test_every_template_sample_maps_back_to_its_intent(
    catalogue: Catalogue, matcher: IntentMatcher
) -> None:
    wrong = []
    count = 0
    for intent_id, text, _ in iter_samples(catalogue, matcher.templates):
        count += 1
        got = matcher.parse(text).intent
        if got != intent_id:
            wrong.append((intent_id, got, text))
    assert count > 1000
    assert wrong == []


def test_paraphrase_set_is_big_enough() -> None:
    data = _paraphrases()
    in_domain = sum(len(v) for k, v in data.items() if k != "none")
    assert in_domain >= 200 and len(data["none"]) >= 40
    assert all(len(v) >= 6 for v in data.values())


def test_paraphrase_accuracy_floor(matcher: IntentMatcher) -> None:
    """A floor, not the target: the figure itself is reported by benchmarks/intents.py."""
    data = _paraphrases()
    total = right = 0
    for intent, lines in data.items():
        expected = None if intent == "none" else intent
        for line in lines:
            total += 1
            right += matcher.parse(line).intent == expected
    assert right / total >= 0.85


def test_out_of_domain_never_starts_a_practice_on_clear_cases(matcher: IntentMatcher) -> None:
    for line in (
        "what's the capital of France",
        "my feet are killing me",
        "set a timer for ten minutes",
        "turn on the kitchen lights",
        "what's the weather like tomorrow",
        "tell me a joke",
    ):
        match = matcher.parse(line)
        assert match.kind != "practice", line
        assert match.intent is None, line


def test_crisis_outranks_everything(matcher: IntentMatcher) -> None:
    for line in (
        "I embarrassed myself so much I wish I wasn't alive",
        "I messed up at work and I want to kill myself",
        "help me take a break, I don't want to live anymore",
        "stop, I want to die",
    ):
        match = matcher.parse(line)
        assert (match.intent, match.kind) == ("crisis", "safety"), line


def test_crisis_corpus_all_caught_and_near_misses_counted(matcher: IntentMatcher) -> None:
    corpus = yaml.safe_load((DATA / "crisis.yaml").read_text())
    crisis_lines = [line for k, v in corpus.items() if k != "near_miss" for line in v]
    assert len(crisis_lines) >= 80 and len(corpus["near_miss"]) >= 40
    # Danger from others gets the abuse response (kind safety, like crisis).
    expected = {"danger_from_others": "abuse"}
    missed = [
        line
        for k, v in corpus.items()
        if k != "near_miss"
        for line in v
        if matcher.parse(line).intent != expected.get(k, "crisis")
    ]
    assert missed == []
    alarms = [line for line in corpus["near_miss"] if matcher.parse(line).intent == "crisis"]
    assert len(alarms) / len(corpus["near_miss"]) <= 0.10, alarms


def test_json_contract(matcher: IntentMatcher) -> None:
    out = matcher.parse("I messed up").to_json()
    assert out == {
        "text": "I messed up",
        "intent": "self_compassion_break",
        "kind": "practice",
        "confidence": 1.0,
    }
    none = matcher.parse("what's the capital of France").to_json()
    assert none["intent"] is None and none["kind"] == "none"
    assert 0.0 <= none["confidence"] <= 1.0


def test_wake_word_and_fillers_are_ignored(matcher: IntentMatcher) -> None:
    assert matcher.parse("hey kindly, um, I messed up").intent == "self_compassion_break"
    assert matcher.parse("Hey Kindly stop").intent == "stop"


def test_normalize_folds_recogniser_forms() -> None:
    assert normalize("I'm gonna  kill my self!") == "i am going to kill myself"
    assert normalize("I don\u2019t wanna be a live") == "i do not want to be alive"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises(text: str) -> None:
    match = _MATCHER.parse(text)
    assert match.kind in ("practice", "info", "control", "safety", "distress", "none")
    assert 0.0 <= match.confidence <= 1.0
    json.dumps(match.to_json())


def test_parse_cli_jsonl(tmp_path: Path) -> None:
    lines = "I messed up\n\nwhat's the capital of France\nI want to die\n"
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "parse", "--jsonl"],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,  # a fresh cache trains the semantic layer: slow on a loaded machine
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["intent"] for r in rows] == ["self_compassion_break", None, "crisis"]
    assert [r["kind"] for r in rows] == ["practice", "none", "safety"]


def test_parse_cli_single_text() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "parse", "help me take a break"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,  # a fresh cache trains the semantic layer: slow on a loaded machine
    )
    assert json.loads(proc.stdout)["intent"] == "take_a_break"


def _load() -> IntentMatcher:
    from skill.content.load import load_catalogue

    return IntentMatcher(load_catalogue())


_MATCHER = _load()


def test_text_speak_reads_as_the_words_it_stands_for() -> None:
    from skill.nlu.normalize import normalize

    assert (
        normalize("can u do the one for ur heart pls") == "can you do the one for your heart please"
    )
    assert normalize("idk wat to do, meself") == "i do not know what to do myself"
