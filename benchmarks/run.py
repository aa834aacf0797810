"""Run every benchmark (``make bench``). Each prints its figures against a same-run baseline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("*/bench_*.py"))
    status = 0
    for script in scripts:
        print(f"== {script.relative_to(HERE)}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
