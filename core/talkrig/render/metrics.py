"""Image metrics computed without downloads (NumPy): PSNR, SSIM, region L1, region motion.

Images are float arrays in [0, 1], shape (H, W, 3) or (H, W).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

SSIM_SIGMA = 1.5  # Gaussian window of Wang et al. 2004
SSIM_C1, SSIM_C2 = 0.01 ** 2, 0.03 ** 2  # (K1 L)^2, (K2 L)^2 with L = 1


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (peak 1)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity on the luma (Gaussian window, sigma 1.5)."""
    a, b = _luma(a), _luma(b)
    blur = lambda x: gaussian_filter(x, SSIM_SIGMA)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + SSIM_C1) * (2 * cov + SSIM_C2)
    den = (mu_a ** 2 + mu_b ** 2 + SSIM_C1) * (var_a + var_b + SSIM_C2)
    return float(np.mean(num / den))


def region_l1(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute error over pixels where ``mask`` (H, W) is true."""
    m = np.asarray(mask, bool)
    if not m.any():
        return float("nan")
    return float(np.mean(np.abs(np.asarray(a, np.float64) - b)[m]))


def region_motion(frames: np.ndarray, mask: np.ndarray) -> float:
    """How much a region changes over a clip: the std over frames of its mean luma.

    Parameters
    ----------
    frames : (T, H, W, 3) float in [0, 1]
    mask : (H, W) bool, the region (e.g. the union of the tracked mouth masks)
    """
    m = np.asarray(mask, bool)
    if not m.any() or len(frames) < 2:
        return float("nan")
    return float(np.std([_luma(f)[m].mean() for f in frames]))


def _luma(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x if x.ndim == 2 else x @ np.array([0.299, 0.587, 0.114])
