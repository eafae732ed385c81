"""What people mean: indirect crisis statements, near misses, out-of-domain talk, distress,
and how the semantic layer's own readings are held back (check-ins, close calls)."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pytest
import yaml

from skill.content.model import Catalogue
from skill.nlu.evidence import SafetyEvidence
from skill.nlu.examples import NONE
from skill.nlu.intents import IntentMatcher, Match
from skill.nlu.semantic import Prediction, SemanticModel
from tests.conftest import require_shared

LINES = yaml.safe_load((Path(__file__).parent / "lines.yaml").read_text(encoding="utf-8"))
SHARED = Path(__file__).resolve().parents[3] / "shared"


def test_indirect_crisis_statements_get_the_crisis_response(matcher: IntentMatcher) -> None:
    missed = [t for t in LINES["crisis"] if matcher.parse(t).intent != "crisis"]
    assert missed == []


def test_near_misses_get_no_safety_response(matcher: IntentMatcher) -> None:
    alarms = [t for t in LINES["near_miss"] if matcher.parse(t).kind == "safety"]
    assert alarms == []


@pytest.mark.parametrize(
    "text",
    [
        "I won't be here tomorrow, I'm on holiday",
        "I just want to disappear into a good book this weekend",
        "I cut myself shaving this morning",
        "I keep dying on this level",
        "my grandad died last year and I miss him",
        "I cut my own hair and it's a disaster",
        "coach made us do suicides for training",
        "this heat is killing me",
        "I cut myself on a piece of paper at work",
        "I need to end it with my band, we never practise",
        "we lost my uncle to an overdose last spring",
    ],
)
def test_issue_near_misses(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"


@pytest.mark.parametrize(
    "text",
    [
        "I won't be here tomorrow, I'm going to end it",
        "I won't be around next week, not for good",
        "I keep thinking about death",
        "death seems like the only way out",
        "I've bought a rope",
        "thinking of unaliving tbh",
        "gonna top meself",
        "I'm bored to death of living, I want to die",
        "death by my own hand is all I think about",
    ],
)
def test_crisis_beside_a_near_miss_phrase_is_still_crisis(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).intent == "crisis"


def test_out_of_domain_talk_gets_nothing(matcher: IntentMatcher) -> None:
    wrong = [
        (t, m.intent)
        for t in LINES["out_of_domain"]
        if (m := matcher.parse(t)).kind in ("safety", "practice", "distress")
    ]
    assert wrong == []


def _orders() -> list[str]:
    """Coffee orders in the words of the realspeech labels (odd rows: never trained on)."""
    rows = (SHARED / "realspeech" / "orders.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for i, row in enumerate(rows):
        if i % 2:
            slots = json.loads(row.split("\t")[2])
            words = [slots.get(k, "").strip() for k in ("size", "roast", "coffeeDrink")]
            line = "can I get a " + " ".join(w for w in words if w)
            if "milkAmount" in slots:
                line += " with " + slots["milkAmount"].strip()
            out.append(line)
    return out


def test_coffee_orders_get_nothing(matcher: IntentMatcher) -> None:
    require_shared()
    orders = _orders()
    assert len(orders) > 100
    wrong = [(t, m.intent) for t in orders if (m := matcher.parse(t)).intent is not None]
    assert wrong == []


def test_distress_and_safety_kinds_on_varied_phrasing(matcher: IntentMatcher) -> None:
    """The issue's target: 90% right, and none of them answered as nothing."""
    got = [(want, matcher.parse(t)) for want, t in LINES["distress"]]
    right = sum(m.intent == want for want, m in got)
    assert right / len(got) >= 0.9
    assert [m.text for _, m in got if m.kind == "none"] == []
    safety = [m.text for want, m in got if want in ("abuse", "emergency") and m.intent != want]
    assert safety == []


class _Always(SemanticModel):
    """A stand-in semantic layer: every line reads as `first`, then `second`. A split
    reading's first is just under the crisis threshold: too weak for any safety alone."""

    SPLIT = SafetyEvidence.SAFETY - 0.05

    def __init__(self, first: str, second: str | None) -> None:
        super().__init__([NONE], {}, np.zeros((1, 1), dtype=np.float32))
        self.first, self.second = first, second

    def predict(self, core: str) -> Prediction:
        if self.second is None:
            return Prediction(self.first, 0.99, None, 0.0, 1.0)
        return Prediction(self.first, self.SPLIT, self.second, 0.6, 1.0)


