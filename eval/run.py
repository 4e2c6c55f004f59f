"""`python eval/run.py [options]` = `assistant eval [options]`, for checkouts where the package is not installed."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.cli import main  # noqa: E402  (needs the repository root on sys.path first)

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
