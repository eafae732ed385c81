"""Evidence rules for a safety reading (crisis, abuse, emergency) of the semantic layer
alone, when the safety patterns missed the line.

Recall first, so a confident reading is kept; but it must be about the person (never
"large latte with oat milk" misheard) or, for crisis, hold a cue word and say enough to be
a statement, or be near-certain; an idiom of that safety file leaves it standing only with
a cue outside the idiom; and a crisis reading without a cue word, without the person in
it, or weak but cued and about the person, is only a gentle question (`check_in`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from skill.content.model import Catalogue
from skill.nlu import asks
from skill.nlu.examples import load_cues
from skill.nlu.match import Match
from skill.nlu.prefilter import PatternSet, word_prefixes
from skill.nlu.safety import CRISIS, EMERGENCY, SafetyCheck
from skill.nlu.semantic import HEARD_SURE, Prediction, SemanticModel

# A safety reading of the semantic layer needs the person in the line.
_FIRST_PERSON = re.compile(r"\b(i|me|my|myself|mine|we|us|our)\b")
# Speech drops the subject, and then it is the speaker: "wrote letters for the kids",
# "do not see the point anymore". A line that opens with a verb is about the person.
_SUBJECT_DROPPED = re.compile(
    r"^(?:(?:um|uh|er|erm|so|like|honestly|just|really|still|already|kind of|sort of)\s+)*"
    r"(?:do not|does not|did not|cannot|can not|could not|will not|would not|never|"
    r"want|wanted|wanna|wish|feel|feeling|felt|been|keep|kept|wrote|written|writing|left|"
    r"bought|got|gave|giving|given|took|taken|looked|looking|thinking|thought|planning|"
    r"planned|going|gonna|said|saying|made|sorted|tried|trying|had|have|hate|hating|need|"
    r"ready|done|finished|tired|sick|sat|sitting|counting|saved|stockpiled|"
    r"searched|researched|googled|worked out|figured out)\b"
)
# A line that opens on life itself or on everyone else is said about the person too:
# "not tryna be here anymore", "life ain't worth it no more", "everyone's better off".
_OWN_LIFE = re.compile(
    r"^(?:(?:um|uh|er|erm|so|like|honestly|just|really|tbh|ngl|lowkey)\s+)*"
    r"(?:not|no longer|life|everyone|everybody|nobody|no one|the world)\b"
)


def about_person(norm: str) -> bool:
    """The line is about the speaker: it names them, drops them as subject, or opens on
    their own life."""
    return bool(_FIRST_PERSON.search(norm) or _SUBJECT_DROPPED.match(norm) or _OWN_LIFE.match(norm))


# An emergency is as often someone else's, there in the room: "grandpa's on the floor and
# his breathing sounds weird".
_SOMEONE_HERE = re.compile(
    r"\b(he|she|they|him|her|them|someone|somebody|baby|grandpa|grandad|granddad|grandma|"
    r"granny|gran|nan|nana|mum|mom|dad|husband|wife|partner|son|daughter|brother|sister)\b"
)


@dataclass(frozen=True)
class SafetyReading:
    """A safety reading the evidence supports: which intent, how sure, and whether it
    rests on no cue word or names nobody (then the session asks gently first)."""

    intent: str
    score: float
    check_in: bool
    impersonal: bool = False  # names nobody (see `Match.impersonal`)


class SafetyEvidence:
    """Whether a safety reading of the semantic layer alone may give a safety response."""

    # A crisis reading needs this probability. 0.8 until session 18, when a quarter more
    # training lines lowered crisis readings: 0.75 gave back a crisis line on four held-out
    # text sets and 5 of 80 on new-voice audio, for one more false alarm in 1,040 near
    # misses and one more check-in on 154 real coffee orders.
    SAFETY = 0.75
    SAFETY_CUED = 0.65  # or this, with a cue word, when the rest is a practice or distress
    # An abuse or emergency reading needs this: 0.9 until session 20, when more distress
    # lines in training moved a held-out assault told from 0.90 to 0.85 (no new alarm in
    # 2,680 held-out near misses at 0.85).
    SAFETY_OTHER = 0.85
    KNOWN = 0.5  # share of the line's content words the layer must know
    # A crisis reading naming nobody needs this many words: shorter ones are mostly
    # mishearings ("permanently kitchen life", heard for "turn on the kitchen lights").
    # 6 until session 22: 5 heard 5 more held-out crisis lines, no new alarm on text or audio.
    # 5 until session 45: 4 heard 2 more of 6,635 held-out crisis lines (a terse writer's
    # among them), for no new alarm on text, no new question on real speech, and 1 more
    # of 60 new-voice near misses asked about.
    SAID = 4
    # Session 21: writers asked for crisis told indirectly (means, places, goodbyes, mostly
    # without "I") found 72% of it heard. So a near-certain crisis reading naming nobody,
    # in SAID words or more, is asked about ("is there a painless way to go"); and a weak
    # one (ASK_CUED up to SAFETY) with a crisis word, about the person, in four words or
    # more of which the layer knows most (misheard coffee orders know fewer), is asked
    # about too. Together: 22 more of 2,300 crisis lines heard on older held-out sets (10
    # more of 2,920 near misses asked about), 36 more of 630 on twelve new ones (2 of 680);
    # on real speech, no new question. SURE_UNNAMED 0.95 until session 26, when more
    # training moved two held-out crisis lines naming nobody to 0.94: 0.9 heard 5 more of
    # 4,325, for 2 more of 5,010 near misses asked about.
    SURE_UNNAMED = 0.9
    ASK_CUED = 0.45
    KNOWN_WEAK = 0.8
    SAID_WEAK = 4
    # Session 22: a long line (TOLD words) naming nobody, of which the layer knows most,
    # read as crisis more likely than not, is asked about even without a cue: someone
    # telling of means or a farewell around an errand ("cancelled the phone contract, won't
    # need it after this week"). Lines about the person with the same reading were mostly
    # near misses, and lines this long are seldom mishearings.
    ASK_TOLD = 0.5
    TOLD = 14
    # Session 54: a distress the layer is this sure of is taken as told, never asked after
    # as crisis: Kindly's own "I'm here. I'm not on my own." reads as low mood at 0.96 (and
    # to the crisis reader 0.95). No held-out crisis line heard after a distress had more.
    DISTRESS_TOLD = 0.9
    # Session 40: what a wish of someone else is for ("I wish someone would ring me back
    # about the car insurance") read as nothing this surely leaves no safety reading.
    WISHED_NONE = 0.8

    def __init__(
        self,
        catalogue: Catalogue,
        safety: SafetyCheck,
        semantic: SemanticModel,
        canon: Callable[[str], str],
    ) -> None:
        self.catalogue = catalogue
        self.safety = safety
        self.semantic = semantic
        self.canon = canon
        self._cues = {
            intent: PatternSet(rf"\b(?:{w})\b" for w in words)
            for intent, words in (semantic.cues or load_cues(catalogue)).items()
        }

    def cued(self, norm: str, prefixes: frozenset[str], intent: str = CRISIS) -> bool:
        """The line holds one of that safety intent's cue words."""
        cues = self._cues.get(intent)
        return cues is not None and bool(cues.search(norm, prefixes))

    def _nothing(self, part: str) -> bool:
        """The layer reads `part` alone as nothing, surely, and it holds no crisis cue."""
        p = self.semantic.predict(self.canon(part))
        return (
            p.intent is None
            and p.score >= self.WISHED_NONE
            and not self.cued(part, word_prefixes(part))
        )

    def lean(self, p: Prediction) -> Prediction:
        """A reading split between nothing and crisis, crisis at `ASK_CUED` or more, is
        read as a weak crisis reading, for `reading` to judge."""
        if p.intent is None and p.second == CRISIS and p.second_score >= self.ASK_CUED:
            return Prediction(CRISIS, p.second_score, None, p.score, p.known)
        return p

    def unstated(self, norm: str, p: Prediction, prefixes: frozenset[str]) -> bool:
        """A crisis reading sure enough to act on, set aside only as too short to be a
        statement naming nobody ("is hanging painful"): the layer knows most of its words
        and no everyday phrase of the crisis file holds it."""
        short = len(norm.split()) < self.SAID and not about_person(norm)
        known = p.known >= self.KNOWN_WEAK and p.score >= self.SAFETY
        return short and known and self.safety.everyday(norm, CRISIS, prefixes) is None

    def unheard(self, norm: str, core: str, prefixes: frozenset[str], read: Match) -> float | None:
        """The crisis reader's probability for a line nothing else understood, or read
        only as a distress the layer is not all but sure of (`DISTRESS_TOLD`: "I can't
        face another morning", grief at 0.64), when it is all but sure (`HEARD_SURE`) and
        the line is about the person, said in a sentence (`SAID` words) and in no
        everyday phrase of the crisis file: then it is asked about, never answered whole.
        (Read on what is left with the phrase cut out, it asked about 22 more of 9,530
        held-out near misses for one more crisis line. Session 54: asking after lines read
        as a distress too heard 7 more of 7,955 held-out crisis lines, for 2 of 10,790
        near misses asked after; after requests too, one more crisis line for 2 requests.)"""
        unsure = read.kind == "distress" and read.confidence < self.DISTRESS_TOLD
        said = len(norm.split()) >= self.SAID and about_person(norm)
        if not (read.intent is None or unsure) or not said:
            return None
        score = self.semantic.heard(core)
        if score < HEARD_SURE or self.safety.everyday(norm, CRISIS, prefixes) is not None:
            return None
        return score

    def reading(self, norm: str, p: Prediction, prefixes: frozenset[str]) -> SafetyReading | None:
        """The safety reading of `p` for normalised text, or None when the evidence is short."""
        wished = asks.wished_of_someone(norm)
        if wished is not None and self._nothing(wished):
            return None  # "I wish someone would ring me back": the errand is nothing
        intent = p.intent or CRISIS
        kind = intent  # the response given: the larger of two safety readings
        threshold = self.SAFETY if intent == CRISIS else self.SAFETY_OTHER
        if p.score < threshold and CRISIS in (p.intent, p.second):
            # Crisis and another safety reading split between them: recall first, judged
            # as crisis together; the response is the larger reading's (an assault told
            # is not answered with the suicide line; every safety response gives the
            # emergency number). Only about the person: two weak readings of a line naming
            # nobody are mostly a mishearing ("from on the kitchen life").
            both = self.catalogue.kind_of(p.second) == "safety" and about_person(norm)
            if both and p.score + p.second_score >= self.SAFETY:
                intent, threshold = CRISIS, self.SAFETY
                p = replace(p, intent=CRISIS, score=p.score + p.second_score)
        cued = intent == CRISIS and self.cued(norm, prefixes)
        if cued and self.catalogue.kind_of(p.second) in ("practice", "distress"):
            # A crisis reading split with a practice or distress (not with "nothing"): the
            # line is about the person's pain, and more practices in training move
            # probability off crisis for the same line; a crisis cue word keeps it standing.
            threshold = self.SAFETY_CUED
        weak = cued and p.score >= self.ASK_CUED and p.known >= self.KNOWN_WEAK
        words, mine = len(norm.split()), about_person(norm)
        weak = weak and words >= self.SAID_WEAK and mine
        told = intent == CRISIS and p.score >= self.ASK_TOLD and p.known >= self.KNOWN_WEAK
        told = told and words >= self.TOLD and not mine
        if (p.score < threshold and not (weak or told)) or p.known < self.KNOWN:
            return None
        if intent != CRISIS:
            # an everyday phrase of the crisis file ("my cousin took her own life years
            # ago", grief about someone else) with no cue of this kind outside it
            rest = self.safety.crisis_everyday_cut(norm, prefixes)
            if rest is not None and not self.cued(rest, word_prefixes(rest), intent):
                return None
        everyday = self.safety.everyday(norm, intent, prefixes)
        if everyday is not None:
            # Abuse and emergency idioms ("laughing so hard") are not overruled; a crisis
            # reading outside a grief idiom ("my dad died and I want to join him") is.
            if intent != CRISIS:
                return None
            norm = " ".join(everyday.replace("|", " ").split())
            prefixes, words, mine = word_prefixes(norm), len(norm.split()), about_person(norm)
            again = self.semantic.predict(self.canon(norm))
            if again.intent != intent or again.score < threshold:
                return None
            if not self.cued(norm, prefixes):
                return None
        person = mine or (intent == EMERGENCY and bool(_SOMEONE_HERE.search(norm)))
        cue = self.cued(norm, prefixes, intent)
        stated = kind == CRISIS and (cue or told or p.score >= self.SURE_UNNAMED)
        # An emergency told with nobody in it ("crushing in the chest like a tractor's on
        # it"): a near-certain reading with an emergency word, said in a sentence.
        stated = stated or (kind == EMERGENCY and cue and p.score >= self.SURE_UNNAMED)
        if not person and not (stated and words >= self.SAID):
            return None
        # A confident crisis reading with a crisis word but naming nobody may be about
        # someone else, or said leaving the speaker out: asked about, never passed over
        # (session 19: 12 more of 1,900 crisis lines in older held-out sets heard, 3 more of
        # 2,410 near misses asked about).
        asked = p.score < threshold or not (cue and person)
        return SafetyReading(kind, p.score, check_in=asked, impersonal=not person)
