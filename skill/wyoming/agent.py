"""The conversation agent: one transcript in, one reply out, safety first.

The understanding is Kindly's own: `IntentMatcher.parse`, the same call and the same Match
as `kindly parse`. What is done with the Match:

- safety (crisis, abuse, emergency, any intent of kind `safety`): Handled, the full safety
  response for the configured region (a response that asks first, "are you safe to
  talk?", asks, and the next line of the same conversation gets the rest);
- info: Handled, the answer; distress (low mood, grief, panic): Handled, its answer with
  the region's numbers, and with a Kindly speaker an offer of its practice there;
- a practice: Handled, its short form (one spoken response), and with a Kindly speaker an
  offer to guide the whole practice there (the speaker asks first);
- anything else: NotHandled, so Home Assistant's own agent can take it.

Privacy: the transcript is used here and dropped. Nothing is logged about it; the only
memory is, per conversation id for five minutes, which safety response was given (so
"repeat" works) or is waiting for a yes. Pure and synchronous: no I/O.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event
from wyoming.handle import Handled, NotHandled

from skill.content.model import Catalogue, Info, Intent, Practice, Safety
from skill.errors import ConfigError
from skill.nlu.intents import CRISIS, IntentMatcher, Match
from skill.wyoming.short import load_short_forms

# A spoken request is a sentence or two. Understanding costs ~10 µs a character, so a
# longer text gets only the safety check on its first MAX_CHARS, then NotHandled.
MAX_CHARS = 1000
MEMORY_SECONDS = 300.0  # Home Assistant keeps a satellite's conversation id ~5 minutes
MEMORY_SIZE = 1000
_YES = re.compile(r"\b(yes|yeah|yep|yup|sure|okay|ok|alright|i am|i'm safe|it is|go ahead)\b")
_NO = re.compile(r"\b(no|nope|not now|not really|not safe|can't|cannot|later)\b")
TOO_LONG = "That was more than I can take in at once. Could you say it in a sentence or two?"


@dataclass(frozen=True)
class SafetyReply:
    """One safety intent's response, with the region's numbers filled in."""

    lines: tuple[str, ...]
    repeat: tuple[str, ...]
    ask: str = ""
    quiet: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What to answer: Handled (text) or NotHandled; `offer`: a practice for the speaker."""

    handled: bool
    text: str
    intent: str | None = None
    kind: str = "none"
    offer: str | None = None

    def event(self) -> Event:
        if self.handled:
            return Handled(text=self.text).event()
        return NotHandled(text=self.text or None).event()


def safety_replies(catalogue: Catalogue, region: str) -> dict[str, SafetyReply]:
    """Every safety intent's response for `region`; the crisis one fills any gap."""
    crisis = catalogue.intents.get(CRISIS)
    if not isinstance(crisis, Safety):
        raise ConfigError("the content has no safety intent 'crisis'")
    replies = {}
    for safety in (i for i in catalogue.intents.values() if isinstance(i, Safety)):
        info = (safety.regions or crisis.regions).get(region.lower())
        info = info or crisis.regions.get(region.lower())
        if info is None:
            known = ", ".join(sorted(crisis.regions))
            raise ConfigError(f"unknown region '{region}' (known: {known})")
        fields = {"helpline": info.helpline, "emergency": info.emergency, "region": info.name}

        ask: str = getattr(safety, "ask", "") or ""
        quiet: tuple[str, ...] = tuple(getattr(safety, "quiet", ()) or ())
        replies[safety.id] = SafetyReply(
            _fill(safety.response or crisis.response, fields, safety),
            _fill(safety.repeat or crisis.repeat, fields, safety),
            _fill((ask,), fields, safety)[0] if ask else "",
            _fill(quiet, fields, safety),
        )
    return replies


def region_fields(catalogue: Catalogue, region: str) -> dict[str, str]:
    """{helpline}, {emergency} and {region} of the crisis response for `region`."""
    crisis = catalogue.intents.get(CRISIS)
    info = crisis.regions.get(region.lower()) if isinstance(crisis, Safety) else None
    if info is None:
        return {"helpline": "", "emergency": "", "region": ""}
    return {"helpline": info.helpline, "emergency": info.emergency, "region": info.name}


def _fill(lines: tuple[str, ...], fields: dict[str, str], intent: Intent) -> tuple[str, ...]:
    try:
        return tuple(str(line).format(**fields) for line in lines)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{intent.source}: a line has a bad {{field}}: {exc}") from None