def _semantic(catalogue: Catalogue, intent: str, second: str | None = None) -> IntentMatcher:
    return IntentMatcher(catalogue, semantic=_Always(intent, second))


def test_a_semantic_safety_reading_without_a_cue_word_is_only_a_check_in(
    catalogue: Catalogue,
) -> None:
    matcher = _semantic(catalogue, "crisis")
    quiet = matcher.parse("honestly I feel a bit strange about everything lately")
    assert (quiet.intent, quiet.kind, quiet.check_in) == ("crisis", "safety", True)
    cued = matcher.parse("honestly my plan is sorted for tonight")
    assert (cued.intent, cued.check_in) == ("crisis", False)


def test_a_control_reading_with_crisis_close_beside_it_asks_gently(catalogue: Catalogue) -> None:
    """A line the layer splits between a control and a crisis is asked about, never acted
    on as the control (a held-out crisis line was read as "slower", crisis a close second)."""
    split = _semantic(catalogue, "slower", "crisis").parse("could you ease off a little bit there")
    assert (split.intent, split.kind, split.check_in) == ("crisis", "safety", True)
    other = _semantic(catalogue, "slower", "faster").parse("could you ease off a little bit there")
    assert other.intent == "slower"


def test_a_semantic_safety_reading_needs_the_person(catalogue: Catalogue) -> None:
    """Misheard speech naming nobody ("turn on the kitchen lights" heard as "permanently
    kitchen life", which the real layer reads as crisis at 0.999), in fewer than `SAID`
    words: no safety response (a longer crisis reading is asked about: the next test)."""
    lines = ("permanently kitchen life", "the kitchen life", "oat milk latte")
    assert all(len(text.split()) < SafetyEvidence.SAID for text in lines)
    for intent in ("crisis", "abuse", "emergency"):
        matcher = _semantic(catalogue, intent)
        for text in lines:
            assert matcher.parse(text).kind != "safety", (intent, text)


def test_a_crisis_reading_naming_nobody_is_asked_about_when_it_holds_a_crisis_word(
    catalogue: Catalogue,
) -> None:
    """Speech leaves the speaker out, or it may be about someone else: with a crisis word,
    a gentle question rather than nothing (session 19: 12 crisis lines of 1,900 in older
    held-out sets named nobody and were passed over). Without one, or in a few words (mostly
    a mishearing), nothing; abuse and emergency still need the person."""
    crisis = _semantic(catalogue, "crisis")
    asked = crisis.parse("the whole thing is sorted for tonight")
    assert (asked.intent, asked.kind, asked.check_in, asked.impersonal) == (
        "crisis",
        "safety",
        True,
        True,
    )
    unsure = IntentMatcher(
        catalogue, semantic=_Reading("crisis", SafetyEvidence.SURE_UNNAMED - 0.05)
    )
    assert unsure.parse("the whole thing is sorted for the weekend").kind != "safety"
    named = crisis.parse("honestly my plan is sorted for tonight")
    assert (named.check_in, named.impersonal) == (False, False)
    for intent, text in (("abuse", "they hit him at school again"), ("emergency", "the crash")):
        assert _semantic(catalogue, intent).parse(text).kind != "safety", intent


class _Reading(SemanticModel):
    """A stand-in semantic layer reading every line the same way: `first` this likely,
    the rest on `second`, knowing this share of the words."""

    def __init__(
        self, first: str | None, score: float, second: str | None = None, known: float = 1.0
    ) -> None:
        super().__init__([NONE], {}, np.zeros((1, 1), dtype=np.float32))
        self.reading = Prediction(first, score, second, 1 - score, known)

    def predict(self, core: str) -> Prediction:
        return self.reading


