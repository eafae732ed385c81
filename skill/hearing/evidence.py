"""Evidence, not hope: a reading of audio drives an action only when the audio supports it.

The Kindly passes lean towards Kindly's phrases by design (a grammar of the templates, an
LM rich in crisis phrases), so noise and speech from outside the domain come out as
requests and crises. Each utterance is therefore also heard with a general-English
language model (`Transcript.background`, no Kindly bias) and, for crisis phrases, by a
keyword-spotting pass that weighs each phrase against a phone loop (`Transcript.spotted`).

- A crisis is certain when the background reading is itself a crisis statement, or when
  a first reading (grammar or open) is one and a crisis keyphrase the spotter found is in
  that reading (both heard the same phrase), or when the grammar pass and the open pass,
  two searches of different shape, each heard a crisis statement.
- A crisis reading with neither is possible, not certain: the Match is the crisis with
  `check_in` set and a lower confidence, so the session asks before anything else (the
  session decides how; never silence).
- Unless nothing but the open pass's best path holds it (`unheard`): none of its other
  hypotheses, no keyphrase, and neither the background nor the grammar heard much of
  it. The crisis-rich open LM puts a crisis phrase into real speech from outside the
  domain that way ("... mirror got a rope" for a coffee order).
- Unless the audio speaks against it: the other Kindly pass heard something else, and the
  general-English background heard that too (its words, not the crisis reading's). A
  closed grammar forces every utterance onto its nearest template, a crisis one included
  ("am I just letting myself off the hook" -> "umm i just overdosed okay"); when the open
  LM, which leans towards crisis phrases itself, and the unbiased background agree on
  the other words, the crisis reading is refuted, not merely unsupported.
- A safety meaning no crisis phrase carries (the text understanding's reading of "i keep
  thinking about not waking up") is asked about, where nothing else gave a safety
  answer, when the background and the first pass (a reading, or one of the open pass's
  alternatives), two searches of different shape, each read the same kind of safety
  statement in it (`shared_safety`).
- Any other action (practice, answer, control) needs the background to agree: the same
  intent from the background reading, or most of the reading's words heard in it too.
  Otherwise the utterance is not understood (intent None), which does nothing.

The evidence passes cost as much as the readings, so they run only where they can matter
(`how_close`): when no first reading is a crisis or safety statement or names an intent,
nothing can happen and neither runs; the spotter runs only when a crisis is possible.

An engine without these passes (Vosk) gives None for both: its readings stand as before,
except that N-best alternatives no longer count as readings.
"""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from skill.hearing.asr.base import Look, Transcript
from skill.nlu.intents import IntentMatcher, Match
from skill.nlu.normalize import normalize
from skill.nlu.tables import strip_filler

SUPPORT = 0.5  # word agreement with the background that lets a reading drive an action
REFUTED = 0.2  # at most this much of a crisis reading in a background that backs another
POSSIBLE = 0.5  # confidence of a crisis the audio only possibly supports
AGREE = 0.6  # word agreement that lets a grammar reading stand with the open one
TRACE = 0.4  # word agreement with the grammar that is a trace of a crisis the open pass heard


def agreement(a: str, b: str) -> float:
    """How much two readings share, word by word (0..1), fillers aside."""
    wa, wb = strip_filler(normalize(a)).split(), strip_filler(normalize(b)).split()
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


# Words too short and common to be evidence of what was asked for.
FUNCTION_WORDS = frozenset(
    "a an the to of and or is it i me my you your us let do can could would will please "
    "what what's that this be on in for with so just some".split()
)


def content_words(text: str) -> list[str]:
    """The words of a reading that carry what it asks for (all of them if none do)."""
    words = strip_filler(normalize(text)).split()
    content = [w for w in words if w not in FUNCTION_WORDS]
    return content or words


def coverage(reading: str, background: str) -> float:
    """How well the background's content words match the reading's (0..1, in order).

    Symmetric on purpose: a short reading ("dark") inside a long background reading ("make
    me a dark roast iced coffee") is not backed by it.
    """
    wa, wb = content_words(reading), content_words(background)
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def crisis_match(transcript: Transcript, matcher: IntentMatcher) -> Match | None:
    """The crisis Match the evidence allows (certain or possible), or None."""

    def flagged(text: str) -> Match | None:
        # The text's own safety answer, as `kindly parse` gives it: crisis, abuse,
        # emergency or concern; asked about where the words are uncertain ("a burden");
        # none for hyperbole about the person's own day ("this level is killing me").
        if not matcher.safety.is_crisis(text):
            return None
        match = matcher.parse(text)
        return match if match.kind == "safety" else None

    answers = {t: m for t in transcript.readings() if (m := flagged(t)) is not None}
    readings = list(answers)

    def said(text: str, confidence: float = 1.0, *, check_in: bool = False) -> Match:
        match = answers[text]
        return replace(
            match,
            confidence=min(match.confidence, confidence),
            check_in=match.check_in or check_in,
        )

    background = transcript.background
    if background is None or transcript.spotted is None:
        return said(readings[0]) if readings else None
    if background and (heard := flagged(background)) is not None:
        return heard
    if not readings:
        return None
    if len(readings) == 2:  # the grammar and the open pass, apart, both heard a crisis
        return said(transcript.open or readings[0])
    for reading in readings:  # a phrase the spotter found, in a reading that is a crisis
        words = f" {normalize(reading)} "
        if any(f" {normalize(phrase)} " in words for phrase in transcript.spotted):
            return said(reading)
    if refuted(readings[0], transcript) or unheard(readings[0], transcript, matcher):
        return None
    return said(readings[0], POSSIBLE, check_in=True)


