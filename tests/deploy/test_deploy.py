"""The Raspberry Pi deployment: the installer and uninstaller, the systemd unit, the runtime
dependencies on aarch64, and `kindly doctor` as a person runs it.

System tests run the real scripts and tools (bash, pip, shellcheck, systemd-analyze); they
skip on a developer machine without them and fail in CI (KINDLY_REQUIRE_SYSTEM=1). The ones
marked `registry` also need the package index: the install resolves Kindly's dependencies
with pip (about a minute), and the aarch64 check asks pip to resolve them for another
platform. CI has the index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.brokers import free_port
from tests.conftest import ROOT, require_system

PI = ROOT / "deploy" / "pi"
INSTALL = PI / "install.sh"
UNINSTALL = PI / "uninstall.sh"
UNIT = PI / "kindly.service"
INSTALL_TIMEOUT = 900.0  # a cold pip install on a slow index; about a minute here
# What a Pi's pip accepts at the least: glibc 2.17 wheels, under both names of that tag.
# Raspberry Pi OS bookworm has glibc 2.36: every manylinux tag from 2.17 to 2.36 installs.
AARCH64 = (
    *(f"manylinux_2_{minor}_aarch64" for minor in range(36, 16, -1)),
    "manylinux2014_aarch64",
)


def run(
    command: list[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without Kindly's own variables (the tests set what they mean)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDLY_")}
    return {**env, **extra}


def require_registry() -> None:
    """Skip (fail in CI) unless pip can reach the package index."""
    probe = run([sys.executable, "-m", "pip", "index", "versions", "paho-mqtt"], timeout=120)
    if probe.returncode != 0:
        message = f"needs the package index (pip: {probe.stderr.strip()[-300:]})"
        if os.environ.get("KINDLY_REQUIRE_SYSTEM") == "1":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


# --- install, install again, uninstall ---------------------------------------------------------


def manifest(root: Path) -> dict[str, tuple[object, ...]]:
    """Every path under root: its type, size, mode, modification time and link target."""
    found: dict[str, tuple[object, ...]] = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        target = os.readlink(path) if path.is_symlink() else None
        kind = stat.S_IFMT(info.st_mode)
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        found[str(path.relative_to(root))] = (kind, size, info.st_mode, info.st_mtime_ns, target)
    return found


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}


@pytest.mark.system
@pytest.mark.registry
def test_install_again_then_uninstall(tmp_path: Path) -> None:
    """The whole life of a --root install: it works on its own, a second run changes nothing,
    uninstall keeps only the config, --purge removes that too."""
    require_system("bash", "sha256sum", "realpath", "tar")
    require_registry()
    root = tmp_path / "root"
    venv = root / "opt" / "kindly"
    options = ["--region", "uk", "--mqtt", "broker.local:1884", "--device-id", "test-pi"]
    first = run(
        [INSTALL, "--root", root, "--no-models", "--no-render", *options, "--mic", "USB"],
        env=clean_env(),
        timeout=INSTALL_TIMEOUT,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"installing Kindly into {venv}" in first.stdout
    assert f"ok: {venv}/share/kindly/intents (" in first.stdout

    # Where everything went.
    config_file = root / "etc" / "kindly" / "config.yaml"
    assert yaml.safe_load(config_file.read_text(encoding="utf-8")) == {
        "region": "uk",
        "audio": {"mic": "USB"},
        "mqtt": {"host": "broker.local", "port": 1884, "device_id": "test-pi"},
    }
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640
    for state in ("var/lib/kindly", "var/cache/kindly"):
        assert stat.S_IMODE((root / state).stat().st_mode) == 0o700, state
    assert (root / "etc/systemd/system/kindly.service").read_bytes() == UNIT.read_bytes()
    # The network allow list: broker.local does not resolve here, so loopback only, said.
    network = (root / "etc/systemd/system/kindly.service.d/network.conf").read_text()
    assert "(mqtt.host: broker.local," in network and "[Service]" in network
    assert "IPAddressAllow=" not in network
    assert "cannot look up the broker broker.local now" in first.stdout
    assert (root / "usr/local/bin/kindly").read_bytes() == (PI / "kindly-cli.sh").read_bytes()
    assert (venv / "share/kindly/intents/practices/self_compassion_break.yaml").is_file()
    assert len(list((venv / "share/kindly/intents/_writers").glob("writer_*.yaml"))) >= 20
    for registry in ("voices.yaml", "models.yaml"):  # what `kindly models` reads
        assert (venv / "share/kindly/voices" / registry).is_file(), registry

    # Again, with other options: nothing changes, not even a modification time.
    before = manifest(root)
    second = run(
        [INSTALL, "--root", root, "--no-models", "--no-render", "--region", "us"],
        env=clean_env(),
        timeout=INSTALL_TIMEOUT,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Kindly in {venv} is up to date" in second.stdout
    assert f"keeping {config_file}" in second.stdout
    after = manifest(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"a second install changed: {changed[:20]}"

    # The installed Kindly on its own: from another folder, no checkout's intents/ in sight.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(KINDLY_CONFIG=str(config_file))
    parsed = run([venv / "bin" / "kindly", "parse", "I messed up"], env=env, cwd=elsewhere)
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["intent"] == "self_compassion_break"
    checked = run([venv / "bin" / "kindly", "check"], env=env, cwd=elsewhere, timeout=300)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"ok: {venv}/share/kindly/intents (")
    env["KINDLY_DATA"] = str(root / "var/lib/kindly")
    only = ["--only", "config,content,model", "--json"]
    doctor = run([venv / "bin/kindly", "doctor", *only], env=env, cwd=elsewhere)
    found = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert found["config"]["ok"] and found["content"]["ok"], found
    assert re.match(rf"{venv}/share/kindly/intents: \d+ practices", found["content"]["detail"])
    assert found["model"]["detail"].startswith("PocketSphinx with its English model")

    # Uninstall: only the config is left; --purge takes it too.
    removed = run([UNINSTALL, "--root", root], env=clean_env())
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert files_under(root) == {"etc/kindly/config.yaml"}
    assert f"kept {config_file}" in removed.stdout
    again = run([UNINSTALL, "--root", root], env=clean_env())  # nothing left to do: fine
    assert again.returncode == 0, again.stdout + again.stderr
    purged = run([UNINSTALL, "--root", root, "--purge"], env=clean_env())
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert files_under(root) == set()
    assert [str(p) for p in root.rglob("*kindly*")] == []


def test_install_refuses_a_32_bit_os(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for machine in ("aarch64", "armv7l"):  # a 64-bit kernel can run a 32-bit Raspberry Pi OS
        result = run(
            [INSTALL, "--root", root, "--no-models", "--no-render"],
            env=clean_env(KINDLY_TEST_LONG_BIT="32", KINDLY_TEST_MACHINE=machine),
        )
        assert result.returncode == 1
        assert f"Kindly needs a 64-bit OS, and this is a 32-bit one (on {machine})" in result.stderr
        assert "Raspberry Pi OS (64-bit)" in result.stderr
    assert not root.exists()


def test_install_refuses_python_before_3_11(tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\necho 3.9\n", encoding="utf-8")
    old.chmod(0o755)
    root = tmp_path / "root"
    result = run(
        [INSTALL, "--root", root, "--python", old, "--no-models", "--no-render"],
        env=clean_env(),
    )
    assert result.returncode == 1
    assert f"Kindly needs Python 3.11 or newer, and {old} is 3.9" in result.stderr
    assert not root.exists()


def test_install_rejects_bad_options(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for options, message in (
        (["--device-id", "my pi"], "--device-id 'my pi': use letters, digits, - and _ only"),
        (["--engine", "whisper"], "--engine: auto, vosk or pocketsphinx"),
        (["--region"], "--region needs a value"),
        (["--colour", "blue"], "unknown option '--colour'"),
    ):
        result = run([INSTALL, "--root", root, *options], env=clean_env())
        assert result.returncode == 1, options
        assert message in result.stderr, result.stderr
    assert not root.exists()


# --- the scripts and the unit ----------------------------------------------------------------


def shell_scripts() -> list[Path]:
    """Every shell script in deploy/ and .ci/: a .sh name or a shell shebang."""
    found = []
    for folder in (ROOT / "deploy", ROOT / ".ci"):
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            with path.open("rb") as f:
                first = f.readline()
            if path.suffix == ".sh" or re.match(rb"#!.*\b(ba|da)?sh\b", first):
                found.append(path)
    return found


@pytest.mark.system
def test_shell_scripts_are_shellcheck_clean() -> None:
    require_system("shellcheck")
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"deploy/apt.sh", "deploy/pi/install.sh", "deploy/pi/uninstall.sh", ".ci/run"} <= names
    result = run(["shellcheck", "--external-sources", *scripts])
    assert result.returncode == 0, result.stdout + result.stderr
    for script in scripts:
        assert "set -euo pipefail" in script.read_text(encoding="utf-8"), script


def unit_settings() -> dict[str, dict[str, list[str]]]:
    """The unit file as {section: {key: [values...]}}."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_unit_restarts_watches_and_sandboxes() -> None:
    unit = unit_settings()
    service = {k: v[-1] for k, v in unit["Service"].items()}
    assert "StartLimitIntervalSec" in unit["Unit"] and "StartLimitBurst" in unit["Unit"]
    assert service["Restart"] == "on-failure" and int(service["RestartSec"]) >= 5
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0
    assert service["ExecStart"] == "/opt/kindly/bin/kindly run"
    assert unit["Service"]["Environment"] == [
        "KINDLY_CONFIG=/etc/kindly/config.yaml",
        "KINDLY_DATA=/var/lib/kindly",
        "KINDLY_CACHE=/var/cache/kindly",
        "HOME=/var/lib/kindly",
    ]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
        "NoNewPrivileges": "true",
        "StateDirectory": "kindly",
        "CacheDirectory": "kindly",
        "SupplementaryGroups": "audio",
        "DevicePolicy": "closed",
        "DeviceAllow": "char-alsa rw",
        "UMask": "0077",
        "CapabilityBoundingSet": "",
        "SystemCallArchitectures": "native",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "StandardOutput": "null",
        "LimitCORE": "0",
        "IPAddressDeny": "any",  # offline: loopback and the installer's allow list only
        "IPAddressAllow": "localhost",
    }.items():
        assert service.get(key) == value, key
    assert "PrivateDevices" not in service  # it would hide /dev/snd


