"""Shared fixtures. System parts (pulseaudio, mosquitto) may be missing on a developer
machine: tests then skip, but CI sets KINDLY_REQUIRE_SYSTEM=1 and such a skip fails."""

from __future__ import annotations

import os
import shutil
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

    Building it trains the semantic layer into the session's cache (about 20 s): done
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
