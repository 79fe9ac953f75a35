"""curves_from_phones: the pure phones -> ARKit-52 curves function."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DEV_SPEECH
from talkrig.engines.phonetic import curves_from_phones
from talkrig.evaluation import aperture, rounding
from talkrig.phones import Phone
from talkrig.phones.readers import read_phones
from talkrig.rigs import ARKIT_INDEX

FPS = 60.0


def seq(*items, start=0.3, sil_after=0.5):
    """Phones from (label, duration) pairs, with leading and trailing silence."""
    phones, t = [Phone("SIL", 0.0, start)], start
    for label, dur in items:
        phones.append(Phone(label, t, t + dur))
        t += dur
    phones.append(Phone("SIL", t, t + sil_after))
    return phones, int((t + sil_after) * FPS)


def frames(phone: Phone) -> slice:
    return slice(int(np.ceil(phone.start_s * FPS)), int(np.floor(phone.end_s * FPS)) + 1)


def test_output_is_t_by_52_float32_in_range_and_deterministic():
    phones = read_phones(DEV_SPEECH / "textgrid" / "acoustic_corpus.TextGrid")
    n = int(26.7 * FPS)
    a = curves_from_phones(phones, n, FPS)
    b = curves_from_phones(phones, n, FPS)
    assert a.shape == (n, 52) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert np.array_equal(a, b)


def test_open_vowel_opens_the_jaw_and_bilabial_closes_the_lips():
    phones, n = seq(("AA", 0.15), ("P", 0.08), ("AA", 0.15))
    c = curves_from_phones(phones, n, FPS)
    a = aperture(c)
    assert a[frames(phones[1])].max() > 0.5
    assert a[frames(phones[2])].max() < 0.05
    assert c[frames(phones[2]), ARKIT_INDEX["mouthPressLeft"]].min() > 0.2


def test_a_bilabial_shorter_than_a_frame_still_reaches_closure():
    phones, n = seq(("AA", 0.12), ("B", 0.012), ("AA", 0.12))
    a = aperture(curves_from_phones(phones, n, FPS))
    centre = int(round(phones[2].centre_s * FPS))
    assert a[centre] < 0.05


def test_rounding_starts_before_a_rounded_vowel():
    phones, n = seq(("S", 0.1), ("T", 0.06), ("UW", 0.2))
    r = rounding(curves_from_phones(phones, n, FPS))
    before_t = r[frames(phones[1])].mean()  # during /t/, ahead of /uw/
    phones_spread, _ = seq(("S", 0.1), ("T", 0.06), ("IY", 0.2))
    r_spread = rounding(curves_from_phones(phones_spread, n, FPS))
    assert before_t > 0.2 and before_t > 3 * r_spread[frames(phones_spread[1])].mean()


def test_labiodental_tucks_the_lower_lip():
    phones, n = seq(("AA", 0.15), ("F", 0.1), ("AA", 0.15))
    c = curves_from_phones(phones, n, FPS)
    assert c[frames(phones[2]), ARKIT_INDEX["mouthRollLower"]].max() > 0.3


def test_dental_fricative_shows_the_tongue():
    phones, n = seq(("AH", 0.12), ("TH", 0.1), ("IY", 0.12))
    c = curves_from_phones(phones, n, FPS)
    assert c[frames(phones[2]), ARKIT_INDEX["tongueOut"]].max() > 0.2


def test_long_pause_relaxes_to_rest_but_a_short_one_does_not():
    phones = [Phone("SIL", 0, 0.2), Phone("AA", 0.2, 0.4), Phone("SIL", 0.4, 1.2),
              Phone("AA", 1.2, 1.4), Phone("SIL", 1.4, 1.48), Phone("AA", 1.48, 1.7),
              Phone("SIL", 1.7, 2.0)]
    c = curves_from_phones(phones, int(2.0 * FPS), FPS)
    assert np.abs(c[int(0.55 * FPS): int(1.05 * FPS)]).max() < 1e-6
    assert aperture(c)[int(1.44 * FPS)] > 0.2  # 80 ms gap: the mouth stays in motion


def test_loudness_scales_the_jaw():
    phones, n = seq(("AA", 0.2))
    quiet = curves_from_phones(phones, n, FPS, loudness=np.full(n, 0.1))
    loud = curves_from_phones(phones, n, FPS, loudness=np.full(n, 1.0))
    jaw = ARKIT_INDEX["jawOpen"]
    assert loud[:, jaw].max() > 1.3 * quiet[:, jaw].max()


def test_fast_speech_opens_the_jaw_less_than_slow_speech():
    slow, n = seq(*[("AA", 0.16), ("D", 0.08)] * 4)
    fast, n_fast = seq(*[("AA", 0.05), ("D", 0.03)] * 4)
    jaw = ARKIT_INDEX["jawOpen"]
    assert (curves_from_phones(fast, n_fast, FPS)[:, jaw].max()
            < curves_from_phones(slow, n, FPS)[:, jaw].max())


def test_a_hesitation_schwa_opens_the_mouth_about_half_as_far_as_stressed_ah():
    stressed, n = seq(("AH", 0.3), ("M", 0.3))  # "um" with the dictionary's vowel
    schwa, _ = seq(("AX", 0.3), ("M", 0.3))  # "um" as aligned
    open_ah = aperture(curves_from_phones(stressed, n, FPS))[frames(stressed[1])].max()
    open_ax = aperture(curves_from_phones(schwa, n, FPS))[frames(schwa[1])].max()
    assert 0.4 * open_ah < open_ax < 0.7 * open_ah  # not shut: a slack, half-open jaw


def test_ipa_labels_animate_like_arpabet():
    arpa, n = seq(("M", 0.08), ("AA", 0.15))
    ipa = [Phone({"M": "m", "AA": "ɑ"}.get(p.label, p.label), p.start_s, p.end_s) for p in arpa]
    assert np.allclose(curves_from_phones(arpa, n, FPS), curves_from_phones(ipa, n, FPS))


def test_unknown_labels_and_gaps_do_not_break_the_curves():
    phones = [Phone("AA", 0.1, 0.3), Phone("#weird#", 0.3, 0.4), Phone("IY", 0.6, 0.8)]
    c = curves_from_phones(phones, 60, FPS)
    assert c.shape == (60, 52) and np.isfinite(c).all()


def test_empty_phone_list_gives_the_rest_pose():
    c = curves_from_phones([], 30, FPS)
    assert c.shape == (30, 52) and not c.any()


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0, 100.0])
def test_frame_rate_changes_sampling_not_timing(fps):
    phones, _ = seq(("AA", 0.2), ("M", 0.1), ("AA", 0.2))
    n = int(1.3 * fps)
    a = aperture(curves_from_phones(phones, n, fps))
    assert a[int(round(phones[2].centre_s * fps))] < 0.05
    assert a[int(round(phones[1].centre_s * fps))] > 0.4


def test_the_speed_limit_lowers_a_snapping_mouth_but_keeps_its_closures():
    from talkrig.engines.phonetic.acoustic import MAX_APERTURE_SPEED, limit_aperture_speed

    jaw = np.array([0.5, 0.0, 0.0, 0.7, 0.7, 0.0, 0.5, 0.5, 0.5])  # a 2-frame pop
    curves = np.zeros((len(jaw), 52), np.float32)
    curves[:, ARKIT_INDEX["jawOpen"]] = jaw
    before = aperture(curves)
    limit_aperture_speed(curves, FPS)
    after = aperture(curves)
    step = MAX_APERTURE_SPEED / FPS
    assert np.all(np.abs(np.diff(after)) <= step + 1e-6)
    assert np.all(after <= before + 1e-6)  # only ever lowered
    assert after[1] == after[2] == after[5] == 0.0  # the closures stay shut
    assert after[3] == pytest.approx(step) and after[0] == pytest.approx(step)
    assert after[7] == pytest.approx(2 * step) and after[8] == pytest.approx(0.5)
    slow = np.zeros((60, 52), np.float32)
    slow[:, ARKIT_INDEX["jawOpen"]] = 0.3 + 0.2 * np.sin(np.arange(60) / FPS * 2 * np.pi)
    unchanged = slow.copy()
    limit_aperture_speed(slow, FPS)  # 1.3 per second at most: far under the limit
    np.testing.assert_allclose(slow, unchanged, atol=1e-6)


def test_a_stream_may_open_no_faster_than_the_limit_but_shut_at_once_in_any_chunks():
    from talkrig.engines.phonetic.acoustic import MAX_APERTURE_SPEED, limit_opening_speed

    jaw = np.array([0.5, 0.0, 0.0, 0.7, 0.7, 0.0, 0.5, 0.5, 0.5])  # the same 2-frame pop
    curves = np.zeros((len(jaw), 52), np.float32)
    curves[:, ARKIT_INDEX["jawOpen"]] = jaw
    step = MAX_APERTURE_SPEED / FPS
    whole = curves.copy()
    last = limit_opening_speed(whole, FPS)
    a = aperture(whole)
    assert np.diff(a).max() <= step + 1e-6  # never springs open
    assert a[0] == pytest.approx(0.5) and a[1] == 0.0  # shuts at once: no lookahead
    assert a[3] == pytest.approx(step) and a[4] == pytest.approx(2 * step)
    assert a[5] == 0.0 and a[7] == pytest.approx(2 * step) and a[8] == pytest.approx(0.5)
    assert last == pytest.approx(a[8])
    chunked, previous = [], None
    for lo, hi in ((0, 2), (2, 3), (3, 3), (3, 9)):  # an empty chunk too
        part = curves[lo:hi].copy()
        previous = limit_opening_speed(part, FPS, previous)
        chunked.append(part)
    np.testing.assert_allclose(np.concatenate(chunked), whole, atol=1e-6)


def test_the_closure_gate_spares_frames_beside_an_aligned_vowel_only_when_asked():
    from talkrig.engines.phonetic.coarticulation import VOWEL_MARGIN_S

    # "ta" aligned with the vowel starting at 0.30 s; the audio dips (closure evidence 1)
    # until 0.32 s, as when the aligner put the vowel's start 20 ms early
    phones = [Phone("SIL", 0.0, 0.2), Phone("T", 0.2, 0.3), Phone("AA", 0.3, 0.6)]
    n = int(0.7 * FPS)
    t = np.arange(n) / FPS
    evidence = (t < 0.3 + VOWEL_MARGIN_S).astype(np.float32)
    strict = aperture(curves_from_phones(phones, n, FPS, closure=evidence))
    spared = aperture(curves_from_phones(phones, n, FPS, closure=evidence,
                                         vowel_margin_s=VOWEL_MARGIN_S))
    before = (t >= 0.3 - VOWEL_MARGIN_S + 1e-6) & (t < 0.3)  # the frame before the vowel
    assert before.any()
    assert np.all(strict[before] <= 1e-6)  # gated shut
    assert np.all(spared[before] > 0.05)  # left as the coarticulation made it
    inside = (t >= 0.2) & (t < 0.3 - 2 * VOWEL_MARGIN_S)  # the rest of the /t/: gated
    assert np.all(spared[inside] <= 1e-6) and np.all(strict[inside] <= 1e-6)


def test_an_aperture_ceiling_lowers_only_the_mouth_opening_and_only_where_set():
    phones = [Phone("SIL", 0.0, 0.1), Phone("AA", 0.1, 0.5), Phone("SIL", 0.5, 0.7)]
    free = curves_from_phones(phones, 42, 60.0)
    ceiling = np.full(42, np.nan, np.float32)
    ceiling[12:20] = 0.1  # inside the vowel
    capped = curves_from_phones(phones, 42, 60.0, aperture_ceiling=ceiling)
    assert aperture(free)[12:20].min() > 0.3
    np.testing.assert_allclose(aperture(capped)[12:20], 0.1, atol=1e-4)
    np.testing.assert_array_equal(capped[:12], free[:12])  # NaN: no ceiling
    np.testing.assert_array_equal(capped[20:], free[20:])
    opening = [ARKIT_INDEX[c] for c in ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight",
                                        "mouthUpperUpLeft", "mouthUpperUpRight")]
    others = np.setdiff1d(np.arange(52), opening)
    np.testing.assert_array_equal(capped[:, others], free[:, others])  # rounding etc. kept
