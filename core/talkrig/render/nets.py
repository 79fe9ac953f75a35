"""Networks of the neural render path (READ Avatars section 3.3), sized for CPU.

* :class:`AudioEncoder` ``A``: a window of audio features ``(2W, n_feat)`` -> ``a_enc (N_a,)``.
* :class:`SirenTexture` ``T``: rasterised UV ``(2,)`` + ``a_enc`` -> 16-channel neural texture
  (SIREN: sine activations, w0 = 30 first layer, Sitzmann et al. initialisation).
* :class:`UNet` ``R``: neural texture (16) + neighbour renders (2 W_R) + masked real frame
  (3) -> RGB frame.
* :class:`PatchDiscriminator`: LSGAN critic on 16x16-ish patches.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
import torch.nn.functional as F

SIREN_W0 = 30.0  # first-layer frequency from the SIREN paper


@dataclass(frozen=True)
class RenderDims:
    """Sizes of the render networks (stored in the checkpoint)."""

    n_feat: int = 26  # audio features per audio frame (log-mel bands)
    audio_window: int = 8  # W: audio frames each side of the video frame (2W in total)
    n_audio: int = 16  # N_a: encoded audio size
    texture_channels: int = 16  # neural texture channels (READ: 16)
    siren_hidden: int = 64  # SIREN width
    siren_layers: int = 3  # SIREN hidden layers
    neighbours: int = 1  # W_R: neighbour frames each side appended to the UNet input
    unet_base: int = 16  # UNet channels at full resolution
    unet_levels: int = 3  # down-sampling steps

    def to_dict(self) -> dict:
        return asdict(self)


class AudioEncoder(nn.Module):
    """``(B, 2W, n_feat)`` -> ``(B, N_a)``."""

    def __init__(self, d: RenderDims):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(2 * d.audio_window * d.n_feat, 64),
                                 nn.LeakyReLU(0.2), nn.Linear(64, d.n_audio), nn.Tanh())

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        return self.net(window)


class Sine(nn.Module):
    def __init__(self, n_in: int, n_out: int, w0: float, first: bool):
        super().__init__()
        self.w0, self.lin = w0, nn.Linear(n_in, n_out)
        bound = 1.0 / n_in if first else math.sqrt(6.0 / n_in) / w0
        nn.init.uniform_(self.lin.weight, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.w0 * self.lin(x))


class SirenTexture(nn.Module):
    """``uv (N, 2)`` in [0, 1] + ``a_enc (N, N_a)`` -> features ``(N, C_tex)``."""

    def __init__(self, d: RenderDims):
        super().__init__()
        layers = [Sine(2 + d.n_audio, d.siren_hidden, SIREN_W0, first=True)]
        layers += [Sine(d.siren_hidden, d.siren_hidden, SIREN_W0, first=False)
                   for _ in range(d.siren_layers - 1)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d.siren_hidden, d.texture_channels)

    def forward(self, uv: torch.Tensor, a_enc: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(torch.cat([uv * 2 - 1, a_enc], dim=-1)))


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.InstanceNorm2d(c_out),
                         nn.LeakyReLU(0.2), nn.Conv2d(c_out, c_out, 3, padding=1),
                         nn.LeakyReLU(0.2))


class UNet(nn.Module):
    """``(B, C_in, H, W)`` -> RGB ``(B, 3, H, W)`` in [0, 1]; H, W divisible by 2**levels."""

    def __init__(self, d: RenderDims):
        super().__init__()
        c_in = d.texture_channels + 2 * d.neighbours + 3
        widths = [d.unet_base * 2 ** i for i in range(d.unet_levels + 1)]
        self.down = nn.ModuleList([_block(c_in, widths[0])] + [
            _block(widths[i], widths[i + 1]) for i in range(d.unet_levels)])
        self.up = nn.ModuleList([_block(widths[i + 1] + widths[i], widths[i])
                                 for i in reversed(range(d.unet_levels))])
        self.out = nn.Conv2d(widths[0], 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.avg_pool2d(x, 2))
            skips.append(x)
        skips.pop()
        for block in self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skips.pop()], 1))
        return torch.sigmoid(self.out(x))


class PatchDiscriminator(nn.Module):
    """``(B, 3, H, W)`` -> patch scores ``(B, 1, H/8, W/8)`` (LSGAN targets 1 real, 0 fake)."""

    def __init__(self, base: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, base, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(base, base * 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(base * 2, base * 4, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(base * 4, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
