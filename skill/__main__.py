"""`kindly` command line: argument parsing only; the work is in skill.cli."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

from skill import __version__
from skill.errors import KindlyError

REGIONS = "us, ca, uk, ie, eu"


def _mqtt_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mqtt", metavar="HOST[:PORT]", help="MQTT broker (overrides mqtt.host)")
    parser.add_argument("--device-id", help="MQTT device id (default: the host name)")


def build_parser() -> argparse.ArgumentParser:
    from skill.config import LOG_LEVELS

    parser = argparse.ArgumentParser(
        prog="kindly", description="Kindly: an offline self-compassion voice companion."
    )
    parser.add_argument("--version", action="version", version=f"kindly {__version__}")
    parser.add_argument("--config", help="config file (default ~/.config/kindly/config.yaml)")
    parser.add_argument(
        "--log-level", type=str.lower, choices=LOG_LEVELS, help="debug, info, warning, error"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the live loop (voice, or --text)")
    run.add_argument("--text", action="store_true", help="type instead of speaking")
    run.add_argument("--fast", action="store_true", help="skip the waiting (tests, demos)")
    run.add_argument("--mute", action="store_true", help="print only, play no audio")
    run.add_argument("--region", help=f"helpline region: {REGIONS}")
    run.add_argument("--mic", help="microphone: # or part of its name (see `kindly devices`)")
    run.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recogniser")
    run.add_argument(
        "--push-to-talk", action="store_true", help="press Enter instead of a wake phrase"
    )
    _mqtt_flags(run)

    parse = sub.add_parser("parse", help="text to intent JSON")
    parse.add_argument("text", nargs="?", help="the text (default: read stdin)")
    parse.add_argument("--jsonl", action="store_true", help="one input per stdin line")

    listen = sub.add_parser("listen", help="audio files to intent JSON (plus the transcript)")
    listen.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC or OGG files, any rate")
    listen.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    listen.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recogniser")
    listen.add_argument("--mode", choices=("both", "grammar", "open"), default="both")

    practice = sub.add_parser("practice", help="list practices, or render one")
    practice.add_argument("id", help="'list' or a practice id")
    practice.add_argument("--json", action="store_true", help="with list: JSON output")
    practice.add_argument("--out", metavar="F.wav", help="write the whole practice to a WAV file")

    say = sub.add_parser("say", help="speak one line (on the speaker, or --out F.wav)")
    say.add_argument("text", help="what to say")
    say.add_argument("--out", metavar="F.wav", help="write a WAV file instead of playing")

    sub.add_parser("render", help="train the understanding, pre-render every line (caches)")

    models = sub.add_parser("models", help="voices (and recogniser models): list, fetch NAME")
    models.add_argument("action", choices=("list", "fetch"))
    models.add_argument("name", nargs="?", help="with fetch: what to download and verify")

    devices = sub.add_parser("devices", help="sound devices and the rates they support")
    devices.add_argument("--json", action="store_true", help="JSON output")

    mqtt = sub.add_parser("mqtt", help="MQTT and Home Assistant")
    mqtt_sub = mqtt.add_subparsers(dest="mqtt_command", required=True)
    forget = mqtt_sub.add_parser("forget", help="remove Kindly's entities from Home Assistant")
    _mqtt_flags(forget)

    sub.add_parser("forget", help="erase what Kindly remembered as helping (and show it)")

    check = sub.add_parser("check", help="validate intents/ and the practices")
    check.add_argument("content", nargs="?", help="content folder (default: intents/)")

    wyoming = sub.add_parser("wyoming", help="answer Home Assistant Assist (Wyoming protocol)")
    wyoming.add_argument(
        "--uri", metavar="tcp://HOST:PORT", help="where to listen (default: the wyoming config)"
    )
    wyoming.add_argument(
        "--no-zeroconf", action="store_true", help="do not advertise on the local network"
    )
    wyoming.add_argument("--region", help="helpline region: us, ca, uk, ie, eu")
    _mqtt_flags(wyoming)

    doctor = sub.add_parser("doctor", help="check mic, speaker, models, cache, config, MQTT")
    doctor.add_argument("--only", metavar="CHECK,...", help="only these checks (e.g. mic,model)")
    doctor.add_argument("--json", action="store_true", help="JSON output")
    doctor.add_argument("--chime", action="store_true", help="play a soft chime on the speaker")
    return parser


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse; an unknown option is reported with the usage of the command it was given to."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices
        command = commands[args.command]
        if getattr(args, "mqtt_command", None):
            command = next(
                a for a in command._actions if isinstance(a, argparse._SubParsersAction)
            ).choices[args.mqtt_command]
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


STOP_GRACE = 10.0  # seconds a SIGINT leaves Kindly to close what it opened


def _end(code: int) -> NoReturn:
    """Flush what was printed, then end the process at once (no interpreter teardown)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _exit_now(*_ignored: object) -> None:
    _end(130)


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    """SIGINT: unwind with KeyboardInterrupt, so that what is open is closed. The exception
    can be lost on its way (raised inside a finaliser, where Python only logs it, or caught
    by a library), and then Kindly would carry on as if never stopped: so the process ends
    anyway STOP_GRACE seconds later, and at once on a second SIGINT."""
    signal.signal(signal.SIGINT, _exit_now)
    deadline = threading.Timer(STOP_GRACE, _exit_now)
    deadline.daemon = True
    deadline.start()
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    previous: Callable[[int, FrameType | None], Any] | int | None = None
    try:
        with contextlib.suppress(ValueError):  # not the main thread (tests): nothing to undo
            previous = signal.signal(signal.SIGINT, _interrupted)  # see skill/__init__.py
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C, or systemd's SIGINT, at any moment (start-up too)
        return 130
    except RuntimeError as exc:
        # Python 3.11 wraps what is raised while a class is made in RuntimeError: a SIGINT
        # landing in a dataclass's `__set_name__` as `skill.config` is imported
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return 130
        raise
    finally:
        if previous is not None:  # called in-process (tests): the caller's handler again
            signal.signal(signal.SIGINT, previous)


