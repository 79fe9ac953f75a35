"""Evaluate an engine on annotated speech (a thin wrapper over ``talkrig eval``).

    python training/evaluate.py ../shared/data/speech-dev/mfa --engine phonetic --no-text \
        -o eval_report.json
"""

from __future__ import annotations

import sys

from talkrig.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["eval", *sys.argv[1:]]))
