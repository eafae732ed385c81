"""Evidence, not hope (skill.hearing.evidence): which readings may drive an action.

Transcripts are written out by hand here (no audio, no engine): what each pass heard.
"""

from __future__ import annotations

from dataclasses import replace

from skill.hearing.asr.base import Look, Transcript
from skill.hearing.evidence import how_close
from skill.hearing.listener import interpret
from skill.nlu.intents import CRISIS, IntentMatcher


def heard(
    grammar: str,
    open_text: str,
    background: str | None,
    spotted: tuple[str, ...] | None = (),
    alternatives: tuple[str, ...] = (),
) -> Transcript:
    return Transcript(grammar, open_text, alternatives, "pocketsphinx", "both", background, spotted)


def test_a_crisis_the_background_also_hears_is_certain(matcher: IntentMatcher) -> None:
    match = interpret(heard("", "i want to kill myself", "i want to kill myself"), matcher)
    assert (match.intent, match.confidence, match.check_in) == (CRISIS, 1.0, False)


def test_a_crisis_only_the_background_hears_is_still_a_crisis(matcher: IntentMatcher) -> None:
    match = interpret(heard("take a break", "take a brake", "i'm going to commit suicide"), matcher)
    assert match.intent == CRISIS and not match.check_in


def test_a_spotted_keyphrase_backs_a_crisis_reading(matcher: IntentMatcher) -> None:
    t = heard("", "i keep thinking about ending it all", "winning it all", ("ending it all",))
    match = interpret(t, matcher)
    assert (match.intent, match.confidence, match.check_in) == (CRISIS, 1.0, False)


def test_a_crisis_with_no_acoustic_support_is_only_possible(matcher: IntentMatcher) -> None:
    # the open pass heard a crisis (its second hypothesis too); nothing else did
    t = heard("", "i want to die", "i want a decaf coffee", (), ("i want to die now",))
    match = interpret(t, matcher)
    assert match.intent == CRISIS and match.kind == "safety"
    assert match.check_in and match.confidence < 1.0  # the session asks first


def test_the_voice_gives_a_flagged_line_the_texts_own_answer(matcher: IntentMatcher) -> None:
    # each reading certain (every pass heard it): the answer is the one `kindly parse` gives
    for line in (
        "this level is killing me i've died like forty times tonight",  # hyperbole: none
        "i feel like such a burden to everyone",  # an uncertain risk word: asked about
        "i want to die",
        "he hits me when he drinks",
    ):
        text = matcher.parse(line)
        voice = interpret(heard(line, line, line, (line,)), matcher)
        assert (voice.intent, voice.kind, voice.check_in) == (
            text.intent,
            text.kind,
            text.check_in,
        ), line
    # and without evidence passes (Vosk), where a reading stands as heard
    hyperbole = heard("", "this level is killing me i've died like forty times tonight", None, None)
    assert interpret(hyperbole, matcher).kind != "safety"
    burden = interpret(heard("", "i feel like such a burden to everyone", None, None), matcher)
    assert burden.intent == CRISIS and burden.check_in


def test_one_alternative_among_ten_is_not_a_crisis(matcher: IntentMatcher) -> None:
    t = heard("", "can i get a coffee", "can i get a coffee", alternatives=("i want to die",))
    assert interpret(t, matcher).intent is None


def test_a_request_the_background_does_not_back_does_nothing(matcher: IntentMatcher) -> None:
    # a coffee order forced onto the nearest template by the grammar
    t = heard(
        "start the bedtime reflection", "start the bedtime reflection", "a large latte please"
    )
    match = interpret(t, matcher)
    assert (match.intent, match.kind) == (None, "none")


def test_a_request_the_background_backs_is_acted_on(matcher: IntentMatcher) -> None:
    t = heard("help me take a break", "help me take a break", "help me take a brake")
    assert interpret(t, matcher).intent == "take_a_break"
    assert interpret(heard("stop", "stop", "stop"), matcher).intent == "stop"
    # a lone control word both Kindly passes heard stands against one background word
    assert interpret(heard("pause", "pause", "boss"), matcher).intent == "pause"
    # or two ("paul is", from a noisy "pause" in an espeak voice)
    assert interpret(heard("pause", "pause", "paul is"), matcher).intent == "pause"
    # an alternative of the open pass is weaker: one background word only
    assert (
        interpret(heard("pause", "want", "paul is", alternatives=("pause",)), matcher).intent
        is None
    )
    assert interpret(heard("stop", "got", "got"), matcher).intent is None
    assert interpret(heard("stop", "stop", ""), matcher).intent is None
    assert interpret(heard("stop", "stop", "can i get a coffee"), matcher).intent is None