def shared_safety(transcript: Transcript, matcher: IntentMatcher) -> Match | None:
    """The safety statement the background and the first pass both read, asked about; or
    None.

    For what `crisis_match` has no phrase for: the background (no Kindly bias) and the
    first pass (a reading, or one of the open pass's alternatives) read the same kind of
    safety statement (crisis, abuse, emergency) in the utterance. Only asked about: in
    noisy speech from outside the domain both passes sometimes read one. (Session 56,
    first contact, held-out voices in noise: 6 more of 160 crisis lines heard, and 6 of
    180 requests and everyday lines that had got nothing asked about; real recordings: 2
    of 668.)
    """
    if not transcript.background:
        return None
    heard = matcher.parse(transcript.background)
    if heard.kind != "safety":
        return None
    if any(matcher.parse(t).intent == heard.intent for t in transcript.first_pass()):
        return asked(heard)
    return None


def asked(match: Match) -> Match:
    """A safety Match the audio only possibly supports: the session asks before anything."""
    return replace(match, confidence=min(match.confidence, POSSIBLE), check_in=True)


def unheard(reading: str, transcript: Transcript, matcher: IntentMatcher) -> bool:
    """True for a crisis reading nothing but the open pass's first hypothesis holds.

    The open LM is rich in crisis phrases: in speech from outside the domain it can put
    one into its best path alone ("you largely rose to mirror got a rope" for a coffee
    order, every other hypothesis "... got oh"). A crisis really said leaves a trace
    elsewhere: another of the open pass's hypotheses is a crisis too, a keyphrase is
    spotted, the background heard much of the reading, or the grammar much the same words.
    Only for the open pass's reading with the evidence passes run (a grammar template
    stands as before: `refuted` weighs it).
    """
    if reading != transcript.open or reading == transcript.grammar or transcript.spotted:
        return False
    if transcript.background is None or transcript.spotted is None:
        return False
    if not matcher.safety.is_crisis(reading):
        return False  # a meaning only the semantic reading found: not the open LM's phrase
    if any(matcher.safety.is_crisis(t) for t in transcript.alternatives):
        return False
    return (
        coverage(reading, transcript.background) < SUPPORT
        and agreement(reading, transcript.grammar or "") < TRACE
    )


def refuted(reading: str, transcript: Transcript) -> bool:
    """True when the other Kindly pass and the background agree on something else.

    Only for a crisis reading one pass alone heard, that no spotted keyphrase backs.
    """
    background = transcript.background or ""
    other = transcript.open if reading == transcript.grammar else transcript.grammar
    if not other or not background:
        return False
    return (
        coverage(other, background) >= SUPPORT
        and coverage(reading, background) <= REFUTED
        and agreement(reading, other) <= REFUTED
    )


def supported(match: Match, transcript: Transcript, matcher: IntentMatcher) -> bool:
    """True when the background reading backs this (non-crisis) Match."""
    background = transcript.background
    if match.intent is None or background is None:
        return True
    if not background:
        return False
    if matcher.parse(background).intent == match.intent:
        return True
    if coverage(match.text, background) >= SUPPORT:
        return True
    # One word alone ("pause"): the general model's prior for a lone word is weak ("boss",
    # "paul is"), but a background that heard nothing, or a whole sentence, still speaks
    # against it. The grammar and the open pass, two searches of different shape, each
    # hearing exactly that word, against a background of one or two words, will do; so
    # will the grammar hearing it and the open pass having it among its alternatives
    # ("stop" came second to "today") against one background word.
    one = strip_filler(normalize(match.text)).split()

    def words(text: str | None) -> list[str]:
        return strip_filler(normalize(text or "")).split()

    if matcher.catalogue.kind_of(match.intent) != "control" or len(one) != 1:
        return False
    if words(transcript.grammar) != one:
        return False
    short = len(words(background))
    if words(transcript.open) == one:
        return 0 < short <= 2
    return any(words(t) == one for t in transcript.alternatives) and short == 1


def how_close(transcript: Transcript, matcher: IntentMatcher) -> Look:
    """How closely the evidence passes must look, from the first readings alone.

    A crisis is possible when a reading, or one of the open pass's alternatives, holds a
    safety phrase (`is_crisis`): the background may then find the crisis itself, and the
    spotter may back it. A safety statement only the text understanding reads needs the
    background alone (`shared_safety`). Another action is possible when the open reading
    names an intent, or when the grammar's does and the open pass heard much the same
    words (its reading or one of its alternatives). A closed grammar names an intent for
    almost anything, so a grammar reading the open pass did not hear is not acted on, and
    costs no evidence passes.
    """
    first = transcript.first_pass()
    if any(matcher.safety.is_crisis(t) for t in first):
        return Look.CRISIS
    if transcript.open and matcher.parse(transcript.open).intent is not None:
        return Look.BACKGROUND
    if any(matcher.parse(t).kind == "safety" for t in first):  # the background may share it
        return Look.BACKGROUND
    grammar = transcript.grammar or ""
    heard = (transcript.open or "", *transcript.alternatives)
    open_heard_it = transcript.open is None or any(agreement(grammar, t) >= AGREE for t in heard)
    if open_heard_it and grammar and matcher.parse(grammar).intent is not None:
        return Look.BACKGROUND
    return Look.NONE