def test_a_crisis_pattern_in_a_line_surely_about_nothing(catalogue: Catalogue) -> None:
    """A crisis flag the layer all but rules out: risk words alone about the person or
    in a question about something out there, nothing (hyperbole about their own day, a
    question about a film); telling of nobody, or on a pattern beyond the risk words, a
    gentle question; a little less sure, the whole response."""
    mine = "ugh i could die, i left my lunch on the bus lol"
    question = "um what was the samurai ritual suicide called"
    nobody = "that meeting was pure death lol"
    plan = "the pin for my laptop is in the blue book so my sister can get in after"
    sure = IntentMatcher(
        catalogue, semantic=_Reading(None, IntentMatcher.NOTHING_FLAGGED, "crisis")
    )
    for text in (mine, question):
        assert sure.parse(text).kind != "safety", text
    for text in (nobody, plan):
        asked = sure.parse(text)
        assert (asked.intent, asked.check_in) == ("crisis", True), text
    less = _Reading(None, IntentMatcher.NOTHING_FLAGGED - 0.05, "crisis")
    whole = IntentMatcher(catalogue, semantic=less).parse(mine)
    assert (whole.intent, whole.check_in) == ("crisis", False)


def test_a_near_certain_crisis_reading_naming_nobody_is_asked_about(catalogue: Catalogue) -> None:
    """Session 21: indirect crisis told without "I" and without a crisis word ("is there a
    quiet way to go") was passed over. Near-certain, it is asked about; in a few words
    (mostly a mishearing) or less sure, nothing."""
    line = "is there a quiet sort of way to go"
    sure = IntentMatcher(catalogue, semantic=_Reading("crisis", SafetyEvidence.SURE_UNNAMED))
    asked = sure.parse(line)
    assert (asked.intent, asked.check_in, asked.impersonal) == ("crisis", True, True)
    assert sure.parse("oat milk latte").kind != "safety"  # fewer than SAID words
    less = _Reading("crisis", SafetyEvidence.SURE_UNNAMED - 0.05)
    assert IntentMatcher(catalogue, semantic=less).parse(line).kind != "safety"


def test_a_weak_crisis_reading_with_a_crisis_word_about_the_person_is_asked_about(
    catalogue: Catalogue,
) -> None:
    """Under the crisis threshold but above `ASK_CUED`, with a crisis word, about the
    person: a gentle question. Without the word, in three words, or knowing too few of the
    words (misheard coffee orders), nothing."""
    weak = SafetyEvidence.ASK_CUED + 0.02
    matcher = IntentMatcher(catalogue, semantic=_Reading("crisis", weak))
    asked = matcher.parse("honestly my plan is sorted for the weekend")
    assert (asked.intent, asked.kind, asked.check_in) == ("crisis", "safety", True)
    assert matcher.parse("honestly i feel a bit strange about everything lately").kind != "safety"
    assert matcher.parse("my plan, tonight").kind != "safety"
    assert (
        IntentMatcher(catalogue, semantic=_Reading("crisis", SafetyEvidence.ASK_CUED - 0.05))
        .parse("honestly my plan is sorted for the weekend")
        .intent
        is None
    )
    unknown = _Reading("crisis", weak, known=SafetyEvidence.KNOWN_WEAK - 0.1)
    line = "honestly my plan is sorted for the weekend"
    assert IntentMatcher(catalogue, semantic=unknown).parse(line).kind != "safety"


def test_a_long_line_naming_nobody_read_more_likely_crisis_is_asked_about(
    catalogue: Catalogue,
) -> None:
    """Session 22: farewells and means told around an errand, naming nobody and with no
    crisis word, read as crisis more likely than not: asked about in `TOLD` words or more.
    Shorter, about the person, less likely, or with too few words known: nothing."""
    told = (
        "cancelled the phone contract and the gym as well so none of that will be needed"
        " after friday"
    )
    assert len(told.split()) >= SafetyEvidence.TOLD
    likely = SafetyEvidence.ASK_TOLD + 0.02
    matcher = IntentMatcher(catalogue, semantic=_Reading("crisis", likely))
    asked = matcher.parse(told)
    assert (asked.intent, asked.check_in, asked.impersonal) == ("crisis", True, True)
    assert matcher.parse("cancelled the phone contract and the gym as well").kind != "safety"
    mine = (
        "i cancelled my phone contract and the gym as well so none of that is needed after friday"
    )
    assert matcher.parse(mine).kind != "safety"
    less = _Reading("crisis", SafetyEvidence.ASK_TOLD - 0.05)
    assert IntentMatcher(catalogue, semantic=less).parse(told).kind != "safety"
    unknown = _Reading("crisis", likely, known=SafetyEvidence.KNOWN_WEAK - 0.1)
    assert IntentMatcher(catalogue, semantic=unknown).parse(told).kind != "safety"


