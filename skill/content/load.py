"""Loading `intents/` YAML into a Catalogue (the dataclasses are in skill.content.model).

Every loader error names the file, the key path and the line, so a person editing a
practice can find the mistake without reading Python.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from skill.content.guard import PATTERN_KEYS, fields_known, patterns_compile, unusable_file
from skill.content.model import (
    CHIMES,
    KINDS,
    LONG,
    STEP_TYPES,
    Ask,
    Breathe,
    Catalogue,
    Chime,
    Distress,
    End,
    Info,
    Intent,
    Pause,
    Phrase,
    Practice,
    Region,
    Safety,
    Say,
    Step,
)
from skill.errors import ContentError, ContentErrors
from skill.yamldoc import YamlDoc


def default_root() -> Path:
    """The content folder: $KINDLY_CONTENT, the repository's `intents/`, or the installed copy."""
    if os.environ.get("KINDLY_CONTENT"):
        return Path(os.environ["KINDLY_CONTENT"])
    repo = Path(__file__).resolve().parents[2] / "intents"
    return repo if repo.is_dir() else Path(sys.prefix) / "share" / "kindly" / "intents"


def _str(doc: YamlDoc, data: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise doc.error(f"missing required field '{key}'", key)
        return ""
    if not isinstance(value, str) or not value.strip():
        raise doc.error("must be non-empty text", key)
    return value.strip()


def _number(doc: YamlDoc, value: Any, *path: str | int, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise doc.error(f"must be a number >= {minimum:g}", *path)
    return float(value)


def _strings(doc: YamlDoc, data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        raise doc.error(f"missing required field '{key}'", key)
    if not isinstance(value, list) or not value:
        raise doc.error("must be a non-empty list", key)
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise doc.error("must be non-empty text", key, i)
    return tuple(s.strip() for s in value)


def _optional_strings(doc: YamlDoc, data: dict[str, Any], key: str) -> tuple[str, ...]:
    return _strings(doc, data, key) if key in data else ()


def _step(doc: YamlDoc, raw: Any, i: int, at: tuple[str | int, ...] = ("steps",)) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise doc.error(f"a step is one of {', '.join(STEP_TYPES)} with its value", *at, i)
    ((kind, value),) = raw.items()
    where: tuple[str | int, ...] = (*at, i, kind)
    if kind in ("say", "end"):
        if not isinstance(value, str) or not value.strip():
            raise doc.error("must be non-empty text", *where)
        return Say(value.strip()) if kind == "say" else End(value.strip())
    if kind == "pause":
        return Pause(_number(doc, value, *where, minimum=0.1))
    if kind == "phrase":  # "text", or {text, wait}
        if isinstance(value, str) and value.strip():
            return Phrase(value.strip())
        if not isinstance(value, dict) or set(value) - {"text", "wait"}:
            raise doc.error("must be text, or a mapping with text and wait", *where)
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            raise doc.error("missing required field 'text'", *where)
        return Phrase(text.strip(), _number(doc, value.get("wait", 5), *where, "wait", minimum=1))
    if kind == "chime":
        value = value or "soft"
        if value not in CHIMES:
            raise doc.error(f"unknown chime '{value}' (use {' or '.join(CHIMES)})", *where)
        return Chime(value)
    if kind in ("breathe", "ask"):
        if not isinstance(value, dict):
            raise doc.error("must be a mapping", *where)
        allowed = {"breathe": {"count", "inhale", "exhale", "hold"}, "ask": {"text", "wait"}}[kind]
        for key in value:
            if key not in allowed:
                raise doc.error(f"unknown field '{key}'", *where, key)
        if kind == "ask":
            text = value.get("text")
            if not isinstance(text, str) or not text.strip():
                raise doc.error("missing required field 'text'", *where)
            return Ask(text.strip(), _number(doc, value.get("wait", 10), *where, "wait"))
        count = value.get("count", 3)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise doc.error("must be a whole number >= 1", *where, "count")
        return Breathe(
            count,
            _number(doc, value.get("inhale", 4), *where, "inhale", minimum=1),
            _number(doc, value.get("exhale", 6), *where, "exhale", minimum=1),
            _number(doc, value.get("hold", 0), *where, "hold"),
        )
    raise doc.error(f"unknown step type '{kind}' (use one of {', '.join(STEP_TYPES)})", *where)


def _is_group(raw: Any) -> bool:
    return isinstance(raw, dict) and list(raw) == [LONG]


def _nested(doc: YamlDoc, i: int, j: int) -> Step:
    raise doc.error("a 'long:' group cannot hold another", "steps", i, LONG, j)


def _practice(doc: YamlDoc, data: dict[str, Any], base: dict[str, Any]) -> Practice:
    minutes = _number(doc, data.get("minutes"), "minutes", minimum=0.1) if "minutes" in data else 0
    if not minutes:
        raise doc.error("missing required field 'minutes'", "minutes")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise doc.error("missing or empty 'steps'", "steps")
    flat: list[Step] = []
    long_only: set[int] = set()
    for i, raw in enumerate(raw_steps):
        if isinstance(raw, dict) and list(raw) == [LONG]:  # steps only the long form plays
            group = raw[LONG]
            if not isinstance(group, list) or not group:
                raise doc.error("must be a non-empty list of steps", "steps", i, LONG)
            at: tuple[str | int, ...] = ("steps", i, LONG)
            for j, inner in enumerate(group):
                long_only.add(len(flat))
                flat.append(_nested(doc, i, j) if _is_group(inner) else _step(doc, inner, j, at))
        else:
            flat.append(_step(doc, raw, i))
    steps = tuple(flat)
    short_minutes = 0.0
    if "short_minutes" in data:
        short_minutes = _number(doc, data["short_minutes"], "short_minutes", minimum=0.1)
        if not long_only:
            raise doc.error("a short form needs steps in a 'long:' group to leave out", "steps")
        if short_minutes >= minutes:
            raise doc.error("must be less than 'minutes'", "short_minutes")
    elif long_only:
        raise doc.error("'long:' steps need 'short_minutes' (the short form's length)", "steps")
    first_say = next((s for s in steps if isinstance(s, Say)), None)
    if first_say is None or "stop" not in first_say.text.lower():
        raise doc.error("the first 'say' must tell the person they can say stop", "steps")
    if not isinstance(steps[-1], End):
        raise doc.error("the last step must be 'end'", "steps", len(steps) - 1)
    if any(isinstance(s, End) for s in steps[:-1]):
        raise doc.error("'end' may only be the last step", "steps")
    return Practice(
        **base,
        minutes=minutes,
        summary=_str(doc, data, "summary", required=False),
        offer=_str(doc, data, "offer", required=False)
        or f"Would you like to do the {base['title']} now?",
        steps=steps,
        short_minutes=short_minutes,
        long_only=frozenset(long_only),
    )


def _safety(doc: YamlDoc, data: dict[str, Any], base: dict[str, Any]) -> Safety:
    regions: dict[str, Region] = {}
    raw_regions = data.get("regions") or {}
    if not isinstance(raw_regions, dict) or not raw_regions:
        raise doc.error("missing required field 'regions'", "regions")
    for code, raw in raw_regions.items():
        if not isinstance(raw, dict):
            raise doc.error("must be a mapping", "regions", str(code))
        sub = {k: raw.get(k) for k in ("name", "helpline", "emergency")}
        for key, value in sub.items():
            if not isinstance(value, str) or not value.strip():
                raise doc.error(f"missing required field '{key}'", "regions", str(code))
        regions[str(code).lower()] = Region(**{k: str(v) for k, v in sub.items()})
    fields_known(doc, data)
    # every pattern list but `patterns` itself may be left out
    optional = (k for k in PATTERN_KEYS if k != "patterns")
    lists: dict[str, Any] = {k: _optional_strings(doc, data, k) for k in optional}
    return Safety(
        **base,
        **lists,
        patterns=_strings(doc, data, "patterns"),
        response=_strings(doc, data, "response"),
        repeat=_strings(doc, data, "repeat"),
        regions=regions,
        ask=_str(doc, data, "ask", required=False),
        quiet=_optional_strings(doc, data, "quiet"),
    )


def _distress(doc: YamlDoc, data: dict[str, Any], base: dict[str, Any]) -> Distress:
    return Distress(
        **base,
        answer=_strings(doc, data, "answer"),
        practice=_str(doc, data, "practice"),
        offer=_str(doc, data, "offer"),
        patterns=_optional_strings(doc, data, "patterns"),
        benign=_optional_strings(doc, data, "benign"),
    )


_FIELDS = {
    "practice": {"id", "kind", "title", "minutes", "summary", "offer", "sentences", "steps"}
    | {"short_minutes", "choice"},
    "info": {"id", "kind", "title", "sentences", "answer", "choice"},
    "control": {"id", "kind", "title", "sentences", "guess_needs"},
    "safety": {"id", "kind", "title", "sentences", "response", "repeat", "regions", "ask", "quiet"}
    | set(PATTERN_KEYS),
    "distress": {"id", "kind", "title", "sentences", "answer", "practice", "offer", "choice"}
    | {"patterns", "benign"},
}


def load_intent(path: Path, root: Path) -> Intent:
    """Load one intent file; raises ContentError naming file, key and line."""
    rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    doc = YamlDoc(path, rel)
    data = doc.data
    if not isinstance(data, dict):
        raise ContentError(rel, "", 1, "must be a mapping with id, kind and sentences")
    kind = data.get("kind")
    if kind not in KINDS:
        raise doc.error(f"kind must be one of {', '.join(KINDS)}", "kind")
    for key in data:
        if key not in _FIELDS[kind]:
            raise doc.error(f"unknown field '{key}' for a {kind}", str(key))
    patterns_compile(doc, data)
    intent_id = _str(doc, data, "id")
    if intent_id != path.stem:
        raise doc.error(f"id '{intent_id}' must equal the file name '{path.stem}'", "id")
    base: dict[str, Any] = {
        "id": intent_id,
        "kind": kind,
        # a safety intent may be found by its patterns alone (concern)
        "sentences": (_optional_strings if kind == "safety" else _strings)(doc, data, "sentences"),
        "source": path,
        "title": _str(doc, data, "title", required=kind in ("practice", "info")),
        "choice": _str(doc, data, "choice", required=False),
        "guess_needs": _optional_strings(doc, data, "guess_needs"),
    }
    if kind == "practice":
        return _practice(doc, data, base)
    if kind == "info":
        return Info(**base, answer=_strings(doc, data, "answer"))
    if kind == "safety":
        return _safety(doc, data, base)
    if kind == "distress":
        return _distress(doc, data, base)
    return Intent(**base)


def _load_rules(path: Path, root: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    if not path.exists():
        return {}, ()
    doc = YamlDoc(path, str(path.relative_to(root.parent)))
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ContentError(doc.rel, "", 1, "must be a mapping")
    rules = data.get("expansion_rules") or {}
    if not isinstance(rules, dict) or not all(isinstance(v, str) for v in rules.values()):
        raise doc.error("must map rule names to template text", "expansion_rules")
    skip = data.get("skip_words") or []
    if not isinstance(skip, list) or not all(isinstance(v, str) for v in skip):
        raise doc.error("must be a list of words", "skip_words")
    return {str(k): v for k, v in rules.items()}, tuple(skip)


PHRASES = (
    "welcome",
    "not_understood",
    "nothing_heard",
    "stopped",
    "paused",
    "resumed",
    "slower",
    "faster",
    "nothing_to_resume",
    "offer_declined",
    "trouble_hearing",
    "check_in",
    "grounding",
    "nothing_playing",
    "time_left",
    "check_in_declined",
    "choose",
    "remember_offer",
    "remembered",
    "not_remembered",
    "helped_before",
    "nothing_remembered",
    "forgotten",
)


def _load_phrases(path: Path, root: Path) -> dict[str, str]:
    rel = str(path.relative_to(root.parent))
    if not path.exists():
        raise ContentError(rel, "", None, "missing: it holds what Kindly says between practices")
    doc = YamlDoc(path, rel)
    data = doc.data
    if not isinstance(data, dict):
        raise ContentError(rel, "", 1, "must map phrase names to text")
    for key in data:
        if key not in PHRASES:
            raise doc.error(f"unknown phrase '{key}'", str(key))
    return {key: _str(doc, data, key) for key in PHRASES}


def content_files(root: Path) -> list[Path]:
    """Every intent file under root, in a stable order (no `_` file or folder)."""
    paths = (p for p in root.rglob("*.yaml") if "/_" not in f"/{p.relative_to(root)}")
    return sorted(paths)


def load_catalogue(root: Path | None = None) -> Catalogue:
    """Load and validate every file under `root`; collects all errors before raising."""
    root = (root or default_root()).resolve()
    if not root.is_dir():
        raise ContentErrors([ContentError(str(root), "", None, "content folder not found")])
    errors: list[ContentError] = []
    digest = hashlib.sha256()
    unusable: set[Path] = set()
    for path in sorted(root.rglob("*.yaml")):
        problem = unusable_file(path)
        if problem is None:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problem = f"cannot read: {exc.strerror or exc}"
        if problem is not None:
            unusable.add(path)
            errors.append(ContentError(str(path.relative_to(root.parent)), "", None, problem))
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + data)
    rules: dict[str, str] = {}
    skip: tuple[str, ...] = ()
    phrases: dict[str, str] = {}
    try:
        if root / "_rules.yaml" not in unusable:
            rules, skip = _load_rules(root / "_rules.yaml", root)
    except ContentError as exc:
        errors.append(exc)
    try:
        if root / "_phrases.yaml" not in unusable:
            phrases = _load_phrases(root / "_phrases.yaml", root)
    except ContentError as exc:
        errors.append(exc)
    intents: dict[str, Intent] = {}
    for path in content_files(root):
        if path in unusable:
            continue
        try:
            intent = load_intent(path, root)
        except ContentError as exc:
            errors.append(exc)
            continue
        if intent.id in intents:
            other = intents[intent.id].source.name
            errors.append(ContentError(str(path), "id", 1, f"duplicate id (also in {other})"))
            continue
        intents[intent.id] = intent
    for intent in intents.values():
        if isinstance(intent, Distress) and not isinstance(intents.get(intent.practice), Practice):
            errors.append(
                ContentError(
                    str(intent.source), "practice", None, f"no practice '{intent.practice}'"
                )
            )
    if not any(isinstance(i, Safety) for i in intents.values()) and not errors:
        errors.append(ContentError(str(root), "", None, "no safety/crisis.yaml: it is required"))
    if errors:
        raise ContentErrors(errors)
    return Catalogue(root, intents, rules, skip, phrases, digest.hexdigest()[:16])
