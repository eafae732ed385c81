"""Offline means offline: Kindly's speaking and text loop open no network socket at all and
write nothing outside its documented folders. Run in a fresh network namespace (no route
anywhere) under strace, so even a failed DNS lookup or connection attempt is seen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_system

pytestmark = [pytest.mark.system, pytest.mark.audio]

# Any socket that could reach a network: IPv4/IPv6 (DNS goes over these too) or packet.
NETWORK_SOCKET = re.compile(r"socket\((AF_INET6?|AF_PACKET)\b|sa_family=AF_INET6?\b")


def _offline(args: list[str], tmp_path: Path, stdin: str = "") -> tuple[str, list[Path]]:
    """Run `kindly ARGS` offline; return the strace log and every file it left in HOME."""
    require_system("strace", "unshare")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    for name in ("KINDLY_CACHE", "KINDLY_DATA", "KINDLY_CONFIG", "ORT_DISABLE_TELEMETRY"):
        env.pop(name, None)  # Kindly must protect itself, not rely on the caller
    trace = tmp_path / "trace"
    command = ["unshare", "--net", "strace", "-f", "-qq", "-o", str(trace)]
    command += ["-e", "trace=socket,connect,sendto,sendmsg,sendmmsg"]
    proc = subprocess.run(
        [*command, sys.executable, "-m", "skill", *args],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return trace.read_text(), [p for p in home.rglob("*") if p.is_file()]


def _documented(path: Path, home: Path) -> bool:
    """Kindly's own folders (README: what Kindly stores)."""
    rel = path.relative_to(home).parts
    return rel[:3] == (".local", "share", "kindly") or rel[:2] in (
        (".cache", "kindly"),
        (".config", "kindly"),
    )


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["say", "You are not alone in this.", "--out", "line.wav"], ""),
        (["practice", "take_a_break", "--out", "practice.wav"], ""),
        (["run", "--text", "--fast"], "help me take a break\nstop\nI want to die\n"),
    ],
    ids=["say", "practice", "run"],
)
def test_no_network_and_no_stray_files(args: list[str], stdin: str, tmp_path: Path) -> None:
    trace, files = _offline(args, tmp_path, stdin)
    attempts = [line for line in trace.splitlines() if NETWORK_SOCKET.search(line)]
    assert attempts == [], "network access: " + "\n".join(attempts[:5])
    home = tmp_path / "home"
    stray = [str(p.relative_to(home)) for p in files if not _documented(p, home)]
    assert stray == [], f"files outside Kindly's folders: {stray}"  # e.g. .cache/Microsoft
    assert any(_documented(p, home) for p in files), "the command wrote its speech cache"