def test_without_background_passes_the_readings_stand(matcher: IntentMatcher) -> None:
    # an engine with no background pass (Vosk): as before, alternatives aside
    assert interpret(heard("stop", "stop", None, None), matcher).intent == "stop"
    crisis = interpret(heard("", "i want to die", None, None), matcher)
    assert crisis.intent == CRISIS and not crisis.check_in
    alt = heard("", "a coffee", None, None, alternatives=("i want to die",))
    assert interpret(alt, matcher).intent is None


def test_a_crisis_reading_the_other_passes_refute_is_dropped(matcher: IntentMatcher) -> None:
    # the closed grammar forced "am I just letting myself off the hook" onto a crisis
    # template; the open pass and the unbiased background agree on the other words
    t = heard(
        "umm i just overdosed okay",
        "my just letting myself off the hook",
        "my just fooling myself off the hook",
        ("killing myself", "hurt myself"),  # lax spotter hits that are in neither reading
    )
    assert interpret(t, matcher).intent == "doubt_excuse"
    # a background that does not back the other reading leaves the crisis possible
    t = heard("umm i just overdosed okay", "my just letting myself off the hook", "a coffee")
    match = interpret(t, matcher)
    assert match.intent == CRISIS and match.check_in
    # a spotted keyphrase inside the crisis reading is support: never refuted
    t = heard(
        "i want to kill myself", "i want to kiss my cat", "i want to kiss my cat", ("kill myself",)
    )
    match = interpret(t, matcher)
    assert match.intent == CRISIS and not match.check_in


def test_a_safety_meaning_the_background_shares_with_the_first_pass_is_heard(
    matcher: IntentMatcher,
) -> None:
    # No crisis phrase: only the text understanding reads risk in these.
    asked, told = "i keep thinking about not waking up", "i won't need my coat where i'm going"
    for line in (asked, told):
        assert not matcher.safety.is_crisis(line) and matcher.parse(line).intent == CRISIS
    elsewhere = "what's the weather like in paris"
    # the open pass's best was something else; one of its alternatives held the meaning
    first = Transcript("", elsewhere, ("the weather like in paris", told))
    assert how_close(first, matcher) == Look.BACKGROUND  # the background may share it
    match = interpret(heard("", elsewhere, told, (), first.alternatives), matcher)
    assert (match.intent, match.check_in) == (CRISIS, True)  # asked about, never told
    assert match.confidence <= 0.5
    # ... and where the closed grammar forced a template
    match = interpret(heard("help me take a break", elsewhere, told, (), (told,)), matcher)
    assert (match.intent, match.check_in) == (CRISIS, True)
    # a reading with the background already stands as the text understanding answers it
    assert interpret(heard("", told, told), matcher) == matcher.parse(told)
    assert interpret(heard("", asked, asked), matcher).check_in
    # the background alone, or the first pass alone, acts on nothing
    assert interpret(heard("", elsewhere, told, (), ("the weather",)), matcher).intent is None
    assert interpret(heard("", elsewhere, elsewhere, (), (told,)), matcher).intent is None
    # a different kind of safety statement is not shared
    emergency = "my dad's gone grey and he can't lift his arm"
    assert not matcher.safety.is_crisis(emergency)
    assert interpret(heard("", elsewhere, emergency, (), (told,)), matcher).intent is None


def test_a_lone_stop_the_open_pass_had_second_is_heard(matcher: IntentMatcher) -> None:
    # Piper's clean "stop": the open pass's best was "today", with "stop" second.
    alternatives = ("about", "stop", "gone", "got", "dog")
    match = interpret(heard("stop", "today", "about", (), alternatives), matcher)
    assert match.intent == "stop"


