"""Face landmarks for the tracker: MediaPipe's face-landmark network on onnxruntime.

The network (``talkrig/models/face_landmark.onnx``, converted from MediaPipe 0.10.21's
``face_landmark.tflite``, Apache-2.0, notice in ``models/LICENSE-mediapipe``) reads a
192 x 192 RGB face crop and returns 468 points of MediaPipe's face mesh. The tracker
uses the points that lie on the inner face (the face oval slides along the
silhouette as the head turns): ``rigs/ict_mediapipe_landmarks.json`` ties each to a
vertex of the ICT head (built by ``training/build_landmark_map.py``).

NumPy + onnxruntime only; no torch.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from talkrig.errors import TalkRigError

INPUT_SIZE = 192  # the network's square input, pixels
N_POINTS = 468
MAP_SCHEMA = "talkrig.landmark_map/1"
MIN_FACE_SCORE = 0.0  # face-presence logit below which a detection is discarded (p < 0.5)
# MediaPipe face-mesh indices of the outer eye corners (subject's right, left): the
# normaliser of the normalised mean error (NME, inter-ocular)
OUTER_EYE_CORNERS = (33, 263)


@dataclass(frozen=True, eq=False)
class LandmarkMap:
    """MediaPipe landmark -> ICT head vertex correspondence.

    points : (K,) int64 MediaPipe indices used by the tracker
    vertices : (K,) int64 vertex indices into ``load_head().vertices``
    groups : dict name -> (K,) bool (``lips``, ``eyes``, ``brows``, ``nose``, ``other``)
    n_vertices : vertex count of the head the map was built for
    """

    points: np.ndarray
    vertices: np.ndarray
    groups: dict
    n_vertices: int


@functools.lru_cache(maxsize=1)
def _session():
    """One onnxruntime session over the shipped network, made on first use."""
    import onnxruntime as ort

    path = resources.files("talkrig") / "models" / "face_landmark.onnx"
    with resources.as_file(path) as p:
        return ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])


def detect(crops: np.ndarray, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks of face crops.

    Parameters
    ----------
    crops : np.ndarray, shape (T, 192, 192, 3), uint8 RGB
        Square crops with the face filling most of the frame.

    Returns
    -------
    points : np.ndarray, shape (T, 468, 2), float32
        x, y in crop pixels (NaN where no face was found).
    score : np.ndarray, shape (T,), float32
        Face-presence logit.
    """
    if crops.ndim != 4 or crops.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
        raise ValueError(f"crops must be (T, {INPUT_SIZE}, {INPUT_SIZE}, 3), got {crops.shape}")
    session = _session()
    points, scores = [], []
    for start in range(0, len(crops), batch):
        x = crops[start:start + batch].astype(np.float32) / 255.0
        lm, score = session.run(["landmarks", "face_score"], {"image": x})
        points.append(lm[..., :2])
        scores.append(score)
    points = np.concatenate(points).astype(np.float32)
    score = np.concatenate(scores).astype(np.float32)
    points[score < MIN_FACE_SCORE] = np.nan
    return points, score


@functools.lru_cache(maxsize=1)
def load_map() -> LandmarkMap:
    """The shipped correspondence (``rigs/ict_mediapipe_landmarks.json``)."""
    doc = json.loads((resources.files("talkrig.rigdata") / "ict_mediapipe_landmarks.json")
                     .read_text(encoding="utf-8"))
    if doc.get("schema") != MAP_SCHEMA:
        raise TalkRigError(f"landmark map schema {doc.get('schema')!r}, expected {MAP_SCHEMA!r}")
    points = np.array([p["landmark"] for p in doc["points"]], np.int64)
    groups = {g: np.array([p["group"] == g for p in doc["points"]]) for g in doc["groups"]}
    return LandmarkMap(points, np.array([p["vertex"] for p in doc["points"]], np.int64),
                       groups, int(doc["head_vertices"]))


def map_for(head) -> LandmarkMap | None:
    """The map if it fits ``head`` (same vertex count), else None (another head asset)."""
    mapping = load_map()
    return mapping if mapping.n_vertices == len(head.vertices) else None


def normalised_error(mean_px: np.ndarray, detected: np.ndarray) -> float:
    """Mean landmark distance over the inter-ocular distance (NME), skipping NaN frames.

    Parameters
    ----------
    mean_px : (T,) mean distance of the model's points from the detections, pixels
    detected : (T, 468, 2) detector output in the same pixels
    """
    right, left = OUTER_EYE_CORNERS
    ocular = np.linalg.norm(detected[:, right] - detected[:, left], axis=-1)  # (T,)
    ok = np.isfinite(mean_px) & np.isfinite(ocular) & (ocular > 0)
    return float(np.mean(mean_px[ok] / ocular[ok])) if ok.any() else float("nan")