@pytest.mark.parametrize(("crisis", "asked"), [(0.48, True), (0.4, False)])
def test_a_reading_split_between_nothing_and_crisis_is_a_weak_crisis_reading(
    catalogue: Catalogue, crisis: float, asked: bool
) -> None:
    """Nothing and crisis all but tied, on a cued line about the person: asked about."""
    split = _Reading(None, 1 - crisis, "crisis")
    got = IntentMatcher(catalogue, semantic=split).parse("my plan is sorted for the weekend")
    assert (got.intent == "crisis" and got.check_in) is asked


def test_a_weak_crisis_reading_never_starts_the_practice_nearest_it(
    catalogue: Catalogue,
) -> None:
    """Crisis the layer's best reading but too weak to act on, a practice second, and the
    nearest template a practice: a gentle question, never the practice."""
    line = "could we maybe do the bedtime reflection thing"
    assert _semantic(catalogue, "crisis").fallback.guess(line).intent == "bedtime_reflection"
    weak = _semantic(catalogue, "crisis", "bedtime_reflection").parse(line)
    assert (weak.intent, weak.kind, weak.check_in) == ("crisis", "safety", True)
    assert _semantic(catalogue, "bedtime_reflection").parse(line).intent == "bedtime_reflection"


def test_a_weak_crisis_reading_never_stops_the_practice_either(catalogue: Catalogue) -> None:
    """Session 22: the same with a control the nearest template: a crisis told in words
    close to "stop" or "pause" is asked about, not taken as the control."""
    for line, control in (
        ("i have had enough of this one now", "stop"),
        ("hold on a sec give me a moment", "pause"),
    ):
        assert _semantic(catalogue, "crisis").fallback.guess(line).intent == control
        weak = _semantic(catalogue, "crisis", control).parse(line)
        assert (weak.intent, weak.kind, weak.check_in) == ("crisis", "safety", True)
        assert _semantic(catalogue, control).parse(line).intent == control
        # under ASK_CUED ("i don't mind", an answer to a question, reads 0.37), the control
        lighter = _Reading("crisis", SafetyEvidence.ASK_CUED - 0.05, control)
        assert IntentMatcher(catalogue, semantic=lighter).parse(line).intent == control


def test_a_semantic_reading_inside_an_idiom_needs_a_cue_outside_it(
    catalogue: Catalogue,
) -> None:
    matcher = _semantic(catalogue, "crisis")
    assert matcher.parse("I could disappear into this series for days").kind != "safety"
    grief = matcher.parse("my dad died and honestly I just want to join him")
    assert grief.intent == "crisis"


def test_close_practices_ask_which(catalogue: Catalogue) -> None:
    matcher = _semantic(catalogue, "take_a_break", "self_compassion_break")
    match = matcher.parse("honestly I need something for this whole week I have had")
    assert (match.intent, match.alternative) == ("take_a_break", "self_compassion_break")


def test_a_practice_close_to_an_answer_asks_which(catalogue: Catalogue) -> None:
    matcher = _semantic(catalogue, "soothing_touch", "what_is_self_compassion")
    match = matcher.parse("honestly I need something for this whole week I have had")
    assert match.alternative == "what_is_self_compassion"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("doubt_fake", "doubt_deserve"),  # two answers: just answer
        ("take_a_break", "low_mood"),  # distress is never a question
        ("take_a_break", "crisis"),  # nor safety
        ("low_mood", "take_a_break"),
    ],
)
def test_no_question_outside_practice_pairs(catalogue: Catalogue, first: str, second: str) -> None:
    match = _semantic(catalogue, first, second).parse("honestly I need something for this week")
    assert match.alternative is None


def test_a_template_match_never_asks(catalogue: Catalogue) -> None:
    matcher = _semantic(catalogue, "take_a_break", "self_compassion_break")
    match: Match = matcher.parse("I messed up")
    assert (match.intent, match.alternative) == ("self_compassion_break", None)


