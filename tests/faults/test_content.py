"""Content that passed loading but crashed later, and content too big to be real: each is
now refused by loading and by `kindly check`, naming the file, the key and the line; and
`kindly run` says the same instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.__main__ import main
from skill.content.load import load_catalogue
from skill.errors import ContentErrors
from skill.nlu.intents import IntentMatcher
from tests.contentkit import TINY_PRACTICE, make_content
from tests.faults.kit import TRACEBACK, kindly


def _crisis_with(root: Path, old: str, new: str) -> None:
    path = root / "safety" / "crisis.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _check(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert TRACEBACK not in err
    return err


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_a_folder_named_yaml_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    (root / "practices" / "notes.yaml").mkdir()
    err = _check(root, capsys)
    assert "error: intents/practices/notes.yaml: not a file" in err


def test_a_dangling_symlink_named_yaml_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    (root / "practices" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    err = _check(root, capsys)
    assert "error: intents/practices/gone.yaml: a broken symbolic link" in err


def test_a_content_file_over_1_mb_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 10 MB of valid YAML took 159 s and 509 MB to "pass"; now it is refused unread.
    big = TINY_PRACTICE + "summary: " + "a" * 10_000_000 + "\n"
    root = make_content(tmp_path, {"practices/tiny.yaml": big})
    err = _check(root, capsys)
    assert "error: intents/practices/tiny.yaml: 10.0 MB: a content file must be under 1 MB" in err


@pytest.mark.parametrize(
    ("key", "broken"),
    [
        ("patterns", "(want to die"),
        # benign and check_in were compiled only when the matcher was built: a traceback
        ("benign", "(cut myself shaving"),
        ("jokes", "(if i hear that song"),
        ("meant", "(not joking"),
        ("plain", "(i want to die"),
    ],
)
def test_an_unclosed_group_in_a_crisis_pattern(
    key: str, broken: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    _crisis_with(root, f"{key}:\n", f'{key}:\n  - "{broken}"\n')
    line = _line_of(root / "safety" / "crisis.yaml", f'"{broken}"')
    err = _check(root, capsys)
    assert f"intents/safety/crisis.yaml:{line}: {key}[0]: not a valid pattern" in err
    assert "missing ), unterminated subpattern" in err


@pytest.mark.parametrize("key", ["frames", "worry"])
def test_an_unclosed_group_in_a_concern_frame_or_worry_word(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    fields = {"frames": "'he said'", "worry": "'worried'"}
    fields[key] = '"(he wants"'
    (root / "safety" / "concern.yaml").write_text(
        "id: concern\nkind: safety\npatterns:\n  - 'my friend is suicidal'\n"
        + "".join(f"{k}:\n  - {v}\n" for k, v in fields.items())
        + "response:\n  - Call {helpline}.\nrepeat:\n  - Call {helpline}.\n"
        + "regions:\n  us: {name: the US, helpline: call 988, emergency: '911'}\n",
        encoding="utf-8",
    )
    line = _line_of(root / "safety" / "concern.yaml", '"(he wants"')
    err = _check(root, capsys)
    assert f"intents/safety/concern.yaml:{line}: {key}[0]: not a valid pattern" in err


def test_an_unclosed_group_in_a_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = TINY_PRACTICE.replace('["tiny practice"]', '["tiny practice", "(tiny|small practice"]')
    root = make_content(tmp_path, {"practices/tiny.yaml": bad})
    err = _check(root, capsys)
    assert "practices/tiny.yaml:5: sentences[1]: Unable to find end of group" in err
    catalogue = load_catalogue(root)
    with pytest.raises(ContentErrors):  # `kindly run` and `parse` refuse it the same way
        IntentMatcher(catalogue)


@pytest.mark.parametrize(
    ("patterns", "error"),
    [
        (["'(wipe'"], "controls/wipe.yaml:5: guess_needs[0]: not a valid pattern"),
        (["'x'", "'wipe|'"], "controls/wipe.yaml:6: guess_needs[1]: 'wipe|' matches an empty line"),
    ],
)
def test_a_broken_guess_needs_pattern(
    patterns: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    control = "id: wipe\nkind: control\nsentences: ['wipe it']\nguess_needs:\n"
    control += "".join(f"  - {p}\n" for p in patterns)
    files = {"practices/tiny.yaml": TINY_PRACTICE, "controls/wipe.yaml": control}
    assert error in _check(make_content(tmp_path, files), capsys)


def test_an_unknown_field_in_the_crisis_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    _crisis_with(root, "response:\n", "response:\n  - Call {oops} now.\n")
    line = _line_of(root / "safety" / "crisis.yaml", "Call {oops} now.")
    err = _check(root, capsys)
    assert f"crisis.yaml:{line}: response[0]: unknown field {{oops}}" in err
    assert "use {helpline}, {emergency}, {region}" in err


def test_a_lone_brace_in_the_crisis_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    _crisis_with(root, "response:\n", "response:\n  - Call {helpline now.\n")
    err = _check(root, capsys)
    assert "response[0]: " in err and "write {{ and }} for a brace" in err


def test_kindly_run_on_broken_content_says_so_without_a_traceback(tmp_path: Path) -> None:
    # `run` used to die with KeyError on "{oops}" after `check` had said ok.
    root = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    _crisis_with(root, "response:\n", "response:\n  - Call {oops} now.\n")
    home = tmp_path / "home"
    home.mkdir()
    done = kindly(
        ["run", "--text", "--fast"], home, stdin=b"hello\n", timeout=300, KINDLY_CONTENT=str(root)
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert TRACEBACK not in err
    assert "unknown field {oops}" in err


_LEVELS = ['&a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'] + [
    f"&{new} [{', '.join(['*' + old] * 9)}]"
    for old, new in zip("abcdefgh", "bcdefghi", strict=True)
]
ALIAS_BOMB = f"[{', '.join(_LEVELS)}]"  # 9**9 strings once expanded: a billion laughs
PYTHON_OBJECT = "!!python/object/apply:os.system ['touch {marker}']"


@pytest.mark.parametrize("hostile", ["python", "aliases"])
def test_hostile_yaml_in_content_is_refused_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hostile: str
) -> None:
    """Held before: content is read with the safe loader only, and a billion laughs is
    refused by the first check that looks at it, never expanded."""
    marker = tmp_path / "ran"
    value = PYTHON_OBJECT.format(marker=marker) if hostile == "python" else ALIAS_BOMB
    evil = f"id: evil\nkind: practice\ntitle: Evil\nminutes: 1\nsentences: {value}\n"
    evil += "steps:\n  - say: hi\n  - end: bye\n"
    root = make_content(tmp_path, {"practices/evil.yaml": evil})
    err = _check(root, capsys)
    assert "intents/practices/evil.yaml:5" in err
    assert not marker.exists()


@pytest.mark.parametrize("hostile", ["python", "aliases"])
def test_hostile_yaml_in_the_config_is_refused_and_runs_nothing(
    tmp_path: Path, hostile: str
) -> None:
    marker = tmp_path / "ran"
    value = PYTHON_OBJECT.format(marker=marker) if hostile == "python" else ALIAS_BOMB
    config = tmp_path / "config" / "kindly" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"voice: {{name: {value}}}\n", encoding="utf-8")
    done = kindly(["parse", "hello"], tmp_path)
    err = done.stderr.decode()
    assert done.returncode != 0
    assert TRACEBACK not in err
    assert "config.yaml:1" in err, err
    assert not marker.exists()


def test_an_unclosed_group_in_a_distress_files_everyday_phrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grief = (
        "id: grief\nkind: distress\ntitle: Grief\nsentences: ['my mum died']\n"
        "patterns:\n  - 'passed away'\nbenign:\n  - '(lost my keys'\n"
        "answer:\n  - I'm so sorry.\noffer: Would you like a few minutes?\n"
    )
    root = make_content(
        tmp_path, {"practices/tiny.yaml": TINY_PRACTICE, "distress/grief.yaml": grief}
    )
    line = _line_of(root / "distress" / "grief.yaml", "(lost my keys")
    err = _check(root, capsys)
    assert f"intents/distress/grief.yaml:{line}: benign[0]: not a valid pattern" in err
