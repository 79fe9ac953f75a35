"""Identity fit: a per-video, static reshaping of the generic ICT head (NumPy).

ICT-FaceKit's public head ships expression shapes but not its identity model, so the
person's face shape is fitted with a small smooth basis of our own: Gaussian bumps
of displacement (3 axes each) around ``N_CONTROL`` control vertices spread over the
landmark-mapped eyes, brows and nose. The tracker fits one coefficient vector per
video, jointly with the key frames, under a ridge penalty, and only when landmarks
pin the face down (colour alone cannot tell a wider face from a nearer one).

Left out on purpose, by measurement on the tracker's synthetic jaw sweep
(``tests/test_render_landmarks.py``, true jawOpen 0.8 on the last frame): global
width/height/depth scales (they trade against the camera scale and the jaw: tracked
jawOpen fell from 0.67 to 0.60) and bumps around the mouth and chin (0.58).

Off by default (``TrackOptions.fit_identity``, ``talkrig avatar train --identity``): on
the Blender ground truth, whose true identity is zero, it still takes over part of the
expressions (jawOpen gain 0.82 -> 0.72, the smiles' 0.23/0.47 peaks lost), while on the
real actor clip it lowers the landmark NME only from 0.0249 to 0.0229.
"""

from __future__ import annotations

import numpy as np

N_CONTROL = 16  # control vertices of the displacement bumps
RBF_SIGMA_CM = 3.0  # bump width: features (eyes, nose, mouth, chin) are 3-6 cm apart


def control_vertices(vertices: np.ndarray, candidates: np.ndarray, k: int = N_CONTROL) -> np.ndarray:
    """Farthest-point sample of ``k`` vertex indices among ``candidates`` (K,), (k,) int64."""
    chosen = [int(candidates[np.argmin(vertices[candidates, 1])])]  # start at the lowest
    dist = np.linalg.norm(vertices[candidates] - vertices[chosen[0]], axis=1)
    for _ in range(k - 1):
        nxt = int(candidates[np.argmax(dist)])
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(vertices[candidates] - vertices[nxt], axis=1))
    return np.array(chosen, np.int64)


def identity_basis(vertices: np.ndarray, controls: np.ndarray) -> np.ndarray:
    """Displacement per unit coefficient, shape (3 * len(controls), V, 3), float32:
    coefficient 1 = 1 cm at the control vertex along x, y or z, fading as a Gaussian of
    ``RBF_SIGMA_CM``."""
    bases = []
    for c in controls:
        bump = np.exp(-np.sum((vertices - vertices[c]) ** 2, axis=1) / (2 * RBF_SIGMA_CM ** 2))
        for axis in range(3):
            delta = np.zeros_like(vertices)
            delta[:, axis] = bump
            bases.append(delta)
    return np.stack(bases).astype(np.float32)
