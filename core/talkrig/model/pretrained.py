"""An optional pretrained speech encoder (wav2vec2, HuBERT, ...) in place of the log-mel front end.

Self-supervised speech encoders trained on thousands of hours of real voices transfer to
new speakers far better than a front end trained here on synthetic speech. Nothing is
downloaded: the user points at a local directory holding a transformers checkpoint
(``config.json`` + weights, optionally ``preprocessor_config.json``), e.g. one saved with
``Wav2Vec2Model.from_pretrained(...).save_pretrained(DIR)`` on a machine with access.

The encoder's config goes into :class:`ModelDims` (``pretrained_config``), so every
checkpoint and ONNX file rebuilds the same network; its weights travel in the state dict.

Shapes (B batch, N samples, F = encoder frames at 50 fps, H its width, T = 3 N / 800)::

    audio (B, N) --[normalise]--> encoder --> (B, F, H) --linear in time--> (B, H, T)
        --1x1 conv--> (B, C, T)

Needs torch and transformers (the ``train`` extra).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import torch
from torch import nn

from talkrig.errors import TalkRigError
from talkrig.model.dims import BLOCK_FRAMES, BLOCK_SAMPLES, ModelDims

PRETRAINED = "pretrained"  # ModelDims.speech_encoder value
NORMALISE_EPS = 1e-7  # as transformers' Wav2Vec2FeatureExtractor


class PretrainedSpeechEncoder(nn.Module):
    """Waveform (B, N) -> audio features (B, C, T) at 60 fps through a pretrained encoder."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        from transformers import AutoModel

        config = encoder_config(dims.pretrained_config)
        self.normalize = dims.pretrained_normalize
        self.encoder = AutoModel.from_config(config)
        self.project = nn.Conv1d(config.hidden_size, dims.channels, 1)
        self.frozen = False

    def freeze(self) -> None:
        """Keep the pretrained weights as they are: no gradients, no dropout."""
        self.frozen = True
        self.encoder.requires_grad_(False)
        self.encoder.eval()

    def train(self, mode: bool = True) -> "PretrainedSpeechEncoder":
        super().train(mode)
        if self.frozen:
            self.encoder.eval()
        return self

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        if self.normalize:
            mean = audio.mean(dim=1, keepdim=True)
            var = (audio - mean).pow(2).mean(dim=1, keepdim=True)
            audio = (audio - mean) * torch.rsqrt(var + NORMALISE_EPS)
        hidden = self.encoder(audio).last_hidden_state.transpose(1, 2)  # (B, H, F)
        n_frames = audio.shape[1] // BLOCK_SAMPLES * BLOCK_FRAMES
        hidden = nn.functional.interpolate(hidden, size=n_frames, mode="linear",
                                           align_corners=False)  # (B, H, T)
        return self.project(hidden)


def encoder_config(config_json: str):
    """A transformers config object from its JSON text (``model_type`` picks the class)."""
    from transformers import AutoConfig

    doc = json.loads(config_json)
    return AutoConfig.for_model(doc.pop("model_type"), **doc)


def with_pretrained_encoder(dims: ModelDims, directory: str | os.PathLike) -> ModelDims:
    """``dims`` with its speech encoder replaced by the one saved in ``directory``.

    Raises
    ------
    TalkRigError
        When ``directory`` holds no transformers speech model config.
    """
    config_path = Path(directory) / "config.json"
    if not config_path.is_file():
        raise TalkRigError("no config.json: not a saved transformers model directory",
                           str(directory))
    try:
        doc = json.loads(config_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise TalkRigError(f"config.json is not readable JSON ({exc})", str(config_path)) from None
    if "model_type" not in doc or "hidden_size" not in doc:
        raise TalkRigError("config.json does not describe a speech encoder "
                           "(no model_type or hidden_size)", str(config_path))
    extractor = Path(directory) / "preprocessor_config.json"
    normalize = False
    if extractor.is_file():
        normalize = bool(json.loads(extractor.read_text("utf-8")).get("do_normalize", False))
    return dataclasses.replace(dims, speech_encoder=PRETRAINED,
                               pretrained_config=json.dumps(doc, sort_keys=True),
                               pretrained_normalize=normalize)


def load_pretrained_weights(encoder: PretrainedSpeechEncoder,
                            directory: str | os.PathLike) -> None:
    """Copy the weights saved in ``directory`` into ``encoder`` (local files only)."""
    from transformers import AutoModel

    try:
        source = AutoModel.from_pretrained(str(directory), local_files_only=True)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TalkRigError(f"cannot load the pretrained weights ({first})",
                           str(directory)) from None
    encoder.encoder.load_state_dict(source.state_dict())
