"""`make run` puts `kindly` on PATH (deploy/link.sh), so the README's commands work as
written; it never replaces a `kindly` that is not its own link."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_system

LINK = ROOT / "deploy" / "link.sh"


def _link(target: Path, folder: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KINDLY_LINK_DIR": str(folder), "PATH": path}
    return subprocess.run(
        ["bash", str(LINK), str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.system
def test_make_run_puts_kindly_on_path(tmp_path: Path) -> None:
    require_system("bash", "realpath")
    target = tmp_path / "venv" / "bin" / "kindly"
    target.parent.mkdir(parents=True)
    target.write_text("#!/bin/sh\necho kindly-here\n", encoding="utf-8")
    target.chmod(0o755)
    folder = tmp_path / "bin"
    path = f"{folder}{os.pathsep}{os.environ['PATH']}"
    first = _link(target, folder, path)
    assert first.returncode == 0, first.stderr
    assert (folder / "kindly").resolve() == target
    assert f"{folder / 'kindly'} -> {target}" in first.stdout
    ran = subprocess.run(
        ["kindly"], env={"PATH": path}, capture_output=True, text=True, check=True, timeout=30
    )
    assert ran.stdout == "kindly-here\n"
    again = _link(target, folder, path)  # nothing to do, nothing said
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""
    off_path = _link(target, folder, "/usr/bin:/bin")
    assert f"{folder} is not on your PATH: add it, or use {target}" in off_path.stderr


@pytest.mark.system
def test_a_kindly_that_is_not_our_link_is_left_alone(tmp_path: Path) -> None:
    require_system("bash", "realpath")
    folder = tmp_path / "bin"
    folder.mkdir()
    theirs = folder / "kindly"
    theirs.write_text("# kindly-cli: installed by deploy/pi/install.sh\n", encoding="utf-8")
    target = tmp_path / "kindly"
    target.write_text("", encoding="utf-8")
    done = _link(target, folder, os.environ["PATH"])
    assert done.returncode == 0
    assert "is not a link made here; leaving it" in done.stderr
    assert theirs.read_text(encoding="utf-8").startswith("# kindly-cli")
