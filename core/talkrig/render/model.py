"""The assembled neural renderer: audio encoder + SIREN texture + UNet (torch).

One frame's forward pass (READ Avatars eq. 5 for the UNet input)::

    a_enc = A(audio window)                       (N_a,)
    tex   = T(uv, a_enc) at covered pixels         (16, H, W), zero outside the mesh
    neigh = channel 0 of T for frames t-k..t+k     (2 W_R, H, W)
    a_exp = dilate(alpha, px)
    V_in  = alpha * tex[:3] + (1 - a_exp) * V      masked real frame with the mesh in it
    V_hat = R(tex, neigh, V_in)                    (3, H, W)
    out   = a_exp * V_hat + (1 - a_exp) * V        composited into the real footage
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from talkrig.render.nets import AudioEncoder, RenderDims, SirenTexture, UNet


class NeuralAvatar(nn.Module):
    """Audio encoder, SIREN neural texture and UNet renderer."""

    def __init__(self, dims: RenderDims):
        super().__init__()
        self.dims = dims
        self.audio = AudioEncoder(dims)
        self.texture = SirenTexture(dims)
        self.unet = UNet(dims)

    def texture_image(self, uv: torch.Tensor, mask: torch.Tensor, a_enc: torch.Tensor):
        """uv (B, 2, H, W), mask (B, H, W), a_enc (B, N_a) -> (B, C_tex, H, W)."""
        b, _, h, w = uv.shape
        flat = mask.reshape(-1) > 0
        uv_pts = uv.permute(0, 2, 3, 1).reshape(-1, 2)[flat]
        a_pts = a_enc[:, None, :].expand(b, h * w, -1).reshape(-1, a_enc.shape[1])[flat]
        feats = self.texture(uv_pts, a_pts)
        out = uv.new_zeros(b * h * w, feats.shape[1]).index_copy(0, torch.nonzero(flat)[:, 0], feats)
        return out.view(b, h, w, -1).permute(0, 3, 1, 2)

    def forward(self, uv, mask, windows, frames, dilate_px: int):
        """Render a batch.

        Parameters
        ----------
        uv : (B, 1 + 2 W_R, 2, H, W) rasterised UVs of the frame then its neighbours
        mask : (B, 1 + 2 W_R, H, W) coverage of the same
        windows : (B, 1 + 2 W_R, 2W, n_feat) audio windows of the same
        frames : (B, 3, H, W) real reference frames in [0, 1]
        Returns
        -------
        out : (B, 3, H, W) composited frame; a_exp : (B, 1, H, W)
        """
        b, k = uv.shape[:2]
        a_enc = self.audio(windows.flatten(0, 1))
        tex = self.texture_image(uv.flatten(0, 1), mask.flatten(0, 1), a_enc)
        tex = tex.view(b, k, *tex.shape[1:])
        centre, neigh = tex[:, 0], tex[:, 1:, 0]
        alpha = mask[:, :1]
        a_exp = F.max_pool2d(alpha, 2 * dilate_px + 1, 1, dilate_px)
        v_in = alpha * centre[:, :3] + (1 - a_exp) * frames
        v_hat = self.unet(torch.cat([centre, neigh, v_in], 1))
        return a_exp * v_hat + (1 - a_exp) * frames, a_exp


def neighbour_index(t: int, n: int, radius: int) -> list[int]:
    """Frame t then its neighbours t-radius..t+radius (clamped), excluding t."""
    others = [min(max(t + d, 0), n - 1) for d in range(-radius, radius + 1) if d]
    return [t] + others


def ms_ssim_loss(a: torch.Tensor, b: torch.Tensor, scales: int = 2) -> torch.Tensor:
    """1 - mean SSIM over ``scales`` resolutions (3x3 box windows), images (B, 3, H, W)."""
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    total = 0.0
    for s in range(scales):
        if s:
            a, b = F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)
        mu_a, mu_b = F.avg_pool2d(a, 3, 1, 1), F.avg_pool2d(b, 3, 1, 1)
        va = F.avg_pool2d(a * a, 3, 1, 1) - mu_a ** 2
        vb = F.avg_pool2d(b * b, 3, 1, 1) - mu_b ** 2
        cov = F.avg_pool2d(a * b, 3, 1, 1) - mu_a * mu_b
        ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (va + vb + c2))
        total = total + (1 - ssim.mean())
    return total / scales
