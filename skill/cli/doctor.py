"""`kindly doctor`: prints the checks of skill.app.doctor, each failure with its fix.

Takes plain values and returns an exit code (1 when any check failed); only this prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from skill.app.doctor import CHECKS, config_path, run_checks
from skill.app.doctor_check import Check
from skill.cli import common as cli
from skill.errors import KindlyError


def parse_only(text: str | None) -> list[str] | None:
    """`mic,model` -> ["mic", "model"]; None for all checks."""
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        known = ", ".join(CHECKS)
        raise KindlyError(f"--only {text}: no check named {', '.join(unknown)} (checks: {known})")
    return names


def format_checks(checks: list[Check]) -> str:
    """One line per check; a failure adds its fix on the next line."""
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        lines.append(f"{mark}  {check.name:<{width}}  {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"{'':4}  {'':<{width}}  fix: {check.fix}")
    failed = sum(not c.ok for c in checks)
    lines.append(
        f"{failed} of {len(checks)} checks failed" if failed else f"all {len(checks)} checks ok"
    )
    return "\n".join(lines)


def cmd_doctor(
    config: str | None,
    *,
    only: str | None = None,
    as_json: bool = False,
    chime: bool = False,
    log_level: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the checks and print them; exit code 1 when any failed."""
    out = out or sys.stdout
    cli.setup_logging(log_level or "error")  # the report is the output, not log lines
    path = Path(config) if config else None
    checks = run_checks(path, parse_only(only), chime=chime)
    if as_json:
        out.write(json.dumps([c.to_json() for c in checks], indent=2) + "\n")
    else:
        out.write(f"Kindly doctor (config: {config_path(path)})\n{format_checks(checks)}\n")
    return 0 if all(c.ok for c in checks) else 1