def test_a_lone_stop_the_open_pass_never_had_does_nothing(matcher: IntentMatcher) -> None:
    match = interpret(heard("stop", "today", "about", (), ("about", "gone", "dog")), matcher)
    assert match.intent is None


def test_a_longer_request_needs_more_than_an_alternative(matcher: IntentMatcher) -> None:
    # Only a lone control word is taken on the open pass's alternatives.
    t = heard(
        "help me take a break",
        "have you seen the cake",
        "i've seen the cake",
        (),
        ("help me take a break",),
    )
    match = interpret(t, matcher)
    assert match.intent is None


def test_how_close_the_evidence_passes_look(matcher: IntentMatcher) -> None:
    def first(grammar: str, open_text: str, alternatives: tuple[str, ...] = ()) -> Look:
        return how_close(Transcript(grammar, open_text, alternatives), matcher)

    # nothing a reading could act on: no evidence passes (silence, noise, out of domain)
    assert first("", "") == Look.NONE
    assert first("", "what's the weather like in paris") == Look.NONE
    # a request or a control the open pass heard: the background must back it
    assert first("help me take a break", "help me take a brake") == Look.BACKGROUND
    assert first("", "stop") == Look.BACKGROUND
    assert first("stop", "today", ("today i", "stop")) == Look.BACKGROUND  # among alternatives
    # a template the closed grammar forced onto speech the open pass heard otherwise
    assert first("help me take a break", "what's the weather like") == Look.NONE
    # a crisis reading, or a crisis among the open pass's alternatives: look hardest
    assert first("", "i want to kill myself") == Look.CRISIS
    assert first("", "can i get a decaf coffee", ("can i get dead coffee", "i want to die")) == (
        Look.CRISIS
    )


def test_what_no_reading_could_act_on_gives_no_intent_without_evidence(
    matcher: IntentMatcher,
) -> None:
    # how_close says NONE only when interpret would give no intent whatever the evidence
    for grammar, open_text in [
        ("", ""),
        ("", "what's the weather like in paris"),
        ("help me take a break", "what's the weather like in paris"),
        ("what is self compassion", "what is a good recipe for soup"),
    ]:
        bare = Transcript(grammar, open_text, (), "pocketsphinx", "both")
        assert how_close(bare, matcher) == Look.NONE
        assert interpret(bare, matcher).intent is None


def test_a_lone_spotted_control_word_is_acted_on(matcher: IntentMatcher) -> None:
    # a noisy "stop": the grammar heard nothing, the open pass "tell", the background "still"
    t = replace(heard("", "tell", "still"), control="stop")
    assert (interpret(t, matcher).intent, interpret(t, matcher).kind) == ("stop", "control")


def test_a_control_reading_the_forced_choice_did_not_make_is_not_acted_on(
    matcher: IntentMatcher,
) -> None:
    # both Kindly passes and the background heard "skip"; the short utterance's loud part
    # was forced onto "stop": one of them is wrong, and a wrong control is the worst answer
    t = heard("skip", "skip", "skip")
    assert interpret(t, matcher).intent == "skip"
    assert interpret(replace(t, choice="stop"), matcher).intent is None
    assert interpret(replace(t, choice=""), matcher).intent is None  # chose nothing
    assert interpret(replace(t, choice="skip"), matcher).intent == "skip"
    # the choice settled on a control with a second pass behind it: that one stands
    assert interpret(replace(t, choice="stop", control="stop"), matcher).intent == "stop"
    # only a lone word: the choice knows the control words, not the phrases
    phrase = heard("say that again", "say that again", "say that again")
    assert interpret(replace(phrase, choice="stop"), matcher).intent == "repeat"
    # never a safety reading: the choice only weighs controls
    crisis = heard("", "i want to kill myself", "i want to kill myself")
    assert interpret(replace(crisis, choice="stop"), matcher).intent == CRISIS


def test_a_crisis_comes_before_a_spotted_control_word(matcher: IntentMatcher) -> None:
    t = heard("", "i want to kill myself", "i want to kill myself")
    assert interpret(replace(t, control="stop"), matcher).intent == CRISIS


def test_a_backed_reading_comes_before_a_spotted_control_word(matcher: IntentMatcher) -> None:
    t = heard("stop it", "stop it", "stop it")
    assert interpret(replace(t, control="skip"), matcher).intent == "stop"
