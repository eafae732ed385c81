"""What helped, kept only when the person said yes: a practice id and a date, nothing else.

The session never touches the file: it emits `Remember`, `Forget` and `Recall`, and the
loop carries them out here. The file is small JSON in the data folder, written atomically:

    {"version": 1, "helped": [{"practice": "rain", "date": "2026-11-29"}, ...]}

A data folder that cannot be written logs one warning and loses nothing else: the session
goes on, and the practice is simply not remembered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from skill.errors import KindlyError
from skill.paths import atomic_write, data_dir

log = logging.getLogger(__name__)
FILE = "helped.json"
VERSION = 1
KEEP = 20  # entries kept in the file; the oldest go first
RECENT = 3  # how many different practices "what helped me before?" reads back


class MemoryFileError(KindlyError):
    """The remembered file could not be erased."""


@dataclass(frozen=True)
class Helped:
    """One "yes, remember that": the practice id and the day it was said."""

    practice: str
    date: str  # ISO 8601, e.g. 2026-11-29


def default_path() -> Path:
    """Where what helped is kept: `helped.json` in the data folder."""
    return data_dir() / FILE


class MemoryStore:
    """The remembered practices on disk. Each call reads the file afresh, so a
    `kindly forget` run beside the service is never undone by it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._warned = False

    def _warn_once(self, what: str, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s %s (%s); nothing else is affected", what, self.path, exc)

    def entries(self) -> list[Helped]:
        """Every entry, oldest first. A missing file is empty; an unreadable one too (logged)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            self._warn_once("cannot read what helped from", exc)
            return []
        try:
            return _parse(json.loads(raw))
        except (ValueError, TypeError, KeyError) as exc:
            self._warn_once("ignoring a damaged", exc)
            return []

    def recent(self, count: int = RECENT) -> tuple[str, ...]:
        """The last `count` different practices remembered, most recent first."""
        ids: list[str] = []
        for entry in reversed(self.entries()):
            if entry.practice not in ids:
                ids.append(entry.practice)
        return tuple(ids[:count])

    def remember(self, practice: str, today: date | None = None) -> bool:
        """Add one entry for `practice` dated `today`. False (warned once) if it cannot be kept."""
        day = (today or date.today()).isoformat()
        kept = [*self.entries(), Helped(practice, day)][-KEEP:]
        try:
            atomic_write(self.path, _dump(kept))
        except OSError as exc:
            self._warn_once("cannot remember what helped in", exc)
            return False
        return True

    def forget(self) -> list[Helped]:
        """Erase the file; returns what it held. Raises MemoryFileError if it stays."""
        erased = self.entries()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise MemoryFileError(f"cannot erase {self.path}: {exc.strerror or exc}") from exc
        return erased


def _parse(data: Any) -> list[Helped]:
    if not isinstance(data, dict) or not isinstance(data.get("helped"), list):
        raise ValueError("not a remembered-practices file")
    entries = []
    for item in data["helped"]:
        practice, day = item["practice"], item["date"]
        if not isinstance(practice, str) or not isinstance(day, str):
            raise TypeError("an entry is a practice id and a date")
        entries.append(Helped(practice, day))
    return entries


def _dump(entries: list[Helped]) -> str:
    helped = [{"practice": e.practice, "date": e.date} for e in entries]
    return json.dumps({"version": VERSION, "helped": helped}, indent=1) + "\n"
