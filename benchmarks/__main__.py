"""Run every benchmark module in this folder (or the ones named) and print their tables."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    # Options such as --quick are left in sys.argv for the benchmarks that read them.
    names = [a for a in argv if not a.startswith("-")] or sorted(
        p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_")
    )
    failed = []
    for name in names:
        print(f"\n== benchmarks/{name}.py ==", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"FAILED: {type(exc).__name__}: {exc}")
            failed.append(name)
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