class Memory:
    """Per conversation id, for a few minutes: the safety intent given, or asked about."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, str, bool]] = OrderedDict()
        self._lock = threading.Lock()  # short lines are answered on the event loop, long
        # ones on a worker thread: both may use the memory

    def get(self, key: str | None) -> tuple[str, bool] | None:
        """(safety intent id, still waiting for an answer to its question) or None."""
        if key is None:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            at, intent, asking = found
            if self.clock() - at > MEMORY_SECONDS:
                del self._items[key]
                return None
            return intent, asking

    def put(self, key: str | None, intent: str, asking: bool) -> None:
        if key is None:
            return
        with self._lock:
            self._items[key] = (self.clock(), intent, asking)
            self._items.move_to_end(key)
            while len(self._items) > MEMORY_SIZE:
                self._items.popitem(last=False)

    def forget(self, key: str | None) -> None:
        if key is not None:
            with self._lock:
                self._items.pop(key, None)


class Agent:
    """Kindly as a conversation agent. Thread-safe: the matcher is read-only after it is
    built, and the memory has its own lock."""

    def __init__(self, matcher: IntentMatcher, *, region: str, speaker: bool) -> None:
        self.matcher = matcher
        self.catalogue = matcher.catalogue
        self.safety = safety_replies(self.catalogue, region)
        self.fields = region_fields(self.catalogue, region)
        self.short_forms = load_short_forms(self.catalogue)
        self.speaker = speaker  # a Kindly speaker can be asked to guide the whole practice
        self.not_understood = self.catalogue.phrases.get("not_understood", "")
        self.memory = Memory()

    def reply(self, text: str, context: Mapping[str, Any] | None = None) -> Reply:
        """The reply to one transcript. Never raises on any string or context."""
        key = _conversation(context)
        if len(text) > MAX_CHARS:
            match = self.matcher.parse(text[:MAX_CHARS])
            if match.kind == "safety":
                return self._safety(match, key)
            return Reply(False, TOO_LONG)
        match = self.matcher.parse(text)
        if match.kind == "safety":
            return self._safety(match, key)
        remembered = self.memory.get(key)
        if remembered is not None:
            answered = self._follow_up(match, key, *remembered)
            if answered is not None:
                return answered
        return self._answer(match)

    def _answer(self, match: Match) -> Reply:
        intent = self.catalogue.intents.get(match.intent or "")
        if isinstance(intent, Info) and intent.answer:
            return Reply(True, " ".join(intent.answer), intent.id, match.kind)
        if isinstance(intent, Practice):
            text = self.short_forms.get(intent.id) or intent.summary
            return self._offer(text, intent.id, match.kind, intent, "the whole ")
        answer = getattr(intent, "answer", None)  # distress: an answer, then its practice
        if intent is not None and answer:
            text = " ".join(_fill(tuple(answer), self.fields, intent))
            practice = self.catalogue.practices.get(getattr(intent, "practice", "") or "")
            return self._offer(text, intent.id, match.kind, practice)
        return Reply(False, self.not_understood, match.intent, match.kind)

    def _offer(
        self, text: str, intent: str, kind: str, practice: Practice | None, whole: str = ""
    ) -> Reply:
        """`text`, and with a Kindly speaker the offer to guide `practice` there."""
        if not self.speaker or practice is None:
            return Reply(True, text, intent, kind)
        title = practice.title or practice.id.replace("_", " ")
        offer = f"Your Kindly speaker can guide {whole}{title}: it will ask you first."
        return Reply(True, f"{text} {offer}", intent, kind, offer=practice.id)

    def _safety(self, match: Match, key: str | None) -> Reply:
        intent = match.intent if match.intent in self.safety else CRISIS
        reply = self.safety[intent]
        if reply.ask:
            self.memory.put(key, intent, True)
            return Reply(True, reply.ask, intent, "safety")
        self.memory.put(key, intent, False)
        return Reply(True, " ".join(reply.lines), intent, "safety")

    def _follow_up(self, match: Match, key: str | None, intent: str, asking: bool) -> Reply | None:
        """The next line after a safety response: an answer to its question, or "repeat"."""
        reply = self.safety.get(intent)
        if reply is None:
            return None
        said = match.text.lower()
        if asking:
            if _NO.search(said) or match.intent == "stop":
                self.memory.put(key, intent, False)
                return Reply(True, " ".join(reply.quiet or reply.repeat), intent, "safety")
            if _YES.search(said):
                self.memory.put(key, intent, False)
                return Reply(True, " ".join(reply.lines), intent, "safety")
        if match.intent == "repeat":
            return Reply(True, " ".join(reply.repeat or reply.lines), intent, "safety")
        self.memory.forget(key)
        return None


def _conversation(context: Mapping[str, Any] | None) -> str | None:
    if not isinstance(context, Mapping):
        return None
    for name in ("conversation_id", "satellite_id", "device_id"):
        value = context.get(name)
        if isinstance(value, str) and value:
            return f"{name}:{value[:200]}"
    return None
