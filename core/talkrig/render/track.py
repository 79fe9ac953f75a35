"""Photometric tracking of a talking-head video with the ICT head (torch).

Analysis by synthesis through :mod:`talkrig.render.raster`: each frame is explained
as the head (pose, ARKit shape weights) wearing one shared albedo texture, composited
with soft edges over a constant background colour. Stage 1 fits the texture,
background and the poses/weights of a few key frames jointly; stage 2 walks the
clip frame by frame (warm-started from the previous frame) with the texture fixed.
When face landmarks are given (:mod:`talkrig.render.landmarks`: MediaPipe's
network, mapped onto ICT vertices), every stage also pulls the mapped vertices onto
the detected points; that fixes pose and mouth opening where colour alone is
ambiguous. Without them the first frame must roughly match the initial pose (a
frontal, centred face).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from talkrig.render.head import HeadMesh

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class TrackOptions:
    """How to track."""

    size: int = 64  # fitting resolution, pixels (square)
    head_height_cm: float = 34.0  # head height spanning the image at log scale 0
    init_pose: tuple = (0.0, 0.0, 0.0, 0.45, 0.0, 0.05)  # rx ry rz log_scale tx ty
    texture_size: int = 64  # albedo texture resolution
    key_frames: int = 4  # frames of stage 1
    key_iters: int = 120  # stage-1 Adam steps
    frame_iters: int = 20  # stage-2 Adam steps per frame
    lr_pose: float = 0.01
    lr_weights: float = 0.03
    lr_texture: float = 0.05
    weight_l1: float = 2e-3  # sparsity on shape weights
    smooth: float = 1.0  # pull toward the previous frame's pose (stage 2)
    soft_frames: bool = False  # soft silhouettes in stage 2 too (slower)
    # weight of the landmark term: mean point distance as a fraction of the image size
    # (1 px at 64 px = 0.016, comparable to the photometric L1 of a tracked frame)
    landmark_weight: float = 2.0
    # identity fit (with landmarks only, see talkrig.render.identity), off by default:
    # on the Blender ground truth (generic head, so the true identity is zero) it takes
    # over part of the expressions (jawOpen gain 0.82 -> 0.72, smiles lost), while on the
    # real clip it lowers the landmark NME only from 0.0249 to 0.0229
    fit_identity: bool = False
    identity_penalty: float = 0.02  # ridge penalty per squared coefficient (cm^2)
    lr_identity: float = 0.02


@dataclass
class Track:
    """Tracking result: per-frame pose ``(T, 6)``, weights ``(T, S)``, loss ``(T,)``;
    albedo ``(3, Tx, Tx)``, background ``(3,)``."""

    pose: np.ndarray
    weights: np.ndarray
    texture: np.ndarray
    background: np.ndarray
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (T,) mean distance of the mapped vertices from the landmarks, px (NaN: not used)
    landmark_px: np.ndarray = field(default_factory=lambda: np.zeros(0))
    identity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (V, 3) offsets, cm


class HeadTensors:
    """The head as torch tensors (vertices, faces, corner UVs, shape deltas)."""

    def __init__(self, head: HeadMesh):
        import torch
        self.vertices = torch.from_numpy(head.vertices)
        self.faces = torch.from_numpy(head.faces)
        self.face_uvs = torch.from_numpy(head.face_uvs)
        self.deltas = torch.from_numpy(head.shape_deltas.reshape(len(head.shape_names), -1))
        self.mouth = torch.from_numpy(head.mouth_faces())
        self.identity = torch.zeros_like(self.vertices)  # (V, 3) static reshaping, cm
        self.landmark_map = None  # set by fit() when landmarks are used

    def landmark_term(self, pose, weights, target, size: int, head_height_cm: float):
        """Mean distance (pixels) of the mapped vertices from ``target`` (K, 2); 0 if no map."""
        import torch
        from talkrig.render.camera import project
        if self.landmark_map is None or target is None:
            return torch.zeros(())
        idx = self.landmark_vertices
        verts = (self.vertices[idx] + self.identity[idx]
                 + (weights @ self.landmark_deltas).view(-1, 3))
        xy, _ = project(verts, pose, size, head_height_cm)
        return (xy - target).norm(dim=1).mean()

    def use_landmarks(self, mapping) -> None:
        """Restrict the landmark term to ``mapping``'s vertices."""
        import torch
        self.landmark_map = mapping
        self.landmark_vertices = torch.from_numpy(mapping.vertices)
        s = self.deltas.shape[0]
        self.landmark_deltas = self.deltas.view(s, -1, 3)[:, self.landmark_vertices].reshape(s, -1)

    def deform(self, weights):
        """weights (S,) -> vertices (V, 3) (identity reshaping included)."""
        return self.vertices + self.identity + (weights @ self.deltas).view(-1, 3)

    def raster(self, pose, weights, size: int, head_height_cm: float, soft: bool = False):
        from talkrig.render.camera import project
        from talkrig.render.raster import rasterize
        xy, depth = project(self.deform(weights), pose, size, head_height_cm)
        return rasterize(xy, depth, self.faces, size, size, soft=soft)


