"""Content that would load but fail later, refused at load time: files that are not files
or are too big, detection patterns that do not compile, and crisis lines with {fields}
Kindly does not fill in. Each error names the file, the key path and the line."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from skill.yamldoc import YamlDoc

# What a crisis line may fill in: the region's helpline, emergency number and name.
RESPONSE_FIELDS = ("helpline", "emergency", "region")
# The keys whose strings are regular expressions.
PATTERN_KEYS = (
    "patterns",
    "risk_words",
    "idioms",
    "benign",
    "meant",
    "plain",
    "jokes",
    "check_in",
    "frames",
    "worry",
)


def patterns_compile(doc: YamlDoc, data: dict[str, Any]) -> None:
    """Every detection pattern, and every `guess_needs` pattern, is a regular expression
    that compiles (else: which, why)."""
    for key in PATTERN_KEYS:
        value = data.get(key)
        for i, pattern in enumerate(value if isinstance(value, list) else []):
            if not isinstance(pattern, str):
                continue  # _strings says what is wrong with it
            try:
                re.compile(pattern)
            except re.error as exc:
                raise doc.error(f"not a valid pattern: {exc} in {pattern!r}", key, i) from None
    guess_needs_valid(doc, data)


def guess_needs_valid(doc: YamlDoc, data: dict[str, Any]) -> None:
    """Each of a control's `guess_needs` patterns compiles as it is searched (between word
    boundaries) and needs words: one matching an empty line would let every guess through."""
    value = data.get("guess_needs")
    for i, pattern in enumerate(value if isinstance(value, list) else []):
        if not isinstance(pattern, str):
            continue  # _strings says what is wrong with it
        try:
            re.compile(rf"\b(?:{pattern})\b")
        except re.error as exc:
            raise doc.error(
                f"not a valid pattern: {exc} in {pattern!r}", "guess_needs", i
            ) from None
        if re.fullmatch(pattern, ""):
            raise doc.error(
                f"{pattern!r} matches an empty line: every guess would act", "guess_needs", i
            )


def fields_known(doc: YamlDoc, data: dict[str, Any]) -> None:
    """The {fields} of the crisis lines are ones Kindly fills in, and braces are balanced."""
    known = ", ".join("{" + f + "}" for f in RESPONSE_FIELDS)
    for key in ("response", "repeat", "ask", "quiet"):
        value = data.get(key)
        lines = value if isinstance(value, list) else [value]
        for i, line in enumerate(lines):
            if not isinstance(line, str):
                continue
            where: tuple[str | int, ...] = (key, i) if isinstance(value, list) else (key,)
            try:
                names = [f for _, f, _, _ in string.Formatter().parse(line) if f is not None]
            except ValueError as exc:
                raise doc.error(f"{exc} (write {{{{ and }}}} for a brace)", *where) from None
            for name in names:
                if name not in RESPONSE_FIELDS:
                    raise doc.error(f"unknown field {{{name}}} (use {known})", *where)


MAX_FILE_BYTES = 1_000_000  # the largest practice is a few kB; 1 MB is a mistake or an attack


def unusable_file(path: Path) -> str | None:
    """Why a `*.yaml` path cannot be content (a folder, a broken link, too big), or None."""
    if path.is_symlink() and not path.exists():
        return "a broken symbolic link: point it at a file or remove it"
    if not path.is_file():
        return "not a file (a folder named .yaml?): rename or remove it"
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"{size / 1e6:.1f} MB: a content file must be under 1 MB"
    return None
