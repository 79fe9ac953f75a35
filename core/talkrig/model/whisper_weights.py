"""Whisper encoder weights from CTranslate2's variables, named as the torch encoder's.

:func:`encoder_state` maps CTranslate2's ``encoder/...`` variables
(:mod:`talkrig.ct2_model`) to the state-dict names of
:class:`talkrig.model.whisper_base.WhisperBaseEncoder`, in float32 and numpy only, so
that both the exporter (torch) and the runtime's float32 encoder (onnxruntime, no
torch: :mod:`talkrig.whisper_float_encoder`) fill the same parameters the same way.
"""

from __future__ import annotations

import numpy as np

from talkrig.model.dims import WhisperEncoderDims

# CTranslate2 variable names of one block's parts
CT2_BLOCK = {"attn_norm": "self_attention/layer_norm", "qkv": "self_attention/linear_0",
             "attn_out": "self_attention/linear_1", "mlp_norm": "ffn/layer_norm",
             "mlp_in": "ffn/linear_0", "mlp_out": "ffn/linear_1"}


def conv_as_linear(weight: np.ndarray) -> np.ndarray:
    """A kernel-3 conv1d weight (C_out, C_in, 3) as ``StridedConv``'s (C_out, 3 * C_in):
    the three taps side by side, each over all input channels."""
    return weight.transpose(0, 2, 1).reshape(weight.shape[0], -1)


def encoder_state(variables: dict[str, np.ndarray],
                  dims: WhisperEncoderDims) -> dict[str, np.ndarray]:
    """The learnt parameters of the first ``dims.layers`` blocks (and the stem, positions
    and final norm), float32, keyed by the torch encoder's state-dict names."""
    def tensor(name: str) -> np.ndarray:
        return np.asarray(variables["encoder/" + name], dtype=np.float32)

    def layer(ours: str, theirs: str) -> dict[str, np.ndarray]:
        kind = ("gamma", "beta") if theirs.endswith("layer_norm") else ("weight", "bias")
        return {f"{ours}.weight": tensor(f"{theirs}/{kind[0]}"),
                f"{ours}.bias": tensor(f"{theirs}/{kind[1]}")}

    state = {**layer("out_norm", "layer_norm"),
             "positions": tensor("position_encodings/encodings")}
    for conv in ("conv1", "conv2"):
        state[f"{conv}.linear.weight"] = conv_as_linear(tensor(f"{conv}/weight"))
        state[f"{conv}.linear.bias"] = tensor(f"{conv}/bias")
    for index in range(dims.layers):
        for ours, theirs in CT2_BLOCK.items():
            state.update(layer(f"blocks.{index}.{ours}", f"layer_{index}/{theirs}"))
    return state
