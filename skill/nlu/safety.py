"""Safety: crisis, abuse, medical-emergency and concern-for-someone-else detection that
outranks everything.

Detection is tuned for recall. It runs on every transcript before intent matching, on the
normalised text, with the patterns of `intents/safety/*.yaml`. A false alarm costs one
kind sentence; a miss costs far more.

Which safety response fits: a line any safety file flags is safety. It is `abuse`,
`emergency` or `concern` (tried in that order) when that file's detector matches and, with
the words it matched cut out, the crisis detector no longer fires (so "he hits me and I
want to die" stays `crisis`, whose response also gives the emergency number), and no
crisis pattern match starts outside its matches ("I hope a bus hits me", "he hit me and I
wished he'd killed me" are crisis); else `crisis`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skill.content.model import Catalogue, Region, Safety
from skill.errors import ConfigError
from skill.nlu.normalize import normalize
from skill.nlu.prefilter import PatternSet, word_prefixes

DEFAULT_REGION = "us"
CRISIS = "crisis"
ABUSE = "abuse"
EMERGENCY = "emergency"
CONCERN = "concern"  # someone else at risk: tried last, after abuse and emergency


@dataclass(frozen=True)
class CrisisResponse:
    """What Kindly says after a safety statement (crisis, abuse, emergency), for one region.

    With `ask`, Kindly asks it first (is it safe to talk?) and says `lines` on a yes,
    `quiet` on a no.
    """

    lines: tuple[str, ...]
    repeat: tuple[str, ...]
    region: Region
    code: str = DEFAULT_REGION
    ask: str = ""
    quiet: tuple[str, ...] = ()


def _matches(norm: str, prefixes: frozenset[str], *sets: PatternSet) -> list[tuple[int, int]]:
    """Where the patterns of `sets` match in `norm`, every match of each, in order."""
    return sorted(
        m.span() for ps in sets for i in ps.candidates(prefixes) for m in ps.regex(i).finditer(norm)
    )


def _spans(norm: str, prefixes: frozenset[str], *sets: PatternSet) -> list[list[int]]:
    """Where the patterns of `sets` match in `norm`, every match of each, overlapping ones
    merged."""
    spans: list[list[int]] = []
    for start, stop in _matches(norm, prefixes, *sets):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], stop)
        else:
            spans.append([start, stop])
    return spans


def _cut_all(norm: str, *sets: PatternSet) -> str:
    """`norm` with every match of every pattern of `sets` replaced by a separator,
    overlapping matches merged: "diabetic and he fainted" and "fainted and will not wake
    up" are both cut, so the crisis file finds no "will not wake up" left over (session
    40). All are found in the text as it stands: a risk word is cut even when a pattern's
    match took away its start (session 46: "the baby is floppy and will not wake")."""
    out, end = "", 0
    for start, stop in _spans(norm, word_prefixes(norm), *sets):
        out += norm[end:start] + " | "
        end = stop
    return out + norm[end:]


def _windowed(phrase: re.Match[str], said: list[tuple[int, int]]) -> bool:
    """A statement overlapping an everyday phrase's match (each tried alone) is not the
    phrase's own words: with it cut out, the phrase still matches there (it sat in the
    phrase's window or tail)."""
    line, start, stop = phrase.string, phrase.start(), phrase.end()
    for a, b in said:
        if b <= start or a >= stop:
            continue
        holed = (line[:a] + " " + line[b:]).rstrip()  # a phrase may end on the line's end
        lo, hi = min(a, start), max(stop, b) + 1 - (b - a)
        if any(m.start() < hi and m.end() > lo for m in phrase.re.finditer(holed)):
            return True
    return False


