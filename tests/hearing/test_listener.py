"""The listener's decision (skill.hearing.listener.interpret) on hand-written transcripts.

No audio, no engine: what each pass heard, and what Kindly does with it.
"""

from __future__ import annotations

from dataclasses import replace

from skill.hearing.asr.base import Transcript
from skill.hearing.listener import interpret
from skill.nlu.intents import IntentMatcher


def heard(open_text: str, background: str, control: str | None, grammar: str = "") -> Transcript:
    return Transcript(
        grammar, open_text, (), "pocketsphinx", "both", background, (), control, control
    )


def test_a_sentence_the_open_pass_heard_keeps_a_lone_control_from_standing(
    matcher: IntentMatcher,
) -> None:
    # Kindly's own voice reaching the mic during a practice, forced onto "pause" (the
    # background heard nothing it could back)
    t = heard("this is a moment of suffering", "", "pause")
    assert interpret(t, matcher).intent is None
    t = heard("i think i'll have a coffee please", "i think i'll have a coffee please", "stop")
    assert interpret(t, matcher).intent is None


def test_a_lone_control_with_a_short_open_reading_still_stands(matcher: IntentMatcher) -> None:
    # a noisy lone word: the open pass hears a word or two, or the word in a short phrase
    assert interpret(heard("tell", "still", "stop"), matcher).intent == "stop"
    assert interpret(heard("paul is", "boss", "pause"), matcher).intent == "pause"
    assert interpret(heard("that it is", "", "skip"), matcher).intent == "skip"
    assert interpret(heard("stop stop stop it now", "stop", "stop"), matcher).intent == "stop"


def readings(
    grammar: str, open_text: str, background: str, alternatives: tuple[str, ...]
) -> Transcript:
    return Transcript(grammar, open_text, alternatives, "pocketsphinx", "both", background, ())


def test_a_crisis_phrase_only_the_open_pass_s_best_path_holds_is_not_asked_about(
    matcher: IntentMatcher,
) -> None:
    # a real coffee order (even half): the crisis-rich open LM put "a rope" into its best
    # path alone; no other hypothesis, no keyphrase, neither the background nor the grammar
    order = readings(
        "kinda you are going really slowly argh",
        "you largely rose to mirror got a rope",
        "you largely rose to where god oh",
        ("you largely rose to mirror got oh", "you largely rose to mirror got up"),
    )
    match = interpret(order, matcher)
    assert match.kind != "safety" and match.intent is None


def test_a_crisis_with_a_trace_elsewhere_is_still_asked_about(matcher: IntentMatcher) -> None:
    # "i'm thinking of topping myself" (en-gb, noisy): another hypothesis holds it too
    said = readings(
        "i think im not coping would you",
        "i'm thinking of roping myself",
        "i'm thinking of helping my sale",
        ("i'm thinking of helping myself", "i'm thinking all roping myself"),
    )
    match = interpret(said, matcher)
    assert match.kind == "safety" and match.check_in
    # the best path alone, but the grammar heard much the same words
    said = readings(
        "kindly i'm feeling kind of awkward honestly",
        "i'm feeling kind of what i am let's honour him hit me",
        "what the kind of want to middle and",
        ("i'm feeling kind of what i am it all permanently",),
    )
    match = interpret(said, matcher)
    assert match.kind == "safety" and match.check_in
    # or a keyphrase was spotted somewhere in the utterance
    t = readings("", "you largely rose to mirror got a rope", "", ("got oh",))
    assert interpret(replace(t, spotted=("kill myself",)), matcher).kind == "safety"
