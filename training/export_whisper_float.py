"""Export Whisper base's encoder as a float32 ONNX graph without its weights.

The graph is :mod:`training.export_whisper_encoder`'s float32 graph (the log-mel inside,
attention fused, checked against torch) before quantization. Every initializer that
equals one of the encoder's parameters, or its transpose, is left empty and marked as
external data; a weights map beside the graph (same name, ``.json``) names the parameter
that fills it. The runtime fills them from CTranslate2's ``model.bin``
(:class:`talkrig.whisper_float_encoder.WhisperFloatEncoder`), so the package carries no
second copy of Whisper's weights: the graph keeps only the DFT and mel filters of the
front end. After writing, the files are loaded that way and checked against torch.
Usage::

    python -m training.export_whisper_float core/talkrig/models/whisper_base_encoder_float.onnx
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from talkrig.model.dims import WHISPER_BASE
from talkrig.whisper_float_encoder import FLOAT_ENCODER_KIND, TRANSPOSED, weights_map_path
from training.export_onnx import save_with_metadata
from training.export_whisper_encoder import FLOAT_TOL, SOURCES, check_cases, float_graph

EXTERNAL_LOCATION = "ctranslate2-model-bin"  # where the marked initializers' data lives
QUANTIZATION = "none: float32; weights filled at load from CTranslate2's model.bin"


def export(path: str | os.PathLike) -> Path:
    """Write the weightless float32 encoder of Whisper base and its weights map to
    ``path`` (and ``path`` with ``.json``); both checked by loading them."""
    import onnx

    from talkrig.model.dims import whisper_encoder_dims
    from talkrig.model.whisper_base import from_ct2
    from talkrig.model.whisper_weights import encoder_state
    from training.ct2_weights import whisper_encoder_variables

    dims = whisper_encoder_dims(WHISPER_BASE)
    variables = whisper_encoder_variables(WHISPER_BASE)
    net = from_ct2(variables, dims)
    with tempfile.TemporaryDirectory() as tmp:
        float_path = Path(tmp) / "float.onnx"
        float_graph(net, float_path, FLOAT_TOL[WHISPER_BASE])
        proto = onnx.load(str(float_path))
    weights = strip_weights(proto, encoder_state(variables, dims))
    meta = {"talkrig.kind": FLOAT_ENCODER_KIND, "talkrig.dims": dims.to_json(),
            "talkrig.source": SOURCES[WHISPER_BASE], "talkrig.quantization": QUANTIZATION}
    path = save_with_metadata(proto, path, meta)
    _write_json(weights_map_path(path), {"kind": FLOAT_ENCODER_KIND,
                                         "dims": json.loads(dims.to_json()),
                                         "weights": weights})
    check(net, path)
    return path


def strip_weights(proto, state: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """Empty every initializer of ``proto`` that equals a parameter in ``state`` or its
    transpose, marking it external; returns {initializer: [parameter, "" or "T"]}.
    Equal values make any match correct, so parameters that happen to be equal (zero
    biases) may fill each other's initializers."""
    import onnx
    from onnx import numpy_helper

    by_shape: dict[tuple, list[str]] = {}
    for key, value in state.items():
        by_shape.setdefault(value.shape, []).append(key)
    weights = {}
    for init in proto.graph.initializer:
        array = numpy_helper.to_array(init)
        found = _match(array, state, by_shape)
        if found is None:
            continue
        weights[init.name] = list(found)
        init.ClearField("raw_data")
        init.ClearField("float_data")
        init.data_location = onnx.TensorProto.EXTERNAL
        entry = init.external_data.add()
        entry.key, entry.value = "location", EXTERNAL_LOCATION
    missing = set(state) - {key for key, _ in weights.values()}
    if missing:
        raise RuntimeError(f"parameters found in no initializer: {sorted(missing)[:5]}")
    return weights


def _match(array: np.ndarray, state, by_shape) -> tuple[str, str] | None:
    if array.dtype != np.float32 or array.size < 2:
        return None
    for key in by_shape.get(array.shape, []):
        if np.array_equal(array, state[key]):
            return key, ""
    if array.ndim == 2:
        for key in by_shape.get(array.shape[::-1], []):
            if np.array_equal(array, state[key].T):
                return key, TRANSPOSED
    return None


def check(net, path: Path) -> None:
    """Load the written files as the runtime does and compare with torch."""
    import torch

    from talkrig.phones.whisper_words import model_bin
    from talkrig.whisper_float_encoder import WhisperFloatEncoder

    encoder = WhisperFloatEncoder(model_bin(), path)
    for label, feeds in check_cases():
        got = encoder.encode(feeds["audio"])
        with torch.no_grad():
            want = net(torch.from_numpy(feeds["audio"])).numpy()
        diff = float(np.max(np.abs(got - want)))
        if got.shape != want.shape or diff > FLOAT_TOL[WHISPER_BASE]:
            raise RuntimeError(f"weightless encoder check failed at {label}: shape "
                               f"{got.shape} vs {want.shape}, max diff {diff:.2e}")


def _write_json(path: Path, doc: dict) -> None:
    from talkrig.atomic import atomic_open

    with atomic_open(path, "w", force=True) as handle:
        json.dump(doc, handle, indent=1, sort_keys=True)
        handle.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("output", type=Path, help="ONNX file to write (its weights map "
                                                  "goes beside it, same name, .json)")
    path = export(parser.parse_args(argv).output)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {weights_map_path(path).name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