class Detector:
    """One safety file's patterns, and its broad net of risk words outside idioms.

    Every method takes `prefixes`, the `word_prefixes` of the line, computed once per
    line: each pattern runs only when a word of the line can start a match."""

    def __init__(self, safety: Safety) -> None:
        self.safety = safety
        self._pattern = PatternSet(safety.patterns)
        risk = (*safety.risk_words, *safety.check_in)
        self._risk = PatternSet(rf"\b(?:{w})\b" for w in risk)
        self._idioms = PatternSet(rf"\b(?:{w})\b" for w in safety.idioms)
        self._check_in = PatternSet(rf"\b(?:{w})\b" for w in safety.check_in)
        self._benign = PatternSet(rf"\b(?:{w})\b" for w in safety.benign)
        self._meant = PatternSet(rf"\b(?:{w})\b" for w in safety.meant)
        self._plain = PatternSet(rf"\b(?:{w})\b" for w in safety.plain)
        self._jokes = PatternSet(rf"\b(?:{w})\b" for w in safety.jokes)
        self._frames = PatternSet(safety.frames)
        self._worry = PatternSet(rf"\b(?:{w})\b" for w in safety.worry)

    def search(self, norm: str, prefixes: frozenset[str]) -> bool:
        if not norm:
            return False
        if self.safety.benign:
            # Cutting everyday phrases takes matches away (only a pattern with a window
            # could gain one, when a cut brings its two ends closer), so a line that
            # matches nothing as it stands (most lines) skips the cut, which costs more
            # than the search itself.
            if not (self._pattern.search(norm, prefixes) or self._risk.search(norm, prefixes)):
                return False
            norm = self._unexcused(norm, prefixes)
        if self._pattern.search(norm, prefixes):
            return True
        if not self._risk.search(norm, prefixes):
            return False
        return self._risk.search(self._idioms.sub(norm, prefixes), prefixes)

    def _unexcused(self, norm: str, prefixes: frozenset[str]) -> str:
        """The text with this file's everyday phrases cut out (`_everyday_cut`), unless the
        person says they mean it (`meant`)."""
        if self._meant.search(norm, prefixes):
            return norm
        return self._everyday_cut(norm, prefixes)

    def _everyday_cut(self, norm: str, prefixes: frozenset[str]) -> str:
        """The text with this file's everyday phrases cut out, but for one whose window
        holds a plain statement (`plain`) that is not the phrase's own words: "work is hell
        and I want to die, this is my last day" is no goodbye at work, while "I'm going to
        kill myself if this game crashes" is the game phrase itself."""
        if not self._plain.search(norm, prefixes):  # most lines
            return self._benign.sub(norm, prefixes)
        plain = _matches(norm, prefixes, self._plain)
        return self._benign.sub(
            norm, prefixes, lambda phrase: phrase.group(0) if _windowed(phrase, plain) else " | "
        )

    def outweighs(self, other: Detector, norm: str, prefixes: frozenset[str]) -> bool:
        """A pattern match of this file's that starts outside every match of `other`'s (its
        patterns and risk words, overlapping ones merged), or is one of them, both searched
        in the text with this file's everyday phrases cut out: "hoping a bus hits me" is a
        death wish, not a person who hits, and in "he hit me again and I wished he'd killed
        me" the wish is the person's own (session 45). Not one that starts inside `other`'s
        match: "my ex pinches my arm until it bruises" is abuse, though this file reads
        self-harm in its end."""
        text = self._unexcused(norm, prefixes)
        theirs = _spans(text, prefixes, other._pattern, other._risk)
        return any(
            not any(a <= start < b and (a, b) != (start, stop) for a, b in theirs)
            for start, stop in _spans(text, prefixes, self._pattern)
        )

    def frames(self, norm: str, prefixes: frozenset[str]) -> list[str]:
        """The texts this file's frames match, each frame's matches in turn; none in a line
        without a `worry` word."""
        if not self._worry.search(norm, prefixes):
            return []
        rx = self._frames.regex
        return [m.group(0) for i in self._frames.candidates(prefixes) for m in rx(i).finditer(norm)]

    def cut(self, norm: str) -> str:
        """The text with what this detector matched replaced by a separator: every match of
        its patterns, idioms and risk words, overlapping ones too."""
        return _cut_all(norm, self._pattern, self._idioms, self._risk)

    def idiom(self, norm: str, prefixes: frozenset[str]) -> bool:
        """One of this file's idioms or everyday phrases is in the text."""
        return self._idioms.search(norm, prefixes) or self._benign.search(norm, prefixes)

    def benign(self, norm: str, prefixes: frozenset[str]) -> str | None:
        """The text with this file's everyday phrases (not its idioms) replaced by
        separators, or None when it holds none."""
        cut = self._benign.sub(norm, prefixes)
        return cut if cut != norm else None

    def everyday(self, norm: str, prefixes: frozenset[str]) -> str:
        """The text with this file's idioms and everyday phrases replaced by separators."""
        return self._idioms.sub(self._benign.sub(norm, prefixes), prefixes)

    def outright(self, norm: str, prefixes: frozenset[str]) -> bool:
        """The match rests on risk words alone: with them cut out, no pattern matches."""
        rest = self._risk.sub(self._everyday_cut(norm, prefixes), prefixes)
        return not self._pattern.search(rest, prefixes)

    def risk_spans(self, norm: str) -> list[tuple[int, int]]:
        """Where this file's risk words are: the first word of each and the word after it."""
        return [
            (len(norm[: m.start()].split()), len(norm[: m.end()].split()))
            for m in self._risk.alternation.finditer(norm)
        ]

    def possible(self, norm: str, prefixes: frozenset[str]) -> bool:
        """Only an uncertain risk word ("a burden"): a gentle check-in fits, mid-practice."""
        if not self.safety.check_in or not self._check_in.search(norm, prefixes):
            return False
        return not self.search(self._check_in.sub(norm, prefixes), prefixes)

    def joking(self, norm: str, prefixes: frozenset[str]) -> bool:
        """The flag rests inside a joke's frame ("I'll top myself if the printer jams one
        more time"): with the frames cut out, nothing flags."""
        if not self.safety.jokes or not self._jokes.search(norm, prefixes):
            return False
        return not self.search(self._jokes.sub(norm, prefixes), prefixes)


