"""The speech cache fills itself in the background on a fresh machine, and repeated
warnings are rate-limited so a flood never fills the journal."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from skill.cli.logs import RateLimit
from skill.cli.prerender import Prerender, progress_line
from skill.config import Config
from skill.content.load import load_catalogue
from skill.content.model import Info
from tests.contentkit import TINY_PRACTICE, make_content
from tests.faults.kit import TRACEBACK, start_logged, wait_for_text
from tests.pulse import Pulse


def _record(message: str, *args: object, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("skill.mqtt.bridge", level, __file__, 1, message, args, None)


def test_each_kind_of_warning_passes_a_few_times_a_window_then_says_what_it_held() -> None:
    now = [0.0]
    limit = RateLimit(burst=3, window=60.0, clock=lambda: now[0])
    kind = "MQTT: ignored a command on %s: %s"
    passed = [limit.filter(_record(kind, "t", f"bad {n}")) for n in range(1000)]
    assert passed.count(True) == 3
    assert limit.filter(_record("another kind of warning"))  # kinds are counted apart
    assert limit.filter(_record(kind, "t", "x", level=logging.INFO))  # info always passes
    now[0] = 61.0
    record = _record(kind, "t", "late")
    assert limit.filter(record)
    assert (
        record.getMessage()
        == "MQTT: ignored a command on t: late (997 more like this were not logged)"
    )


def test_progress_says_the_share_done_and_the_time_left() -> None:
    assert (
        progress_line(0, 200, 0.0) == "[--------------------] 0% (0/200), estimating the time left"
    )
    assert progress_line(50, 200, 120.0) == "[#####---------------] 25% (50/200), about 6 min left"
    assert (
        progress_line(190, 200, 600.0) == "[###################-] 95% (190/200), under 2 min left"
    )
    assert progress_line(200, 200, 700.0) == "[####################] 100% (200/200), done"


@pytest.mark.audio
def test_kindly_run_renders_what_is_missing_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDLY_CACHE", str(tmp_path / "cache"))
    content = make_content(tmp_path, {"practices/tiny.yaml": TINY_PRACTICE})
    config = Config(content=str(content))
    err = io.StringIO()
    background = Prerender(config, err).start()
    background.join(600)
    assert background.total is not None and background.total > 10
    assert background.done == background.total
    said = err.getvalue().splitlines()
    assert said[0].startswith(f"kindly: pre-rendering {background.total} lines of speech")
    assert said[-1].endswith(f"100% ({background.total}/{background.total}), done")
    again = Prerender(config, io.StringIO()).start()  # all there now: nothing to do
    again.join(600)
    assert again.total == 0 and again.done == 0


@pytest.mark.system
@pytest.mark.audio
def test_a_reply_never_waits_for_the_background_render(pulse: Pulse, tmp_path: Path) -> None:
    """A first start: `kindly run` renders the whole speech cache in the background (minutes
    of work). A request made once that has begun is answered and spoken while the render
    is still going (no "done" yet): the reply did not wait for it."""
    config = tmp_path / "config" / "kindly" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"audio: {{speaker: {pulse.speaker}}}\n", encoding="utf-8")
    answer = load_catalogue().intents["what_is_self_compassion"]
    assert isinstance(answer, Info)
    proc, out, err = start_logged(tmp_path, ["run", "--text"])
    try:
        began = wait_for_text(err, "pre-rendering", 240)
        assert began is not None, err.read_text()[-2000:]
        total = int(began.split("pre-rendering ", 1)[1].split()[0])
        assert total > 100  # a fresh machine: every line of every practice
        assert proc.stdin is not None
        proc.stdin.write(b"what is self compassion\n")
        proc.stdin.flush()
        said = wait_for_text(out, f"Kindly: {answer.answer[0]}", 120)
        progress = err.read_text()
        assert said is not None, out.read_text()
        assert f"({total}/{total}), done" not in progress, "the reply waited for the render"
        proc.stdin.close()
        assert proc.wait(120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert TRACEBACK not in err.read_text()
