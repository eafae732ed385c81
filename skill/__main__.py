"""`kindly` command line: argument parsing only; the work is in skill.cli."""

from __future__ import annotations

import argparse
import sys

from skill import __version__, cli
from skill.errors import KindlyError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kindly", description="Kindly: an offline self-compassion voice companion."
    )
    parser.add_argument("--version", action="version", version=f"kindly {__version__}")
    parser.add_argument("--config", help="config file (default ~/.config/kindly/config.yaml)")
    parser.add_argument("--log-level", help="debug, info, warning, error")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the live loop (voice, or --text)")
    run.add_argument("--text", action="store_true", help="type instead of speaking")
    run.add_argument("--fast", action="store_true", help="skip the waiting (tests, demos)")
    run.add_argument("--mute", action="store_true", help="print only, play no audio")
    run.add_argument("--region", help="helpline region: us, ca, uk, ie")

    parse = sub.add_parser("parse", help="text to intent JSON")
    parse.add_argument("text", nargs="?", help="the text (default: read stdin)")
    parse.add_argument("--jsonl", action="store_true", help="one input per stdin line")

    practice = sub.add_parser("practice", help="list practices, or render one")
    practice.add_argument("id", help="'list' or a practice id")
    practice.add_argument("--json", action="store_true", help="with list: JSON output")
    practice.add_argument("--out", metavar="F.wav", help="write the whole practice to a WAV file")

    say = sub.add_parser("say", help="speak one line (on the speaker, or --out F.wav)")
    say.add_argument("text", help="what to say")
    say.add_argument("--out", metavar="F.wav", help="write a WAV file instead of playing")

    sub.add_parser("render", help="pre-render every line Kindly can say (speech cache)")

    check = sub.add_parser("check", help="validate intents/ and the practices")
    check.add_argument("content", nargs="?", help="content folder (default: intents/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = cli.config_from(args.config)
        cli.setup_logging(args.log_level or config.log_level)
        if args.command == "check":
            return cli.cmd_check(args.content or config.content)
        if args.command == "parse":
            return cli.cmd_parse(config, args.text, args.jsonl)
        if args.command == "practice":
            if args.id == "list":
                return cli.cmd_practice_list(config, args.json)
            from skill import cli_speaking

            return cli_speaking.cmd_practice_audio(config, args.id, args.out)
        if args.command in ("say", "render"):
            from skill import cli_speaking

            if args.command == "say":
                return cli_speaking.cmd_say(config, args.text, args.out)
            return cli_speaking.cmd_render(config)
        if args.command == "run":
            config = config.with_overrides(top={"region": args.region})
            from skill import cli_speaking

            return cli_speaking.cmd_run_text_spoken(config, fast=args.fast, mute=args.mute)
    except KindlyError as exc:
        return cli.report(exc)
    except BrokenPipeError:
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