def test_safety_never_carries_a_choice(matcher: IntentMatcher, catalogue: Catalogue) -> None:
    # A check-in may carry the distress the line also tells of (the answer to a "no");
    # the full response never carries a second reading, and no safety line offers a choice.
    for text in LINES["crisis"]:
        match = matcher.parse(text)
        if match.check_in and match.alternative is not None:
            assert catalogue.kind_of(match.alternative) == "distress", text
        else:
            assert match.alternative is None, text


def test_crisis_split_with_another_safety_reading_answers_the_larger(
    catalogue: Catalogue,
) -> None:
    """Two safety readings too weak alone are judged together (recall first); the response
    is the larger reading's: an assault told is not answered with the suicide line."""
    split = _semantic(catalogue, "abuse", "crisis").parse("honestly I feel strange about him")
    assert (split.intent, split.kind) == ("abuse", "safety")
    top = _semantic(catalogue, "crisis", "abuse").parse("honestly I feel strange about him")
    assert (top.intent, top.kind) == ("crisis", "safety")
    other = _semantic(catalogue, "abuse", "emergency").parse("honestly I feel strange about him")
    assert other.kind != "safety"


@pytest.mark.parametrize(
    "line",
    [
        "do not see the point in being alive anymore",
        "wrote letters for the kids and left them on the table",
        "they'd be better off with the money than with me",
    ],
)
def test_speech_that_drops_the_subject_is_still_about_the_person(
    matcher: IntentMatcher, line: str
) -> None:
    match = matcher.parse(line)
    assert (match.kind, match.intent) == ("safety", "crisis"), match


def test_requests_for_the_new_ids_in_words_never_trained_on(matcher: IntentMatcher) -> None:
    got = [(want, matcher.parse(t)) for want, t in LINES["requests"]]
    right = sum(m.intent == want for want, m in got)
    assert right / len(got) >= 0.8, [(w, m.text, m.intent) for w, m in got if m.intent != w]
    assert [m.text for _, m in got if m.kind == "safety"] == []


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("got anything for grief?", "grief_and_loss"),
        ("put on the bereavement meditation", "grief_and_loss"),
        ("the sleepless night one", "sleepless_night"),
        ("a super quick self compassion thing", "self_compassion_minute"),
        ("compassion letter", "compassionate_letter"),  # misspoken; the nearest template agrees
    ],
)
def test_a_terse_ask_that_names_what_it_wants_starts_it(
    matcher: IntentMatcher, text: str, want: str
) -> None:
    assert matcher.parse(text).intent == want


@pytest.mark.parametrize(
    "text",
    ["the garage is a total mess", "play rain sounds", "is it going to rain tomorrow"],
)
def test_a_remark_that_names_no_person_and_asks_nothing_starts_nothing(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.parse(text).kind != "practice"


def test_a_loss_with_an_ask_for_a_practice_starts_the_grief_practice(
    catalogue: Catalogue,
) -> None:
    grief = _semantic(catalogue, "grief")
    asked = grief.parse("honestly my dad died, can you take me through something for it")
    assert (asked.intent, asked.kind) == ("grief_and_loss", "practice")
    told = grief.parse("honestly my dad died in march and the house is so quiet")
    assert (told.intent, told.kind) == ("grief", "distress")
    # Low mood and panic answer first: their answers carry real help and grounding.
    for intent in ("low_mood", "panic"):
        other = _semantic(catalogue, intent)
        match = other.parse("honestly I feel awful, can you take me through something")
        assert match.intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "I've said my goodbyes to my kids in my head",
        "honestly I'd like to vanish for good",
        "took dad's shotgun out and I keep holding it",
        "I've left letters for the kids on the table",
        "I've given away most of my stuff to my mates",
        "I bought a pistol and it's not for protection",
    ],
)
def test_goodbyes_means_and_giving_away_are_crisis(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).intent == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "we said our goodbyes to the old flat",
        "I bought a glue gun for my crafts",
        "we did suicides in netball training",
        "the girl in it overdoses in the finale and I cried",
    ],
)
def test_everyday_goodbyes_tools_and_plots_are_not(matcher: IntentMatcher, text: str) -> None:
    assert matcher.parse(text).kind != "safety"