def _unit_runnable_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at a program that exists here (nothing else changed)."""
    text = UNIT.read_text(encoding="utf-8")
    true = shutil.which("true") or "/bin/true"
    changed = text.replace("ExecStart=/opt/kindly/bin/kindly run", f"ExecStart={true} run")
    assert changed != text
    path = tmp_path / "kindly.service"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.mark.system
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    require_system("systemd-analyze")
    unit = _unit_runnable_here(tmp_path)
    result = run(["systemd-analyze", "verify", unit])
    complaints = [line for line in result.stderr.splitlines() if "kindly.service" in line]
    assert result.returncode == 0 and not complaints, result.stderr


@pytest.mark.system
def test_unit_sandbox_exposure_is_ok(tmp_path: Path) -> None:
    require_system("systemd-analyze")
    unit = _unit_runnable_here(tmp_path)
    result = run(["systemd-analyze", "security", "--offline=true", unit])
    found = re.search(
        r"Overall exposure level for kindly\.service: (\d+\.\d+) (\w+)", result.stdout
    )
    if found is None and "offline" in result.stderr:
        require_system("systemd-analyze-offline (systemd 252 or later)")
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0, result.stdout
    assert "does not define an IP address allow list" not in result.stdout


# --- runtime dependencies on a Raspberry Pi (aarch64) --------------------------------------------


def runtime_requirements() -> list[Requirement]:
    """Kindly's runtime dependencies: the core ones and the `voice` extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["voice"]
    ]


