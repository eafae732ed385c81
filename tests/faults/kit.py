"""Running `kindly` the way a user or systemd does: a real process, real stdin, real signals,
and (for cache faults) a real read-only or full file system mounted in a private mount
namespace. Every wait has a timeout."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_system, seed_semantic

TRACEBACK = "Traceback (most recent call last)"


def start_logged(home: Path, args: list[str]) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """`kindly ARGS` with Kindly's folders under `home`, stdin a pipe, stdout and stderr
    into files there (read with `wait_for_text`)."""
    out, err = home / "stdout", home / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "skill", *args],
            stdin=subprocess.PIPE,
            stdout=stdout,
            stderr=stderr,
            env=env_for(home),
            cwd=home,
        )
    return proc, out, err


def wait_for_text(path: Path, text: str, timeout: float) -> str | None:
    """The file's text once it holds `text` (a process's output); None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if text in found:
            return found
        time.sleep(0.1)
    return None


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """This environment with Kindly's folders under `home` (and nothing of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDLY_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    if "KINDLY_CACHE" not in extra:
        seed_semantic(home / "cache")
    return env


def kindly(
    args: list[str],
    home: Path,
    *,
    stdin: bytes = b"",
    timeout: float = 120.0,
    **extra: str,
) -> subprocess.CompletedProcess[bytes]:
    """`python -m skill ARGS` as a separate process, its folders under `home`."""
    return subprocess.run(
        [sys.executable, "-m", "skill", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env_for(home, **extra),
        cwd=home,
        check=False,
    )


def require_mounts() -> None:
    """Skip (fail in CI) unless this process may mount file systems in its own namespace."""
    require_system("unshare", "mount")
    probe = subprocess.run(
        ["unshare", "-m", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
        capture_output=True,
        check=False,
        timeout=10,
    )
    if probe.returncode != 0:
        message = "needs root (or user namespaces) to mount a test file system"
        if os.environ.get("KINDLY_REQUIRE_SYSTEM") == "1":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def kindly_on_mount(
    args: list[str],
    home: Path,
    cache: Path,
    options: str,
    *,
    fill: bool = False,
    after: str = "",
    stdin: bytes = b"",
    timeout: float = 300.0,
) -> subprocess.CompletedProcess[bytes]:
    """`kindly ARGS` with its cache folder `cache` a tmpfs mounted with `options`
    (`ro`: read-only, errno 30; `size=...` with `fill`: full, errno 28). The shell command
    `after` runs in the same namespace once Kindly has exited (its output follows Kindly's);
    the exit code is Kindly's."""
    cache.mkdir(parents=True, exist_ok=True)
    script = f"mount -t tmpfs -o {shlex.quote(options)} tmpfs {shlex.quote(str(cache))}"
    if fill:  # fill it up: dd stops at "No space left on device"
        script += f" && (dd if=/dev/zero of={shlex.quote(str(cache / 'filler'))} bs=4k || true)"
    command = shlex.join([sys.executable, "-m", "skill", *args])
    script += f" && {{ {command}; code=$?; }}"
    if after:
        script += f" && {{ {after}; }}"
    script += " && exit $code"
    unshare = shutil.which("unshare") or "unshare"
    return subprocess.run(
        [unshare, "-m", "sh", "-c", script],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env_for(home, KINDLY_CACHE=str(cache)),
        cwd=home,
        check=False,
    )
