"""The remembered practices on disk: id and date only, atomic, and never fatal."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from skill.core.memory import KEEP, MemoryFileError, MemoryStore, default_path


def test_the_default_file_is_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KINDLY_DATA", str(tmp_path))
    assert default_path() == tmp_path / "helped.json"


def test_only_the_practice_id_and_a_date_are_kept(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "data" / "helped.json")
    assert store.entries() == [] and store.recent() == ()
    assert store.remember("rain", date(2026, 11, 28))
    assert store.remember("take_a_break", date(2026, 11, 29))
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data == {
        "version": 1,
        "helped": [
            {"practice": "rain", "date": "2026-11-28"},
            {"practice": "take_a_break", "date": "2026-11-29"},
        ],
    }
    assert [p.name for p in store.path.parent.iterdir()] == ["helped.json"], "no temp left"


def test_recent_is_most_recent_first_and_distinct(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "helped.json")
    for practice in ("rain", "take_a_break", "rain", "soothing_touch", "bedtime_reflection"):
        store.remember(practice)
    assert store.recent() == ("bedtime_reflection", "soothing_touch", "rain")
    assert store.recent(5) == ("bedtime_reflection", "soothing_touch", "rain", "take_a_break")


def test_the_file_stays_small(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "helped.json")
    for i in range(KEEP + 5):
        store.remember(f"p{i}")
    entries = store.entries()
    assert len(entries) == KEEP and entries[-1].practice == f"p{KEEP + 4}"


def test_forget_erases_and_returns_what_was_there(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path / "helped.json")
    store.remember("rain", date(2026, 11, 29))
    erased = store.forget()
    assert [(e.practice, e.date) for e in erased] == [("rain", "2026-11-29")]
    assert not store.path.exists() and store.forget() == []


def test_each_call_reads_afresh_so_a_forget_elsewhere_holds(tmp_path: Path) -> None:
    service, cli = MemoryStore(tmp_path / "helped.json"), MemoryStore(tmp_path / "helped.json")
    service.remember("rain")
    cli.forget()
    service.remember("take_a_break")
    assert [e.practice for e in cli.entries()] == ["take_a_break"]


def test_an_unwritable_data_folder_warns_once_and_loses_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    store = MemoryStore(blocker / "helped.json")
    with caplog.at_level(logging.WARNING, logger="skill.core.memory"):
        assert not store.remember("rain")
        assert not store.remember("take_a_break")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "nothing else is affected" in warnings[0].getMessage()
    assert blocker.read_text(encoding="utf-8").startswith("a file"), "nothing else touched"
    assert store.entries() == []


def test_a_damaged_file_is_read_as_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "helped.json"
    for broken in ("{not json", '{"helped": [{"practice": 3, "date": "x"}]}', "[]", "\xff"):
        path.write_text(broken, encoding="utf-8")
        assert MemoryStore(path).entries() == []
    store = MemoryStore(path)
    assert store.remember("rain") and store.recent() == ("rain",)


def test_forget_that_cannot_erase_raises_a_kindly_error(tmp_path: Path) -> None:
    folder = tmp_path / "helped.json"
    (folder / "inside").mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(MemoryFileError, match="cannot erase"):
        MemoryStore(folder).forget()
