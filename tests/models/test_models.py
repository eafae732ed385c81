"""The registry of models and voices, and `kindly models fetch`: sha256 check, atomic unpack.

Fetching is tested against a real HTTP server on 127.0.0.1 serving zips built here.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from skill.errors import ModelError
from skill.models import registry as models
from skill.models.fetch import fetch, file_sha256
from skill.models.registry import Artifact, ModelEntry

SMALL_SHA = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"


def model_zip(top: str = "vosk-model-test-0.1", extra: dict[str, bytes] | None = None) -> bytes:
    """A zip shaped like a Vosk model: one top folder with am/, conf/, graph/."""
    files = {
        f"{top}/am/final.mdl": b"acoustic model " * 100,
        f"{top}/conf/model.conf": b"--sample-frequency=16000\n",
        f"{top}/graph/HCLr.fst": b"graph " * 50,
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


class Server:
    def __init__(self, root: Path, base: str) -> None:
        self.root = root
        self.base = base
        self.requests: list[str] = []

    def put(self, name: str, data: bytes) -> tuple[str, str]:
        (self.root / name).write_bytes(data)
        return f"{self.base}/{name}", hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "www"
    root.mkdir()
    holder: dict[str, Server] = {}

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            holder["s"].requests.append(self.path)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["s"] = Server(root, f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def entry(url: str, sha: str | None, **kw: Any) -> ModelEntry:
    return ModelEntry("test-model", "vosk", "en-us", (Artifact(url, sha),), unpack=True, **kw)


def leftovers(root: Path) -> list[str]:
    folder = root / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_registry_reads_models_and_voices() -> None:
    registry = models.load_registry()
    small = registry["vosk-small-en-us"]
    assert small.kind == "vosk"
    assert small.artifacts[0].sha256 == SMALL_SHA
    assert small.artifacts[0].name == "vosk-model-small-en-us-0.15.zip"
    lgraph = registry["vosk-en-us-lgraph"]
    assert lgraph.artifacts[0].sha256 is None  # honestly unpinned
    assert lgraph.trust_on_first_fetch
    voices = [e for e in registry.values() if e.kind == "voice"]
    assert voices
    assert all(not v.unpack for v in voices)


def test_fetch_verifies_and_unpacks(server: Server, tmp_path: Path) -> None:
    url, sha = server.put("model.zip", model_zip())
    root = tmp_path / "data"
    seen: list[tuple[str, int, int | None]] = []
    done = fetch(entry(url, sha), root=root, progress=lambda *a: seen.append(a))
    assert done.path == root / "models" / "test-model"
    assert (done.path / "am" / "final.mdl").read_bytes().startswith(b"acoustic model")
    assert (done.path / "conf" / "model.conf").exists()  # the top folder was stripped
    assert done.sha256 == {"model.zip": sha}
    assert done.verified == "pinned"
    assert leftovers(root) == ["test-model"]  # no staging folder, no archive
    assert seen[-1][1] == seen[-1][2] == len(model_zip())
    assert models.installed(entry(url, sha), root) == done


def test_fetch_again_downloads_nothing(server: Server, tmp_path: Path) -> None:
    url, sha = server.put("model.zip", model_zip())
    fetch(entry(url, sha), root=tmp_path)
    count = len(server.requests)
    fetch(entry(url, sha), root=tmp_path)
    assert len(server.requests) == count


def test_checksum_mismatch_leaves_nothing(server: Server, tmp_path: Path) -> None:
    url, _ = server.put("model.zip", model_zip())
    with pytest.raises(ModelError, match="sha256 mismatch") as caught:
        fetch(entry(url, "0" * 64), root=tmp_path)
    assert "nothing was installed" in str(caught.value)
    assert leftovers(tmp_path) == []


def test_failed_update_keeps_the_installed_model(server: Server, tmp_path: Path) -> None:
    url, sha = server.put("model.zip", model_zip())
    first = fetch(entry(url, sha), root=tmp_path)
    server.put("model.zip", model_zip(extra={"vosk-model-test-0.1/evil": b"x"}))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        fetch(entry(url, sha), root=tmp_path, force=True)
    assert (first.path / "am" / "final.mdl").exists()
    assert not (first.path / "evil").exists()
    assert leftovers(tmp_path) == ["test-model"]


def test_unpinned_is_refused_unless_trusted_on_first_fetch(server: Server, tmp_path: Path) -> None:
    url, sha = server.put("model.zip", model_zip())
    with pytest.raises(ModelError, match="no sha256 pinned"):
        fetch(entry(url, None), root=tmp_path)
    assert leftovers(tmp_path) == []
    trusted = entry(url, None, trust_on_first_fetch=True)
    done = fetch(trusted, root=tmp_path)
    assert done.sha256 == {"model.zip": sha}
    assert "not pinned" in done.verified
    # the first fetch pinned it locally: a changed file is refused later
    server.put("model.zip", model_zip(extra={"vosk-model-test-0.1/x": b"changed"}))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        fetch(trusted, root=tmp_path, force=True)
    assert (done.path / "am" / "final.mdl").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a zip file", "not a zip archive"),
        (model_zip(extra={"../escape.txt": b"x"}), "unsafe path"),
    ],
)
def test_bad_archives_are_refused(
    server: Server, tmp_path: Path, data: bytes, message: str
) -> None:
    url, sha = server.put("model.zip", data)
    with pytest.raises(ModelError, match=message):
        fetch(entry(url, sha), root=tmp_path)
    assert leftovers(tmp_path) == []
    assert not (tmp_path / "escape.txt").exists()


def test_network_errors_are_model_errors(server: Server, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot fetch"):
        fetch(entry(f"{server.base}/missing.zip", "0" * 64), root=tmp_path)
    assert leftovers(tmp_path) == []


def test_voices_use_the_same_fetch(server: Server, tmp_path: Path) -> None:
    onnx_url, onnx_sha = server.put("xx_XX-test-low.onnx", b"onnx bytes")
    json_url, json_sha = server.put("xx_XX-test-low.onnx.json", b"{}")
    voice = ModelEntry(
        "xx_XX-test-low",
        "voice",
        "xx_XX",
        (Artifact(onnx_url, onnx_sha), Artifact(json_url, json_sha)),
        unpack=False,
    )
    done = fetch(voice, root=tmp_path)
    assert done.path == tmp_path / "voices" / "xx_XX-test-low"
    assert (done.path / "xx_XX-test-low.onnx").read_bytes() == b"onnx bytes"
    assert (done.path / "xx_XX-test-low.onnx.json").exists()


def test_a_missing_model_names_the_command() -> None:
    with pytest.raises(ModelError) as caught:
        models.find_model("vosk-small-en-us")
    assert "kindly models fetch vosk-small-en-us" in str(caught.value)


def test_find_model_accepts_a_folder_and_an_installed_name(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert models.find_model(str(tmp_path)) == tmp_path
    url, sha = server.put("model.zip", model_zip())
    registry = tmp_path / "models.yaml"
    registry.write_text(
        f"models:\n  test-model:\n    engine: vosk\n    language: en-us\n"
        f"    url: {url}\n    sha256: {sha}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(models, "registry_dir", lambda: tmp_path)
    known = models.load_models()["test-model"]
    done = fetch(replace(known), root=tmp_path / "data")
    assert models.find_model("test-model", tmp_path / "data") == done.path


def test_registry_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "models.yaml"
    bad.write_text("models:\n  broken:\n    engine: vosk\n    language: en-us\n", encoding="utf-8")
    expected = r"models\.yaml:3: models\.broken: missing required field 'url'"
    with pytest.raises(ModelError, match=expected):
        models.load_models(bad)


def test_voices_are_read_by_the_same_parser(tmp_path: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text(
        "voices:\n  v-low:\n    language: en_US\n    quality: low\n    licence: CC0\n"
        "    embedded: some_wheel\n    files:\n"
        "      - url: https://example.org/v-low.onnx\n        sha256: " + "A" * 64 + "\n"
        "      - url: https://example.org/v-low.onnx.json\n        sha256: null\n",
        encoding="utf-8",
    )
    entry = models.load_registry(voices=voices)["v-low"]
    assert entry == ModelEntry(
        "v-low",
        "voice",
        "en_US",
        (
            Artifact("https://example.org/v-low.onnx", "a" * 64),
            Artifact("https://example.org/v-low.onnx.json", None),
        ),
        unpack=False,
        description="Piper voice (low; CC0)",
        embedded="some_wheel",
        quality="low",
        licence="CC0",
    )
    assert "vosk-small-en-us" in models.load_registry(voices=voices)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "voices:\n  v:\n    language: en\n    quality: low\n    licence: CC0\n"
            "    files:\n      - url: https://x/v.onnx\n        sha256: abc\n",
            r"voices\.yaml:7: voices\.v\.files\[0\]: sha256 must be 64 hex digits or null",
        ),
        ("voices: [1, 2]\n", r"voices\.yaml:1: voices: must map voice names to their details"),
        ("voices:\n  v: text\n", r"voices\.yaml:2: voices\.v: must be a mapping"),
    ],
)
def test_voice_registry_errors_name_file_key_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=expected):
        models.load_voices(path)


def test_a_missing_registry_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="voice registry not found"):
        models.load_voices(tmp_path / "none.yaml")
    with pytest.raises(ModelError, match="model registry not found"):
        models.load_models(tmp_path / "none.yaml")


def test_first_fetch_pins_are_written_whole(server: Server, tmp_path: Path) -> None:
    url, sha = server.put("model.zip", model_zip())
    fetch(entry(url, None, trust_on_first_fetch=True), root=tmp_path)
    pins = tmp_path / "models" / "pins.json"
    assert json.loads(pins.read_text(encoding="utf-8")) == {"test-model": {"model.zip": sha}}
    assert sorted(p.name for p in pins.parent.iterdir()) == ["pins.json", "test-model"]


def test_file_sha256_is_the_pinned_digest(tmp_path: Path) -> None:
    data = model_zip()
    path = tmp_path / "model.zip"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