class SafetyCheck:
    """Every safety detector compiled from the content; crisis first."""

    def __init__(self, catalogue_or_safety: Catalogue | Safety) -> None:
        if isinstance(catalogue_or_safety, Safety):
            safeties = {catalogue_or_safety.id: catalogue_or_safety}
        else:
            safeties = catalogue_or_safety.safeties
        if CRISIS not in safeties:
            raise ConfigError("the content has no safety intent 'crisis'")
        self.safety = safeties[CRISIS]
        self.safeties = safeties
        self._crisis = Detector(self.safety)
        self._others = [Detector(s) for k, s in safeties.items() if k not in (CRISIS, CONCERN)]
        self._others.sort(key=lambda d: (d.safety.id != ABUSE, d.safety.id))
        self._by_id = {d.safety.id: d for d in self._others}
        self._concern = Detector(safeties[CONCERN]) if CONCERN in safeties else None

    def is_crisis(self, text: str) -> bool:
        """True when the text (raw or already normalised) may be any safety statement."""
        return self.classify(normalize(text)) is not None

    def is_crisis_normalized(self, norm: str) -> bool:
        """True when normalised text may be any safety statement (crisis, abuse, ...)."""
        return self.classify(norm) is not None

    def classify(self, norm: str, prefixes: frozenset[str] | None = None) -> str | None:
        """The safety intent for normalised text: crisis, abuse, emergency, concern, or None."""
        if not norm:
            return None
        if prefixes is None:
            prefixes = word_prefixes(norm)
        crisis = self._crisis.search(norm, prefixes)
        other = False  # another safety file flags it: never concern (see concern.yaml)
        for detector in self._others:
            if detector.search(norm, prefixes):
                other = True
                cut = detector.cut(norm)
                # (a crisis match made only by the cut, its two ends brought together,
                # never counts)
                if not crisis or not (
                    self._crisis.search(cut, word_prefixes(cut))
                    or self._crisis.outweighs(detector, norm, prefixes)
                ):
                    return detector.safety.id
        if self._concern and not other and self._anothers(self._concern, norm, prefixes, crisis):
            return CONCERN
        if crisis:
            return CRISIS
        return None

    def _anothers(
        self, concern: Detector, norm: str, prefixes: frozenset[str], crisis: bool
    ) -> bool:
        """The risk is someone else's, and the speaker's own is not in the line: a pattern
        of the concern file ("my son has been cutting himself") with nothing the crisis
        file flags outside it, or a frame of it ("my son told me he'd rather not wake up")
        that the crisis file flags alone, leaving nothing it flags outside; and none of
        its idioms in the line (looked for last: most lines match nothing before)."""
        if concern.search(norm, prefixes):
            cut = concern.cut(norm)
            found = not self._crisis.search(cut, word_prefixes(cut))
        else:
            found = crisis and any(
                self._crisis.search(frame, word_prefixes(frame))
                and not self._crisis.search(rest, word_prefixes(rest))
                for frame in concern.frames(norm, prefixes)
                for rest in [norm.replace(frame, " | ")]
            )
        return found and not concern.idiom(norm, prefixes)

    def excused(self, norm: str, intent: str, prefixes: frozenset[str] | None = None) -> bool:
        """An idiom of that safety file is in the text ("laughing so hard" for emergency).

        Never for crisis: recall first (a grief idiom sits in many crisis statements)."""
        if prefixes is None:
            prefixes = word_prefixes(norm)
        return any(d.safety.id == intent and d.idiom(norm, prefixes) for d in self._others)

    def everyday(self, norm: str, intent: str, prefixes: frozenset[str]) -> str | None:
        """The text with that safety file's idioms and everyday phrases cut out, or None
        when it holds none ("disappear into a good book" for crisis)."""
        detector = self._crisis if intent == CRISIS else self._by_id.get(intent)
        if detector is None or not detector.idiom(norm, prefixes):
            return None
        return detector.everyday(norm, prefixes)

    def crisis_everyday_cut(self, norm: str, prefixes: frozenset[str]) -> str | None:
        """The text with the everyday phrases crisis words sit in cut out ("my character
        got unalived"), or None when it holds none."""
        return self._crisis.benign(norm, prefixes)

    def outright(self, norm: str, prefixes: frozenset[str]) -> bool:
        """A crisis flag that rests only on risk said in so many words ("die", "kill
        myself", "overdose"), words as often used as figures of speech; not on a pattern
        of a plan or a goodbye told through everyday things ("the pin for my laptop is in
        the blue book so my sister can get in after")."""
        return self._crisis.outright(norm, prefixes)

    def risk_spans(self, norm: str) -> list[tuple[int, int]]:
        """Where the crisis risk words are in normalised text, as word spans."""
        return self._crisis.risk_spans(norm)

    def uncertain(self, norm: str, prefixes: frozenset[str] | None = None) -> bool:
        """A crisis flag that rests only on a check-in word ("I felt like a burden")."""
        if prefixes is None:
            prefixes = word_prefixes(norm)
        return self.classify(norm, prefixes) == CRISIS and self._crisis.possible(norm, prefixes)

    def joking(self, norm: str, prefixes: frozenset[str]) -> bool:
        """A crisis flag that rests inside a joke's frame ("if I hear that song one more
        time I'll shoot myself")."""
        return self._crisis.joking(norm, prefixes)

    def response(self, region: str = DEFAULT_REGION, intent: str = CRISIS) -> CrisisResponse:
        """The response of one safety intent with the numbers of `region` filled in."""
        return _response(self.safeties[intent], region)

    def responses(self, region: str = DEFAULT_REGION) -> dict[str, CrisisResponse]:
        return {k: _response(s, region) for k, s in self.safeties.items()}


def safety_responses(catalogue: Catalogue, region: str) -> dict[str, CrisisResponse]:
    """Every safety intent's response for a region (no patterns compiled)."""
    return {k: _response(s, region) for k, s in catalogue.safeties.items()}


def _response(safety: Safety, region: str) -> CrisisResponse:
    try:
        info = safety.regions[region.lower()]
    except KeyError:
        known = ", ".join(sorted(safety.regions))
        raise ConfigError(f"unknown region '{region}' for {safety.id} (known: {known})") from None
    fields = {"helpline": info.helpline, "emergency": info.emergency, "region": info.name}
    return CrisisResponse(
        tuple(line.format(**fields) for line in safety.response),
        tuple(line.format(**fields) for line in safety.repeat),
        info,
        region.lower(),
        safety.ask.format(**fields),
        tuple(line.format(**fields) for line in safety.quiet),
    )


def safety_check(catalogue: Catalogue) -> SafetyCheck:
    """The detector for a catalogue (its `safety/*.yaml`, crisis required)."""
    return SafetyCheck(catalogue)
