"""Per-phone attribution of the open-vowel/bilabial AUC loss (talkrig.evaluation.diagnose)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DEV_SPEECH
from talkrig.engines.phonetic import curves_from_phones
from talkrig.evaluation.diagnose import attribute_auc_loss, format_losses, phone_scores
from talkrig.evaluation.metrics import summarise, utterance_stats
from talkrig.phones.readers import read_phones
from talkrig.rigs import ARKIT_INDEX as I

FPS = 60.0
REF = read_phones(DEV_SPEECH / "textgrid" / "cold_corpus3.TextGrid")
N = int(24.6 * FPS)


def _open_one_bilabial(curves):
    """Curves with the lips of the longest reference bilabial forced open."""
    bil = max((p for p in REF if p.label in ("P", "B", "M")), key=lambda p: p.duration_s)
    frames = slice(int(np.ceil(bil.start_s * FPS)), int(bil.end_s * FPS) + 1)
    out = curves.copy()
    out[frames, I["jawOpen"]] = 0.9
    out[frames, I["mouthClose"]] = 0.0
    return out, bil


def test_reference_phones_lose_nothing_and_every_share_is_zero():
    scores = attribute_auc_loss(phone_scores(curves_from_phones(REF, N, FPS), REF, FPS))
    assert {s.cls for s in scores} == {"open", "bilabial"}
    assert all(s.loss == 0.0 for s in scores)


def test_shares_of_each_class_sum_to_one_minus_the_metric_auc():
    curves, _ = _open_one_bilabial(curves_from_phones(REF, N, FPS))
    auc = summarise([utterance_stats(curves, REF, FPS)])["open_vs_bilabial_auc"]
    scores = attribute_auc_loss(phone_scores(curves, REF, FPS, "cold_corpus3"))
    assert auc < 1.0
    for cls in ("open", "bilabial"):
        assert sum(s.loss for s in scores if s.cls == cls) == pytest.approx(1.0 - auc)


def test_the_forced_open_bilabial_carries_the_whole_bilabial_loss():
    curves, bil = _open_one_bilabial(curves_from_phones(REF, N, FPS))
    scores = attribute_auc_loss(phone_scores(curves, REF, FPS, "cold_corpus3"))
    worst = max((s for s in scores if s.cls == "bilabial"), key=lambda s: s.loss)
    assert (worst.start_s, worst.label) == (bil.start_s, bil.label)
    assert worst.context.split().count(f"[{bil.label}]") == 1
    assert sum(s.loss for s in scores if s.cls == "bilabial" and s is not worst) == 0.0
    report = format_losses(scores, top=3)
    assert f"{bil.start_s:7.2f} s" in report and "bilabial: " in report
