"""Privacy: after a whole session nothing the person said is on disk or in the logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SECRET = "zanzibar"  # a word no content uses: if it is stored anywhere, a transcript leaked


def test_no_transcript_on_disk_or_in_logs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("KINDLY_CACHE", None)
    env.pop("KINDLY_DATA", None)
    said = (
        f"I messed up with {SECRET}\nstop\nwhat is self compassion\n"
        f"my {SECRET} feet are killing me\nI want to die, {SECRET}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "run", "--text", "--fast", "--mute"],
        input=said,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    assert "988" in proc.stdout  # the session really ran, crisis response included
    assert SECRET not in proc.stderr, "a transcript reached the log"
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert stored, "the session wrote its caches"
    for path in stored:
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"a transcript is stored in {path}"
        assert not data.startswith(b"RIFF"), f"an audio recording is stored: {path}"
