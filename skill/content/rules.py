"""What a practice must do for the person listening, checked by `kindly check`.

Loading refuses what cannot run; these rules refuse what would run but not serve:

- it opens with "you can say stop at any time", then a short line that strong feelings
  may come up (both before anything else is asked of the person);
- a short form, where one is declared, keeps both lines and is shorter;
- its estimated pace is 110-135 words a minute (`estimated_wpm`, calibrated on the Piper
  voice: `python -m benchmarks.practices` prints the estimate beside the measurement);
- a phrase to say is cued by a line before it;
- no line grades the listener ("Good.");
- a breathing step comes after another anchor was offered (feet, hands, sounds, or
  letting the breath be), since attention to the breath is not neutral for everyone.

Every error names the file, the key path of the step and its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from skill.content.model import (
    LONG,
    Ask,
    Breathe,
    Catalogue,
    End,
    Pause,
    Phrase,
    Practice,
    Say,
    Step,
)
from skill.errors import ContentError
from skill.yamldoc import YamlDoc

WPM_MIN = 110.0
WPM_MAX = 135.0
# Practice lines are spoken this much slower than answers (Speak.pace of a practice line);
# with the default length_scale 1.15 that is 1.44, and sentence gaps of 0.86 s.
PRACTICE_PACE = 1.25
# The estimate, fitted to Piper's en_US-joe-medium renderings of the shipped practices
# (benchmarks/practices.py; within about 5%): words per second of speech at length_scale 1,
# the gap between sentences and the lead and tail of a line (skill.speaking.tts).
_WORDS_PER_SECOND = 3.95
_SENTENCE_GAP = 0.6
_LINE_EDGES = 0.4
_LENGTH_SCALE = 1.15  # the configured default the estimate assumes

STOP = re.compile(r"\bsay stop\b.*\bany time\b", re.IGNORECASE)
INTENSE = re.compile(
    r"\b(strong|intense|big|difficult|hard|heavy|painful|tender)\b.{0,30}\b(feelings?|emotions?)\b"
    r"|\b(feelings?|emotions?|tears)\b.{0,30}\b(come|comes|coming|stir|rise|surface)\b"
    r"|\b(stir|stirs|bring|brings)\b.{0,12}\b(up|feelings?|worries|sadness)\b",
    re.IGNORECASE,
)
GRADING = re.compile(r"^(good|well done|great|perfect|excellent|nice)\b[.!,]", re.IGNORECASE)
ANCHOR = re.compile(
    r"\b(feet|hands?|sounds?|breath be|breathing be|breathe however|your own pace)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+(\s|$)")
OPENING_SAYS = 3  # the intense-emotions line comes within the first this many lines
PACE_MIN_WORDS = 60  # a pace is only estimated for a practice with this many words


def spoken_steps(practice: Practice, *, short: bool = False) -> list[Step]:
    """The steps of one form: the short form leaves out the `long:` groups."""
    return [s for i, s in enumerate(practice.steps) if not (short and i in practice.long_only)]


def _texts(steps: list[Step]) -> list[str]:
    out: list[str] = []
    for step in steps:
        if isinstance(step, Say | Phrase | Ask | End):
            out.append(step.text)
        elif isinstance(step, Breathe):
            out += [cue for _ in range(step.count) for cue, _ in step.phases()]
    return out


def line_seconds(text: str, length_scale: float) -> float:
    """The estimated length of one spoken line at a length scale."""
    words = len(text.split())
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    speech = words / _WORDS_PER_SECOND + (sentences - 1) * _SENTENCE_GAP + _LINE_EDGES
    return speech * length_scale


def estimated_wpm(practice: Practice, *, short: bool = False) -> float:
    """Words per minute over the spoken lines, estimated from the text alone."""
    texts = _texts(spoken_steps(practice, short=short))
    scale = _LENGTH_SCALE * PRACTICE_PACE
    seconds = sum(line_seconds(t, scale) for t in texts)
    return sum(len(t.split()) for t in texts) / seconds * 60 if seconds else 0.0


def estimated_seconds(practice: Practice, *, short: bool = False) -> float:
    """The whole practice (speech, silences, breaths, waits, chimes), estimated."""
    scale = _LENGTH_SCALE * PRACTICE_PACE
    total = 0.0
    for step in spoken_steps(practice, short=short):
        if isinstance(step, Say | End):
            total += line_seconds(step.text, scale)
        elif isinstance(step, Phrase | Ask):
            total += line_seconds(step.text, scale) + step.wait
        elif isinstance(step, Breathe):
            cues = sum(line_seconds(c, scale) + s for c, s in step.phases())
            total += cues * step.count
        elif isinstance(step, Pause):
            total += step.seconds
        else:
            total += 1.5  # a chime
    return total


def _step_paths(doc: YamlDoc) -> list[tuple[str | int, ...]]:
    """The YAML key path of each step of the flat list, `long:` groups opened."""
    raw = doc.data.get("steps") if isinstance(doc.data, dict) else None
    paths: list[tuple[str | int, ...]] = []
    for i, step in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(step, dict) and list(step) == [LONG] and isinstance(step[LONG], list):
            paths += [("steps", i, LONG, j) for j in range(len(step[LONG]))]
        else:
            paths.append(("steps", i))
    return paths


def practice_errors(practice: Practice, rel: str) -> list[ContentError]:
    """Every rule this practice breaks, each naming file, key path and line."""
    doc = YamlDoc(practice.source, rel)
    paths = _step_paths(doc)

    def at(index: int) -> tuple[str | int, ...]:
        return paths[index] if index < len(paths) else ("steps",)

    errors: list[ContentError] = []
    says = [(i, s) for i, s in enumerate(practice.steps) if isinstance(s, Say)]
    if not says or not STOP.search(says[0][1].text):
        where = at(says[0][0]) if says else ("steps",)
        errors.append(doc.error("the first line must say 'you can say stop at any time'", *where))
    opening = says[:OPENING_SAYS]
    if not any(INTENSE.search(s.text) for _, s in opening):
        where = at(opening[-1][0]) if opening else ("steps",)
        message = f"one of the first {OPENING_SAYS} lines must say strong feelings may come up"
        errors.append(doc.error(message, *where))
    for i, _ in opening[:2]:
        if i in practice.long_only:
            errors.append(doc.error("the opening lines must be in the short form too", *at(i)))
    for i, step in enumerate(practice.steps):
        text = getattr(step, "text", "")
        if text and GRADING.search(text):
            errors.append(doc.error("a line must not grade the listener ('Good.')", *at(i)))
        if isinstance(step, Phrase):
            before = practice.steps[i - 1] if i else None
            if not isinstance(before, Say | Phrase):
                message = "a phrase to say must follow the line that cues it"
                errors.append(doc.error(message, *at(i)))
        if isinstance(step, Breathe):
            said = " ".join(_texts(list(practice.steps[:i])))
            if not ANCHOR.search(said):
                message = "before a breathing step, offer another anchor (feet, hands, sounds)"
                errors.append(doc.error(message, *at(i)))
    for short in (False, True) if practice.short_minutes else (False,):
        words = sum(len(t.split()) for t in _texts(spoken_steps(practice, short=short)))
        wpm = estimated_wpm(practice, short=short)
        if words >= PACE_MIN_WORDS and not WPM_MIN <= wpm <= WPM_MAX:
            form = "short form" if short else "practice"
            message = (
                f"the {form}'s estimated pace is {wpm:.0f} words a minute "
                f"(keep {WPM_MIN:.0f}-{WPM_MAX:.0f}: shorter sentences, fewer words)"
            )
            errors.append(doc.error(message, "steps"))
    if practice.short_minutes:
        short_s, long_s = (estimated_seconds(practice, short=s) for s in (True, False))
        if short_s > practice.short_minutes * 60 * 1.5 or short_s >= long_s:
            message = (
                f"the short form is estimated at {short_s:.0f} s: "
                f"make it fit about {practice.short_minutes:g} minutes"
            )
            errors.append(doc.error(message, "short_minutes"))
    return errors


def content_rule_errors(catalogue: Catalogue) -> list[ContentError]:
    """The rules above for every practice of the catalogue."""
    errors: list[ContentError] = []
    for practice in catalogue.practices.values():
        errors += practice_errors(practice, _rel(catalogue.root, practice.source))
    return errors


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