def _main(argv: list[str] | None) -> int:
    args = _parse(argv)
    from skill.cli import common as cli

    try:
        if args.command == "doctor":  # before the config is read: a broken one is a finding
            from skill.cli import doctor as cli_doctor

            return cli_doctor.cmd_doctor(
                args.config,
                only=args.only,
                as_json=args.json,
                chime=args.chime,
                log_level=args.log_level,
            )
        config = cli.config_from(args.config)
        cli.setup_logging(args.log_level or config.log_level)
        if args.command == "check":
            return cli.cmd_check(args.content or config.content)
        if args.command == "forget":
            from skill.cli import memory as cli_memory

            return cli_memory.cmd_forget()
        if args.command == "devices":
            from skill.cli import audio as cli_audio

            return cli_audio.cmd_devices(args.json)
        if args.command == "parse":
            return cli.cmd_parse(config, args.text, args.jsonl)
        if args.command == "listen":
            from skill.cli import hearing as cli_hearing

            return cli_hearing.cmd_listen(
                config, args.files, jsonl=args.jsonl, engine=args.engine, mode=args.mode
            )
        if args.command == "practice":
            if args.id == "list":
                return cli.cmd_practice_list(config, args.json)
            from skill.cli import speaking as cli_speaking

            return cli_speaking.cmd_practice_audio(config, args.id, args.out)
        if args.command == "models":
            from skill.cli import speaking as cli_speaking

            return cli_speaking.cmd_models(config, args.action, args.name)
        if args.command in ("say", "render"):
            from skill.cli import speaking as cli_speaking

            if args.command == "say":
                return cli_speaking.cmd_say(config, args.text, args.out)
            return cli_speaking.cmd_render(config)
        if args.command in ("run", "mqtt", "wyoming"):
            from skill.cli import mqtt as cli_mqtt

            mqtt = cli_mqtt.mqtt_overrides(args.mqtt, args.device_id)
            config = config.with_overrides(top={"region": getattr(args, "region", None)}, mqtt=mqtt)
            if args.command == "mqtt":
                return cli_mqtt.cmd_forget(config)
        if args.command == "wyoming":
            from skill.cli import wyoming as cli_wyoming

            uri = args.uri or f"tcp://{config.wyoming.host}:{config.wyoming.port}"
            zeroconf = config.wyoming.zeroconf and not args.no_zeroconf
            return cli_wyoming.cmd_wyoming(config, uri, zeroconf=zeroconf)
        if args.command == "run":
            config = config.with_overrides(audio={"mic": args.mic}, hearing={"engine": args.engine})
            from skill.cli import run as cli_run

            return cli_run.cmd_run(
                config,
                text=args.text,
                fast=args.fast,
                mute=args.mute,
                push_to_talk=args.push_to_talk,
            )
    except KindlyError as exc:
        return cli.report(exc)
    except BrokenPipeError:
        return 0
    return 2


def entry() -> None:
    """The process entry (`kindly`, `python -m skill`). Everything Kindly opened is closed
    when `main` returns; the process then ends at once, so a native thread still busy (a
    background render inside onnxruntime) cannot abort the interpreter's teardown."""
    code = main()
    atexit._run_exitfuncs()  # os._exit skips them: folders kept in RAM are removed here
    _end(code)


if __name__ == "__main__":
    entry()
