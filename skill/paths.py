"""Where Kindly keeps things, and the one way it writes a file safely.

Three folders, each overridable by an environment variable (tests, the Pi service):
config ($KINDLY_CONFIG, the file), data ($KINDLY_DATA: models, voices, markers) and cache
($KINDLY_CACHE: rendered speech, compiled grammars). Nothing is written anywhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)
STALE_TMP = 600.0  # seconds: a temporary file this old belongs to a writer that died
UNUSED_FOR = 30 * 86_400.0  # seconds: a dear cache entry of other content unused this long

CONFIG_ENV = "KINDLY_CONFIG"
SYSTEM_CONFIG = Path("/etc/kindly/config.yaml")


def _xdg(variable: str, fallback: Path) -> Path:
    return Path(os.environ.get(variable) or fallback)


def user_config_path() -> Path:
    """Where Kindly looks for its config when no --config is given."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    user = _xdg("XDG_CONFIG_HOME", Path.home() / ".config") / "kindly" / "config.yaml"
    return user if user.exists() or not SYSTEM_CONFIG.exists() else SYSTEM_CONFIG


def data_dir() -> Path:
    """Models, voices and the fetched data live here (XDG data home, or $KINDLY_DATA)."""
    if os.environ.get("KINDLY_DATA"):
        return Path(os.environ["KINDLY_DATA"])
    return _xdg("XDG_DATA_HOME", Path.home() / ".local" / "share") / "kindly"


def cache_dir() -> Path:
    """Pre-rendered speech and compiled grammars (XDG cache home, or $KINDLY_CACHE)."""
    if os.environ.get("KINDLY_CACHE"):
        return Path(os.environ["KINDLY_CACHE"])
    return _xdg("XDG_CACHE_HOME", Path.home() / ".cache") / "kindly"


def source_digest(*modules: ModuleType) -> str:
    """A short digest of the source files that shape a cache entry. Taken once, at import
    of the module that keys its cache by it: a file edited while a process runs must not
    file what the old code made under the new code's name."""
    code = hashlib.sha256()
    for module in modules:
        code.update(Path(inspect.getfile(module)).read_bytes())
    return code.hexdigest()[:12]


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    The temporary file has a unique name beside the target (two writers never share one)
    and is removed if anything fails, a full disk included. Raises OSError.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def prune_cache(current: Path, unused_for: float = 0.0) -> None:
    """Remove what older content or code left beside `current` in its cache folder.

    Each content or code change writes a new entry (a table, a model, a grammar folder), so
    without this the cache grows for ever. Entries not used for `unused_for` seconds go (0:
    all but `current`); a longer time keeps what another process may be running (a test, a
    draft practice) when an entry is dear to rebuild. `current` is marked used now.
    Temporary entries (".name...") stay until `STALE_TMP` old, as a writer may still be
    filling them. A cache that cannot be pruned only costs disk: logged, never raised.
    """
    now = time.time()
    try:
        with contextlib.suppress(FileNotFoundError):
            os.utime(current)
        for entry in current.parent.iterdir():
            limit = STALE_TMP if entry.name.startswith(".") else unused_for
            if entry != current and now - entry.lstat().st_mtime >= limit:
                _remove(entry)
    except OSError as exc:
        log.debug("cannot prune %s: %s", current.parent, exc)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
