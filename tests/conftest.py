"""Shared fixtures. System parts (pulseaudio, mosquitto) may be missing on a developer
machine: tests then skip, but CI sets KINDLY_REQUIRE_SYSTEM=1 and such a skip fails."""

from __future__ import annotations

import faulthandler
import os
import shutil
from collections.abc import Generator
from pathlib import Path

import pytest

from skill.content.load import default_root, load_catalogue
from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.paths import cache_dir
from tests.pulse import pulse  # noqa: F401  (the PulseAudio fixture, for every test module)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"  # ../shared beside the repository (seeds, real speech)
# A test stuck this long (a sound driver deadlocked, say) ends the whole run, printing every
# thread's stack: CI then fails in minutes and says where, instead of timing out in silence.
TEST_DEADLINE = 1200.0
_RUN_STDERR = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    # Under fd capture, fd 2 is a capture file while a test runs: the run's own stderr is
    # the one the capture saved.
    capture = config.pluginmanager.getplugin("capturemanager")
    err = getattr(getattr(capture, "_global_capturing", None), "err", None)
    config.stash[_RUN_STDERR] = os.dup(int(getattr(err, "targetfd_save", 2)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Arm the deadline around each test, setup and teardown included. faulthandler's own
    thread needs no GIL, so it fires even when a C call that holds the GIL never returns."""
    out = item.config.stash[_RUN_STDERR]
    faulthandler.dump_traceback_later(TEST_DEADLINE, exit=True, file=out)
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


def require_system(*programs: str) -> None:
    """Skip (fail in CI) unless every program is on PATH."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        message = f"needs system part(s): {', '.join(missing)}"
        if os.environ.get("KINDLY_REQUIRE_SYSTEM") == "1":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def require_shared(*parts: str) -> Path:
    """SHARED / parts, skipping the test when it is absent (a fresh clone elsewhere);
    under KINDLY_REQUIRE_SYSTEM=1 (CI, with shared/ beside the clone) a skip fails."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"needs {path} (../shared beside the repository)"
        if os.environ.get("KINDLY_REQUIRE_SYSTEM") == "1":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(default_root())


def _cache_home(factory: pytest.TempPathFactory) -> Path:
    """The session's cache home: one per pytest run, away from the real home directory."""
    return factory.getbasetemp() / "home" / "cache"


@pytest.fixture(scope="session", autouse=True)
def matcher(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> IntentMatcher:
    """The shipped content's matcher, built once before any test runs.

    Building it trains the semantic layer into the session's cache (about a minute): done
    here, no test that starts Kindly (in a thread or a subprocess, under a timeout) pays for
    it. Set KINDLY_CACHE to a directory to keep the trained model across runs.
    """
    with pytest.MonkeyPatch.context() as patch:
        if "KINDLY_CACHE" not in os.environ:
            patch.setenv("XDG_CACHE_HOME", str(_cache_home(tmp_path_factory)))
        return IntentMatcher(catalogue)


def seed_semantic(cache_home: Path) -> None:
    """Copy the session's trained semantic model into a fresh XDG cache home, so that Kindly
    started there (a subprocess of a test) loads it instead of training for a minute. Tests
    of the training itself, and of a first start, leave their cache unseeded."""
    source, target = cache_dir() / "semantic", cache_home / "kindly" / "semantic"
    if source.is_dir() and not target.exists():
        shutil.copytree(source, target)


@pytest.fixture(autouse=True)
def _private_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test's config, data and cache away from the real home directory."""
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    if "KINDLY_CACHE" not in os.environ:
        monkeypatch.setenv("XDG_CACHE_HOME", str(_cache_home(tmp_path_factory)))
