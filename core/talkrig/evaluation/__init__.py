"""Lip-sync evaluation against phone annotations (pure NumPy metrics).

``aperture``/``rounding`` turn curves into lip measures; ``evaluate_folder`` runs an
engine over annotated speech and reports closure, AUCs, lag and rest rates, with an
energy-only baseline for comparison.
"""

from __future__ import annotations

from talkrig.evaluation.metrics import aperture, rounding
from talkrig.evaluation.report import evaluate_folder, format_table

__all__ = ["aperture", "rounding", "evaluate_folder", "format_table"]