def native_requirements(direct: list[Requirement]) -> list[Requirement]:
    """Dependencies of dependencies that are compiled (not pure Python) as installed here,
    with the version range their parent asks for: onnxruntime below piper-tts, and so on."""
    direct_names = {canonicalize_name(r.name) for r in direct}
    seen: set[str] = set()
    queue = list(direct)
    found = []
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        if name not in direct_names and "Root-Is-Purelib: false" in (dist.read_text("WHEEL") or ""):
            found.append(Requirement(f"{requirement.name}{requirement.specifier}"))
        for text in dist.requires or []:
            child = Requirement(text)
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                queue.append(child)
    return found


@pytest.mark.system
@pytest.mark.registry
def test_runtime_dependencies_resolve_for_a_raspberry_pi(tmp_path: Path) -> None:
    """Every runtime dependency has a wheel a 64-bit Pi can install, or (PyAudio) builds
    there from source with only the Debian packages the installer installs."""
    require_registry()
    direct = runtime_requirements()
    wanted = [r for r in direct + native_requirements(direct) if r.name.lower() != "pyaudio"]
    assert "onnxruntime" in {canonicalize_name(r.name) for r in wanted}  # the walk works
    report = tmp_path / "report.json"
    pip = [sys.executable, "-m", "pip"]
    for_a_pi = [arg for tag in AARCH64 for arg in ("--platform", tag)]
    for_a_pi += ["--python-version", "3.11", "--implementation", "cp", "--only-binary=:all:"]
    resolve = ["install", "--dry-run", "--no-deps", "--ignore-installed", "--quiet"]
    resolve += ["--target", str(tmp_path / "target"), "--report", str(report)]
    result = run([*pip, *resolve, *for_a_pi, *[str(r) for r in wanted]], timeout=600)
    assert result.returncode == 0, result.stderr
    resolved = {}
    for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
        file = item["download_info"]["url"].rsplit("/", 1)[-1]
        assert file.endswith(".whl"), file
        tags = file.removesuffix(".whl").rsplit("-", 1)[-1].split(".")
        assert any(t == "any" or t.endswith("_aarch64") for t in tags), file
        resolved[canonicalize_name(item["metadata"]["name"])] = file
    assert set(resolved) == {canonicalize_name(r.name) for r in wanted}

    pyaudio = next(r for r in direct if r.name.lower() == "pyaudio")
    download = ["download", "--no-deps", "--no-binary=:all:", "--quiet"]
    sdist = run([*pip, *download, "--dest", tmp_path / "sdist", str(pyaudio)], timeout=600)
    assert sdist.returncode == 0, sdist.stderr
    assert [p.suffixes[-2:] for p in (tmp_path / "sdist").iterdir()] == [[".tar", ".gz"]]
    runtime = re.search(r"^runtime=\((.*)\)$", (ROOT / "deploy/apt.sh").read_text(), re.M)
    assert runtime and {"portaudio19-dev", "python3-dev", "gcc"} <= set(runtime[1].split())


