"""`kindly forget`: erase what Kindly was asked to remember, and say what that was."""

from __future__ import annotations

import sys
from typing import TextIO

from skill.core.memory import MemoryStore


def cmd_forget(out: TextIO | None = None, store: MemoryStore | None = None) -> int:
    """Erase the remembered practices (ids and dates); print what was erased."""
    out = out or sys.stdout
    store = store or MemoryStore()
    erased = store.forget()  # MemoryFileError (a KindlyError) if the file stays
    if not erased:
        out.write(f"Nothing was remembered ({store.path} holds nothing).\n")
        return 0
    out.write(f"Erased {len(erased)} remembered practice(s) from {store.path}:\n")
    for entry in erased:
        out.write(f"  {entry.date}  {entry.practice}\n")
    return 0