def test_more_distress_in_words_never_trained_on(matcher: IntentMatcher) -> None:
    got = [(want, matcher.parse(t)) for want, t in LINES["distress_more"]]
    assert sum(m.intent == want for want, m in got) / len(got) >= 0.7
    assert [m.text for want, m in got if want == "panic" and m.intent != "panic"] == []


def test_a_weak_crisis_reading_beside_distress_is_asked_carrying_the_distress(
    catalogue: Catalogue,
) -> None:
    """Crisis the likelier reading (session 29): asked about, low mood's answer on "no"."""
    match = _semantic(catalogue, "crisis", "low_mood").parse("honestly I feel strange lately")
    assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "low_mood")
    # Beside a practice it is still nothing: only distress answers point to real help.
    other = _semantic(catalogue, "crisis", "take_a_break").parse("honestly I feel strange lately")
    assert other.kind not in ("safety", "distress", "practice")


@pytest.mark.parametrize(
    "text",
    [
        "I need it all to stop, all of it",
        "I'd like to skip the rest of my life",
        "I want to rest and not come back",
        "stop, I'm done with everything",
    ],
)
def test_a_control_word_said_with_an_ending_asks_gently(matcher: IntentMatcher, text: str) -> None:
    match = matcher.parse(text)
    assert (match.intent, match.kind, match.check_in) == ("crisis", "safety", True)


@pytest.mark.parametrize(
    "text",
    [
        "end it",
        "please end it",
        "can we end it now",
        "that's enough, end it",
        "nah i'm good you can end it",
        "end it yeah",
        "end it, the baby's crying",
        "end it, this is boring",
    ],
)
def test_a_bare_command_to_end_it_asks_gently_with_stop_beside(
    matcher: IntentMatcher, text: str
) -> None:
    """Said to the speaker, "end it" is as often "stop" as a death wish: asked, not the
    whole response, and a "no" stops (session 51; it was the whole response)."""
    match = matcher.parse(text)
    assert (match.intent, match.check_in, match.alternative) == ("crisis", True, "stop")


@pytest.mark.parametrize(
    "text",
    [
        "i want to end it",
        "just end it",
        "please just end it",
        "end it all",
        "end it, i've had enough",
        "i want to end it i'm done",
        "end it, i'm done",
        "please, please end it",
        "end it, it's too late",
        "end it, the voice is telling me",
    ],
)
def test_a_wish_or_plea_to_end_it_stays_the_whole_response(
    matcher: IntentMatcher, text: str
) -> None:
    match = matcher.parse(text)
    assert (match.intent, match.check_in) == ("crisis", False)


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("please end my pain", True),
        ("god please end my suffering", True),
        ("make the pain stop", True),
        ("what can end the pain in my back", False),
        ("i need something to stop the pain in my knee", False),
    ],
)
def test_a_plea_to_end_the_pain_itself_is_asked_about(
    matcher: IntentMatcher, text: str, asked: bool
) -> None:
    """Session 51's review: "please end my pain" got nothing; pain of a body part is no plea."""
    match = matcher.parse(text)
    assert (match.intent == "crisis" and match.check_in) is asked


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("stop", "stop"),
        ("can you stop please", "stop"),
        ("skip this one", "skip"),
        # "everything" about what Kindly remembers is no ending (session 13)
        ("delete everything you remember about what i liked", "forget_helped"),
    ],
)
def test_plain_controls_stay_controls(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # session 11 (writer_ab): a speaker's English is no control ("stop" before it)
        ("my english is not so good", None),
        ("please more slow, my english is not so good", "slower"),
    ],
)
def test_a_speaker_s_english_asks_for_nothing_but_the_pace(
    matcher: IntentMatcher, text: str, intent: str | None
) -> None:
    assert matcher.parse(text).intent == intent