# --- kindly doctor, as a person runs it -----------------------------------------------------


@pytest.mark.system
def test_doctor_reports_no_mic_no_model_no_broker_with_fixes(tmp_path: Path) -> None:
    """No sound server, an empty data folder and a broker port nobody listens on."""
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"mqtt:\n  host: 127.0.0.1\n  port: {port}\n"
        "audio:\n  mic: kindly-test-no-such-mic\n",  # even where a real microphone exists
        encoding="utf-8",
    )
    (tmp_path / "data").mkdir()
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith("PULSE_") and k != "ALSA_CONFIG_PATH"  # no test PulseAudio
    }
    env |= {
        "KINDLY_CONFIG": str(config),
        "KINDLY_DATA": str(tmp_path / "data"),
        "KINDLY_CACHE": str(tmp_path / "cache"),
    }
    kindly = Path(sys.executable).parent / "kindly"
    result = run([kindly, "doctor", "--json"], env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert list(checks) == [
        "config",
        "content",
        "mic",
        "speaker",
        "model",
        "voice",
        "cache",
        "mqtt",
    ]
    assert checks["config"]["ok"] and checks["content"]["ok"]

    mic = checks["mic"]
    assert not mic["ok"]
    assert mic["detail"].startswith(("no microphone found", "no microphone named"))
    assert "`kindly devices` lists them" in mic["fix"] and str(config) in mic["fix"]

    model = checks["model"]  # no Vosk model: PocketSphinx hears, with no download
    assert model["ok"], model
    assert model["detail"].startswith("PocketSphinx with its English model")
    assert "`kindly models fetch vosk-small-en-us` adds one" in model["detail"]

    mqtt = checks["mqtt"]
    assert not mqtt["ok"]
    assert mqtt["detail"] == f"cannot reach the MQTT broker 127.0.0.1:{port}: Connection refused"
    assert "remove mqtt.host to run without MQTT" in mqtt["fix"]

    shown = run([kindly, "doctor", "--only", "mic,model,mqtt"], env=env, cwd=tmp_path)
    assert shown.returncode == 1
    lines = shown.stdout.splitlines()
    assert lines[0] == f"Kindly doctor (config: {config})"
    assert [line.split()[0] for line in lines[1:-1]] == ["FAIL", "fix:", "ok", "FAIL", "fix:"]
    assert lines[-1] == "2 of 3 checks failed"
