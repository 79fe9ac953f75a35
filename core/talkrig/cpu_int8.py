"""Whether this CPU's int8 matrix products are exact.

x86 CPUs without VNNI (AVX2 only, or AVX-512 before Cascade Lake) multiply uint8 by
int8 with ``vpmaddubsw``, which adds each pair of byte products in int16 and saturates
at 32767 (2 x 255 x 127 = 64770 does not fit). onnxruntime's int8 matrix product does
so there (measured), so a model whose weights use all 8 bits computes wrong sums on loud
inputs. Whisper base run by CTranslate2 in int8 (oneDNN's u8s8 product on that CPU) heard
"and" for a 7 s line on such a CPU (an AMD EPYC), and the words in float32. The shipped ONNX encoder avoids this with
7-bit weights (``training/export_whisper_encoder.py``); for CTranslate2, which quantizes
its own way, :func:`int8_pairs_saturate` tells whether to run Whisper's encoder in float32
instead (``talkrig.phones.whisper_words``).
"""

from __future__ import annotations

import functools

import numpy as np

PROBE = "int8_probe.onnx"  # models/: one MatMulInteger (training/export_int8_probe.py)
PROBE_DEPTH = 64  # products summed: 64 x 255 x 127 = 2 072 640; 32 saturated pairs 1 048 544


def probe_session():
    """An onnxruntime CPU session over the packaged probe graph: inputs ``a`` uint8
    (1, PROBE_DEPTH) and ``b`` int8 (PROBE_DEPTH, 1), output ``y`` int32 (1, 1)."""
    from talkrig.runtime import open_session, packaged_model

    return open_session(packaged_model(PROBE), "int8 probe", device="cpu")


@functools.lru_cache(maxsize=1)
def int8_pairs_saturate() -> bool:
    """True when onnxruntime's uint8 x int8 product of 255s and 127s is not exact here
    (probed once per process; about a millisecond)."""
    session = probe_session()
    a = np.full((1, PROBE_DEPTH), 255, np.uint8)
    b = np.full((PROBE_DEPTH, 1), 127, np.int8)
    got = int(session.run(["y"], {"a": a, "b": b})[0][0, 0])
    return got != 255 * 127 * PROBE_DEPTH