@pytest.mark.parametrize(
    "line", ["thank you darlin i needed that", "ta very much", "cheers mate that was ace"]
)
def test_thanks_said_with_other_words_is_thanks(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "thanks"


def test_thanks_inside_another_question_is_not_thanks(matcher: IntentMatcher) -> None:
    assert matcher.parse("how do you say thank you in tamil").intent != "thanks"


@pytest.mark.parametrize("line", ["is this therapy", "are you a therapist"])
def test_is_this_therapy_gets_the_therapy_answer(
    catalogue: Catalogue, matcher: IntentMatcher, line: str
) -> None:
    assert matcher.parse(line).intent == "therapy"
    assert "not therapy" in catalogue.infos["therapy"].answer[0]


def test_a_split_between_two_practices_asked_for_offers_both(catalogue: Catalogue) -> None:
    """Neither reading is probable enough alone, but the line asks for a practice in so
    many words: the larger, with the other as the close second the question offers."""

    class _Split(_Always):
        def predict(self, core: str) -> Prediction:
            return Prediction("take_a_break", 0.4, "self_compassion_break", 0.3, 1.0)

    matcher = IntentMatcher(catalogue, semantic=_Split("take_a_break", None))
    asked = matcher.parse("um can we do the quiet little calm thing")
    assert (asked.intent, asked.alternative) == ("take_a_break", "self_compassion_break")
    unasked = matcher.parse("the quiet little calm thing was nice")
    assert unasked.intent is None


def test_a_weak_control_reading_with_crisis_beside_it_asks_gently(catalogue: Catalogue) -> None:
    """Too weak to act on as the control, crisis close beside it: still the gentle
    question, never "I'm not sure I can help" (session 16: a held-out crisis line fell from
    the check-in to nothing when its "stop" reading dropped under the acceptance line)."""

    class _Weak(_Always):
        def predict(self, core: str) -> Prediction:
            return Prediction("stop", 0.45, "crisis", 0.4, 1.0)

    weak = IntentMatcher(catalogue, semantic=_Weak("stop", None)).parse("i'd rather it all went")
    assert (weak.intent, weak.kind, weak.check_in) == ("crisis", "safety", True)


def test_a_weak_control_reading_said_with_an_ending_asks_gently(catalogue: Catalogue) -> None:
    """Too weak to act on as the control, crisis far behind, but an ending named: the
    gentle question (session 26: more training moved "I'd like to skip the rest of my life"
    to skip at 0.46, crisis 0.19, and it fell to nothing)."""
    weak = _Reading("skip", 0.46)
    ending = IntentMatcher(catalogue, semantic=weak).parse("i'd like to skip the rest of my life")
    assert (ending.intent, ending.kind, ending.check_in) == ("crisis", "safety", True)
    plain = IntentMatcher(catalogue, semantic=weak).parse("i'd like to skip the next bit")
    assert plain.kind != "safety"


def test_an_emergency_reading_about_someone_in_the_room_is_the_emergency(
    catalogue: Catalogue,
) -> None:
    """An emergency is as often someone else's: a sure reading naming them is answered,
    one naming nobody is not."""
    matcher = _semantic(catalogue, "emergency")
    there = matcher.parse("grandad's slumped in his chair and breathing all rattly")
    assert (there.intent, there.kind) == ("emergency", "safety")
    assert matcher.parse("the telly keeps making a rattly noise").intent is None


class _Leaning(_Always):
    """Reads every line as nothing, with grief this likely beside it (by default just
    likely enough for its answer)."""

    def __init__(self, likely: float = IntentMatcher.LEAN + 0.05) -> None:
        super().__init__("grief", None)
        self.likely = likely

    def predict(self, core: str) -> Prediction:
        return Prediction(None, 1 - self.likely, "grief", self.likely, 1.0)

    def likeliest(self, core: str, among: Collection[str]) -> tuple[str | None, float]:
        return ("grief", self.likely) if "grief" in among else (None, 0.0)


def test_a_line_telling_of_the_person_leans_to_the_distress_beside_nothing(
    catalogue: Catalogue,
) -> None:
    """Nothing else understood it, but it tells of the person and a distress is likely
    enough among the readings: that distress's answer, not "I'm not sure I can help"."""
    matcher = IntentMatcher(catalogue, semantic=_Leaning())
    told = matcher.parse("i keep ringing her number just to hear her voice")
    assert (told.intent, told.kind) == ("grief", "distress")


def test_a_line_read_as_nothing_with_a_distress_beside_it_starts_no_practice(
    catalogue: Catalogue,
) -> None:
    """The nearest template is a practice, but the layer reads someone telling (nothing,
    grief second, too weak to answer): no practice nobody asked for."""
    matcher = IntentMatcher(catalogue, semantic=_Leaning(IntentMatcher.LEAN - 0.05))
    line = "i have not slept properly since the funeral"
    nearest = matcher.fallback.guess(matcher.canon(line)).intent
    assert catalogue.kind_of(nearest) == "practice"
    assert matcher.parse(line).kind != "practice"


@pytest.mark.parametrize(
    "line",
    [
        "the kettle keeps ringing its little bell",  # not about the person
        "feel glass",  # two words: mostly misheard real speech
        "can you ring my sister for me",  # asks for something
        "i'm frazzled, set a timer for the pasta",  # an everyday ask
    ],
)
def test_a_lean_to_distress_needs_a_person_telling_not_asking(
    catalogue: Catalogue, line: str
) -> None:
    matcher = IntentMatcher(catalogue, semantic=_Leaning())
    assert matcher.parse(line).intent is None


@pytest.mark.parametrize(
    "line",
    [
        "i'm frazzled, set a timer for the pasta",
        "i'm shattered, give me a recipe for a quick soup",
        "feeling stressed, play some jazz",
        "the dog is anxious with the storm, what can i give him",
    ],
)
def test_an_everyday_speaker_ask_beside_a_feeling_starts_no_practice(
    matcher: IntentMatcher, line: str
) -> None:
    assert matcher.parse(line).kind != "practice"


def test_a_practice_asked_beside_an_everyday_ask_still_starts(matcher: IntentMatcher) -> None:
    assert matcher.parse("set a timer and then guide me through a short break").kind == "practice"


@pytest.mark.parametrize(
    ("line", "want"),
    [
        (
            "i forget what it's called, the one named after the weather, for when a feeling "
            "won't budge, can we do that",
            "rain",
        ),
        (
            "could we do the break where you remind me everybody struggles sometimes",
            "self_compassion_break",
        ),
        (
            "what's the one where you put a hand on your heart and say kind things, can we do "
            "that one",
            "soothing_touch",
        ),
    ],
)
def test_a_practice_described_in_everyday_words_still_starts(
    matcher: IntentMatcher, line: str, want: str
) -> None:
    """The weather that names RAIN, the reminder that other people struggle too, a film
    question's shape ("what's the one where..."): not an everyday ask, nor talk of a film."""
    assert matcher.parse(line).intent == want


@pytest.mark.parametrize(
    "line",
    [
        "remind me to take my tablets at nine, i'm all over the place today",
        "what's the weather like, i'm so anxious about the drive",
    ],
)
def test_a_reminder_or_the_weather_beside_a_feeling_is_still_an_everyday_ask(
    matcher: IntentMatcher, line: str
) -> None:
    assert matcher.parse(line).kind != "practice"


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("honestly it all feels a bit cringe, i can't take it serious", "doubt_fake"),
        ("when i offer myself a bit of kindness i end up crying, is that normal", "backdraft"),
        ("my boss has been giving me dog's abuse all week, have you got something", None),
    ],
)
def test_everyday_words_that_hold_risk_words_are_not_safety(
    matcher: IntentMatcher, line: str, want: str | None
) -> None:
    """ "Can't take it serious", "offer myself", "dog's abuse": none is a risk."""
    match = matcher.parse(line)
    assert match.kind != "safety", match
    assert want is None or match.intent == want, match


@pytest.mark.parametrize(
    "line", ["thank you so much, i feel a bit better now", "thanks, that was lovely, i feel calmer"]
)
def test_thanks_with_feeling_better_is_thanks(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "thanks"


def test_thanks_with_feeling_no_better_is_not_thanks(matcher: IntentMatcher) -> None:
    assert matcher.parse("thanks but i don't feel any better, i feel empty").intent != "thanks"


@pytest.mark.parametrize("line", ["pack it in", "knock it off please"])
def test_british_stops_stop(matcher: IntentMatcher, line: str) -> None:
    assert matcher.parse(line).intent == "stop"
