"""Weak-perspective head camera: axis-angle rotation, pixel scale, pixel offset (torch)."""

from __future__ import annotations

import torch

POSE_DIM = 6  # rx, ry, rz (axis-angle, radians), log scale, tx, ty (fraction of image size)


def axis_angle_matrix(r: torch.Tensor) -> torch.Tensor:
    """Rodrigues: (..., 3) axis-angle -> (..., 3, 3) rotation."""
    theta = torch.sqrt((r * r).sum(-1, keepdim=True) + 1e-12)
    k = r / theta
    kx, ky, kz = k.unbind(-1)
    zero = torch.zeros_like(kx)
    kmat = torch.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], -1).view(*r.shape[:-1], 3, 3)
    eye = torch.eye(3, dtype=r.dtype, device=r.device).expand_as(kmat)
    s, c = torch.sin(theta)[..., None], torch.cos(theta)[..., None]
    return eye + s * kmat + (1 - c) * kmat @ kmat


def project(vertices: torch.Tensor, pose: torch.Tensor, size: int, head_height_cm: float):
    """Place the head in a ``size`` x ``size`` image.

    Parameters
    ----------
    vertices : (V, 3) centimetres, Y up, face toward +Z
    pose : (6,) see POSE_DIM; log scale 0 makes ``head_height_cm`` span the image
    Returns
    -------
    xy : (V, 2) pixels (x right, y down); depth : (V,) smaller is nearer
    """
    rot = axis_angle_matrix(pose[:3])
    cam = vertices @ rot.T
    scale = torch.exp(pose[3]) * size / head_height_cm
    x = cam[:, 0] * scale + (0.5 + pose[4]) * size
    y = -cam[:, 1] * scale + (0.5 + pose[5]) * size
    return torch.stack([x, y], 1), -cam[:, 2]