def render_albedo(ht: HeadTensors, pose, weights, texture, background, size: int,
                  head_height_cm: float, soft: bool = True):
    """Differentiable render ``(3, size, size)`` of the textured head over ``background``
    (soft edges when ``soft``, else hard coverage: about 5x faster, no silhouette gradient)."""
    import torch
    import torch.nn.functional as F
    r = ht.raster(pose, weights, size, head_height_cm, soft=soft)
    uv = (ht.face_uvs[r.faces] * r.bary[..., None]).sum(1)  # (N, 2)
    grid = torch.stack([uv[:, 0] * 2 - 1, 1 - uv[:, 1] * 2], -1).view(1, 1, -1, 2)
    colour = F.grid_sample(texture[None], grid, align_corners=False)[0, :, 0]  # (3, N)
    img = torch.zeros(3, size * size).index_copy(1, r.pixels, colour)
    img = img.view(3, size, size)
    alpha = (r.soft if soft else r.mask())[None]
    return alpha * img + (1 - alpha) * background[:, None, None]


def fit(frames: np.ndarray, head: HeadMesh, opts: TrackOptions = TrackOptions(),
        progress: ProgressFn | None = None, landmarks: np.ndarray | None = None) -> Track:
    """Track ``frames`` ``(T, H, W, 3)`` uint8 (H = W = opts.size).

    Parameters
    ----------
    landmarks : np.ndarray, shape (T, 468, 2), optional
        MediaPipe face-mesh points in the frames' pixels (NaN rows: no face found),
        from :func:`talkrig.render.landmarks.detect` scaled to ``opts.size``.
    """
    import torch
    target = torch.from_numpy(frames.astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    ht = HeadTensors(head)
    points = _landmark_targets(ht, head, landmarks, len(frames))
    n, s = len(frames), len(head.shape_names)
    keys = np.unique(np.linspace(0, n - 1, min(opts.key_frames, n)).round().astype(int))
    texture, background, pose_k, w_k = _stage_keys(ht, target[keys], [points[k] for k in keys],
                                                   opts, s, progress)
    ht.identity = ht.identity.detach()
    pose = np.zeros((n, 6), np.float32)
    weights = np.zeros((n, s), np.float32)
    losses = np.zeros(n, np.float32)
    errors = np.full(n, np.nan, np.float32)
    p_prev = pose_k[0].detach().clone()
    w_prev = w_k[0].detach().clone()
    for t in range(n):
        p_prev, w_prev, losses[t], errors[t] = _fit_frame(ht, target[t], points[t], texture,
                                                          background, p_prev, w_prev, opts)
        pose[t], weights[t] = p_prev.numpy(), w_prev.numpy()
        if progress:
            progress("track", (t + 1) / n)
    return Track(pose, weights, texture.detach().numpy(), background.detach().numpy(), losses,
                 errors, ht.identity.numpy())


def _landmark_targets(ht: HeadTensors, head: HeadMesh, landmarks, n: int) -> list:
    """Per frame: the mapped points ``(K, 2)`` as a tensor, or None (no landmarks / no face)."""
    import torch
    from talkrig.render.landmarks import map_for
    if landmarks is None:
        return [None] * n
    mapping = map_for(head)
    if mapping is None:
        warnings.warn("the landmark map was built for the packaged ICT head, not this head "
                      "asset (TALKRIG_HEAD_ASSET); tracking by colour only", RuntimeWarning,
                      stacklevel=3)
        return [None] * n
    ht.use_landmarks(mapping)
    out = []
    for frame in landmarks:
        pts = frame[mapping.points]
        out.append(torch.from_numpy(pts.astype(np.float32)) if np.isfinite(pts).all() else None)
    return out


def _identity_basis(ht: HeadTensors, points):
    """The identity basis ``(B, V * 3)`` when landmarks are in use, else None."""
    import torch
    from talkrig.render.identity import control_vertices, identity_basis
    if ht.landmark_map is None or all(p is None for p in points):
        return None
    verts = ht.vertices.numpy()
    m = ht.landmark_map
    upper = m.groups["eyes"] | m.groups["brows"] | m.groups["nose"]
    controls = control_vertices(verts, np.unique(m.vertices[upper]))
    return torch.from_numpy(identity_basis(verts, controls)).flatten(1)


def _stage_keys(ht, targets, points, opts, n_shapes, progress):
    """Stage 1: texture, background, identity (with landmarks) and the key frames."""
    import torch
    k = len(targets)
    tex = torch.full((3, opts.texture_size, opts.texture_size), 0.5, requires_grad=True)
    bg = torch.zeros(3, requires_grad=True)
    pose = torch.tensor([list(opts.init_pose)] * k, dtype=torch.float32, requires_grad=True)
    w = torch.zeros(k, n_shapes, requires_grad=True)
    basis = _identity_basis(ht, points) if opts.fit_identity else None
    coef = torch.zeros(0 if basis is None else basis.shape[0], requires_grad=True)
    opt = torch.optim.Adam([{"params": [tex, bg], "lr": opts.lr_texture},
                            {"params": [pose], "lr": opts.lr_pose},
                            {"params": [w], "lr": opts.lr_weights},
                            {"params": [coef], "lr": opts.lr_identity}])
    for it in range(opts.key_iters):
        i = it % k
        if basis is not None:
            ht.identity = (coef @ basis).view(-1, 3)
        img = render_albedo(ht, pose[i], w[i], tex, bg, opts.size, opts.head_height_cm)
        lm = ht.landmark_term(pose[i], w[i], points[i], opts.size, opts.head_height_cm)
        loss = ((img - targets[i]).abs().mean() + opts.weight_l1 * w[i].abs().sum()
                + opts.landmark_weight * lm / opts.size
                + opts.identity_penalty * (coef ** 2).sum())
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            w.clamp_(0, 1), tex.clamp_(0, 1)
        if progress:
            progress("track keys", (it + 1) / opts.key_iters)
    return tex.detach(), bg.detach(), pose.detach(), w.detach()


def _fit_frame(ht, target, points, tex, bg, p0, w0, opts):
    import torch
    pose = p0.clone().requires_grad_(True)
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.Adam([{"params": [pose], "lr": opts.lr_pose},
                            {"params": [w], "lr": opts.lr_weights}])
    for _ in range(opts.frame_iters):
        img = render_albedo(ht, pose, w, tex, bg, opts.size, opts.head_height_cm,
                            soft=opts.soft_frames)
        photo = (img - target).abs().mean()
        lm = ht.landmark_term(pose, w, points, opts.size, opts.head_height_cm)
        loss = (photo + opts.weight_l1 * w.abs().sum() + opts.smooth * ((pose - p0) ** 2).sum()
                + opts.landmark_weight * lm / opts.size)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            w.clamp_(0, 1)
    error = float(lm.detach()) if points is not None else float("nan")
    return pose.detach(), w.detach(), float(photo.detach()), error
