"""The semantic layer's training lines: `_examples.yaml` and the writer sets in `_writers/`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from skill.content.load import load_catalogue
from skill.errors import ContentErrors
from skill.nlu.check import check_content
from skill.nlu.examples import NONE, load_examples
from skill.nlu.intents import IntentMatcher
from tests.contentkit import TINY_PRACTICE, make_content

WRITER = """
# writer: a test
intents:
  tiny:
    - "could we do the little one with the feet please"
  no_such_practice:
    - "a practice this content does not have"
crisis:
  - "i have given my things away and written the letters"
near_miss:
  - "this traffic is killing me"
none:
  - "what is the weather tomorrow"
  - "Could we do the LITTLE one with the feet please"
"""


def test_a_writer_set_trains_the_layer(tmp_path: Path) -> None:
    files = {"practices/tiny.yaml": TINY_PRACTICE, "_writers/writer_x.yaml": WRITER}
    catalogue = load_catalogue(make_content(tmp_path, files))
    # an id the content lacks is skipped; a line given twice keeps its first label
    assert load_examples(catalogue) == [
        ("tiny", "could we do the little one with the feet please"),
        ("crisis", "i have given my things away and written the letters"),
        (NONE, "this traffic is killing me"),
        (NONE, "what is the weather tomorrow"),
    ]
    # the set is training data, not an intent file, and the layer learns from it
    assert set(catalogue.intents) == {"tiny", "crisis"}
    match = IntentMatcher(catalogue).parse("could we do the little one with the feet")
    assert match.intent == "tiny"


@pytest.mark.parametrize(
    ("folder", "key"), [("_writers", "crisis"), ("_reader_writers", "near_miss")]
)
def test_a_broken_writer_set_names_its_file_key_and_line(
    tmp_path: Path, folder: str, key: str
) -> None:
    # both folders of writer sets: the layer's, and the distress reader's
    bad = f'intents: {{}}\n{key}: "one line, not a list"\n'
    files = {"practices/tiny.yaml": TINY_PRACTICE, f"{folder}/writer_y.yaml": bad}
    with pytest.raises(ContentErrors) as info:
        check_content(make_content(tmp_path, files))
    (message,) = [str(e) for e in info.value.errors]
    assert f"{folder}/writer_y.yaml:2: {key}: must be a list of lines" in message


def test_training_is_said_and_done_once_then_the_cache_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The first start after an install waits for the training: it says so, once.
    monkeypatch.setenv("KINDLY_CACHE", str(tmp_path / "cache"))
    files = {"practices/tiny.yaml": TINY_PRACTICE, "_writers/writer_x.yaml": WRITER}
    catalogue = load_catalogue(make_content(tmp_path, files))
    caplog.set_level(logging.INFO, logger="skill.nlu.learning")
    IntentMatcher(catalogue)
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("learning how people say things") for m in said), said
    assert any(m.startswith("learnt in") for m in said), said
    assert len(list((tmp_path / "cache" / "semantic").glob("*.npz"))) == 1
    caplog.clear()
    IntentMatcher(catalogue)
    assert not [r for r in caplog.records if "learn" in r.getMessage()]
