"""The identity basis of the avatar tracker: smooth, local, spread over the face."""

import numpy as np

from talkrig.render.head import load_head
from talkrig.render.identity import RBF_SIGMA_CM, control_vertices, identity_basis


def test_control_vertices_are_spread_out_and_distinct():
    head = load_head()
    candidates = np.arange(0, len(head.vertices), 7)
    chosen = control_vertices(head.vertices, candidates, 8)
    assert len(set(chosen.tolist())) == 8 and set(chosen.tolist()) <= set(candidates.tolist())
    pts = head.vertices[chosen]
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(8) * 1e9
    assert gaps.min() > 2.0  # cm: farthest-point sampling does not bunch them


def test_each_bump_moves_its_control_vertex_one_cm_along_one_axis_and_fades():
    head = load_head()
    controls = control_vertices(head.vertices, np.arange(len(head.vertices)), 3)
    basis = identity_basis(head.vertices, controls)
    assert basis.shape == (9, len(head.vertices), 3)
    for k, c in enumerate(controls):
        for axis in range(3):
            field = basis[3 * k + axis]
            assert np.allclose(field[c], np.eye(3)[axis])
            far = np.linalg.norm(head.vertices - head.vertices[c], axis=1) > 3 * RBF_SIGMA_CM
            assert np.abs(field[far]).max() < 0.012  # exp(-4.5)
