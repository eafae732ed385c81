"""The listener's decision (skill.hearing.listener.interpret) on hand-written transcripts.

No audio, no engine: what each pass heard, and what Kindly does with it.
"""

from __future__ import annotations

from dataclasses import replace

from skill.hearing.asr.base import Transcript
from skill.hearing.listener import interpret
from skill.nlu.intents import IntentMatcher


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
