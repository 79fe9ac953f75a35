"""A differentiable triangle rasterizer in plain torch (no pytorch3d).

Orthographic (weak-perspective) camera: vertices arrive already in pixel
coordinates ``(x right, y down)`` with a depth where smaller is nearer. Every
(triangle, pixel) pair inside a triangle's pixel bounding box is enumerated at
once (``repeat_interleave``), barycentrics come from edge functions, a z-buffer
is a ``scatter_reduce(amin)``. The winning pair per pixel is found without
gradient; barycentrics are then recomputed with gradient, so interpolated
attributes (UVs, colours) are differentiable in the vertex positions. A soft
coverage mask (SoftRas-style: 1 - prod(1 - sigmoid(d / sigma)) over triangles
near the pixel, d the signed distance to the nearest edge) gives silhouette
gradients.

Pixel centres are at integer + 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

SOFT_SIGMA_PX = 0.5  # edge softness of the coverage mask, pixels
SOFT_MARGIN_PX = 1  # bounding boxes grow by this much so the soft edge reaches outside
MIN_AREA = 1e-8  # twice-area below this: degenerate triangle, skipped


@dataclass
class Raster:
    """Result of :func:`rasterize` for one image.

    Attributes
    ----------
    pixels : (N,) int64 flat index ``y * W + x`` of covered pixels
    faces : (N,) int64 triangle drawn at each covered pixel
    bary : (N, 3) float barycentrics (differentiable in the vertex positions)
    soft : (H, W) soft coverage in [0, 1] (differentiable), or None
    height, width : int
    """

    pixels: torch.Tensor
    faces: torch.Tensor
    bary: torch.Tensor
    soft: torch.Tensor | None
    height: int
    width: int

    def mask(self) -> torch.Tensor:
        """Hard coverage ``(H, W)`` float 0/1."""
        m = torch.zeros(self.height * self.width, device=self.pixels.device)
        m[self.pixels] = 1.0
        return m.view(self.height, self.width)

    def interpolate(self, corner_attr: torch.Tensor) -> torch.Tensor:
        """Interpolate per-corner attributes ``(F, 3, C)`` -> image ``(C, H, W)``, 0 outside."""
        c = corner_attr.shape[-1]
        vals = (corner_attr[self.faces] * self.bary[..., None]).sum(1)  # (N, C)
        img = corner_attr.new_zeros(self.height * self.width, c)
        img = img.index_put((self.pixels,), vals)
        return img.t().reshape(c, self.height, self.width)


def _cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _pairs(tri: torch.Tensor, height: int, width: int, margin: int):
    """Enumerate (triangle, pixel) pairs in each bounding box. tri: (F, 3, 2) -> (P,), (P,), (P,)."""
    lo = torch.ceil(tri.amin(1) - 0.5 - margin).long()
    hi = torch.floor(tri.amax(1) - 0.5 + margin).long()
    lo[:, 0].clamp_(0, width), lo[:, 1].clamp_(0, height)
    hi[:, 0].clamp_(-1, width - 1), hi[:, 1].clamp_(-1, height - 1)
    size = (hi - lo + 1).clamp(min=0)
    count = size[:, 0] * size[:, 1]
    tri_id = torch.repeat_interleave(torch.arange(len(tri), device=tri.device), count)
    start = torch.cumsum(count, 0) - count
    local = torch.arange(len(tri_id), device=tri.device) - start[tri_id]
    w = size[tri_id, 0]
    px = lo[tri_id, 0] + local % w
    py = lo[tri_id, 1] + torch.div(local, w, rounding_mode="floor")
    return tri_id, px, py


def _barycentric(tri: torch.Tensor, p: torch.Tensor):
    """tri (P, 3, 2), p (P, 2) -> bary (P, 3), twice signed area (P,)."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    area = _cross(b - a, c - a)
    safe = torch.where(area.abs() < MIN_AREA, torch.full_like(area, MIN_AREA), area)
    w0 = _cross(b - p, c - p) / safe
    w1 = _cross(c - p, a - p) / safe
    return torch.stack([w0, w1, 1.0 - w0 - w1], dim=1), area


def _edge_distance(tri: torch.Tensor, p: torch.Tensor, area: torch.Tensor) -> torch.Tensor:
    """Signed distance (pixels, + inside) from p to the nearest edge line, (P,)."""
    sign = torch.sign(area)[:, None]
    d = []
    for i in range(3):
        s, e = tri[:, i], tri[:, (i + 1) % 3]
        edge = e - s
        d.append(_cross(edge, p - s) / edge.norm(dim=1).clamp(min=1e-6))
    return (torch.stack(d, 1) * sign).amin(1)


def rasterize(xy: torch.Tensor, depth: torch.Tensor, faces: torch.Tensor, height: int,
              width: int, soft: bool = False, sigma: float = SOFT_SIGMA_PX) -> Raster:
    """Rasterize one mesh.

    Parameters
    ----------
    xy : (V, 2) vertex pixel coordinates (x right, y down)
    depth : (V,) vertex depth, smaller is nearer
    faces : (F, 3) int64
    height, width : image size
    soft : also compute the differentiable soft coverage mask
    sigma : soft edge width in pixels
    """
    tri = xy[faces]  # (F, 3, 2)
    with torch.no_grad():
        margin = SOFT_MARGIN_PX if soft else 0
        tri_id, px, py = _pairs(tri.detach(), height, width, margin)
        p = torch.stack([px, py], 1).to(xy.dtype) + 0.5
        bary, area = _barycentric(tri.detach()[tri_id], p)
        inside = (bary >= 0).all(1) & (area.abs() >= MIN_AREA)
        z = (bary * depth.detach()[faces][tri_id]).sum(1)
        pix = py * width + px
        zbuf = torch.full((height * width,), float("inf"), dtype=z.dtype, device=z.device)
        zbuf.scatter_reduce_(0, pix[inside], z[inside], "amin")
        win = inside & (z <= zbuf[pix])
        pair = torch.full((height * width,), -1, dtype=torch.long, device=z.device)
        pair.scatter_reduce_(0, pix[win], torch.nonzero(win).squeeze(1), "amax")
        covered = torch.nonzero(pair >= 0).squeeze(1)
        chosen = pair[covered]
    face_of = tri_id[chosen]
    bary_g, _ = _barycentric(tri[face_of], p[chosen])
    soft_mask = None
    if soft:
        dist = _edge_distance(tri[tri_id], p, area)
        prob = torch.sigmoid(dist / sigma).clamp(max=1 - 1e-6)
        log_out = torch.zeros(height * width, dtype=xy.dtype, device=xy.device)
        log_out = log_out.index_add(0, pix, torch.log1p(-prob))
        soft_mask = (1.0 - torch.exp(log_out)).view(height, width)
    return Raster(covered, face_of, bary_g, soft_mask, height, width)
