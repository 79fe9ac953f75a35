"""Motion: smoothing follows fps; blinks and gaze follow EmoFace's statistics; seeded."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.motion import MotionOptions, apply_motion
from talkrig.motion.blinks import LOG_RATE_MEAN, LOG_RATE_STD, blink_times
from talkrig.motion.gaze import gaze_path
from talkrig.motion.smoothing import smooth_curves, window_frames
from talkrig.rigs import ARKIT_INDEX


def test_smoothing_window_spans_the_same_time_at_any_fps():
    assert window_frames(0.1, 30) == 3 or window_frames(0.1, 30) == 0
    assert window_frames(0.1, 60) == 7
    assert window_frames(0.1, 120) == 13


def test_smoothing_removes_jitter_but_keeps_a_slow_shape():
    t = np.arange(600) / 60
    slow = 0.5 + 0.3 * np.sin(2 * np.pi * 1.0 * t)
    noisy = slow + np.random.default_rng(0).normal(0, 0.05, len(t))
    out = smooth_curves(noisy[:, None], 60, 0.1)[:, 0]
    assert np.std(out - slow) < 0.6 * np.std(noisy - slow)
    assert np.corrcoef(out, slow)[0, 1] > 0.97


def test_blink_rate_over_an_hour_matches_the_log_normal_figures():
    rng = np.random.default_rng(1)
    times = blink_times(3600.0, rng)
    intervals = np.diff(times)
    expected_mean_interval = 60.0 * np.exp(-LOG_RATE_MEAN + LOG_RATE_STD ** 2 / 2)
    assert np.mean(intervals) == pytest.approx(expected_mean_interval, rel=0.1)
    assert np.median(np.log(60.0 / intervals)) == pytest.approx(LOG_RATE_MEAN, abs=0.1)


def test_blink_rate_multiplier_scales_the_count():
    normal = len(blink_times(1800.0, np.random.default_rng(2)))
    double = len(blink_times(1800.0, np.random.default_rng(2), rate=2.0))
    assert double == pytest.approx(2 * normal, rel=0.2)


def test_gaze_follows_emofaces_intervals_and_radius():
    path = gaze_path(60 * 600, 60.0, np.random.default_rng(3))
    radius = np.hypot(path[:, 0], path[:, 1])
    assert radius.max() <= 0.2 + 1e-9
    moving = np.flatnonzero(np.abs(np.diff(radius)) > 1e-9)
    starts = moving[np.insert(np.diff(moving) > 5, 0, True)]
    holds = np.diff(starts)
    assert holds.min() >= 13 and np.median(holds) == pytest.approx(30, abs=6)
    # 40 % of targets are the centre, so about 40 % of the time is spent there
    assert np.mean(radius < 1e-9) == pytest.approx(0.4, abs=0.05)


def test_motion_is_reproducible_from_a_seed_and_differs_across_seeds():
    curves = np.zeros((1200, 52), np.float32)
    opts = MotionOptions(head_motion=True, seed=5)
    energy = np.abs(np.sin(np.arange(1200) / 30))
    a = apply_motion(curves, 60, opts, energy)
    b = apply_motion(curves, 60, opts, energy)
    c = apply_motion(curves, 60, MotionOptions(head_motion=True, seed=6), energy)
    assert np.array_equal(a.curves, b.curves) and np.array_equal(a.head_pose, b.head_pose)
    assert not np.array_equal(a.curves, c.curves)


def test_turning_gaze_off_keeps_the_same_blinks():
    curves = np.zeros((1200, 52), np.float32)
    with_gaze = apply_motion(curves, 60, MotionOptions(seed=9)).curves
    without = apply_motion(curves, 60, MotionOptions(seed=9, gaze=False)).curves
    blink = ARKIT_INDEX["eyeBlinkLeft"]
    assert np.array_equal(with_gaze[:, blink], without[:, blink])
    assert with_gaze[:, blink].max() == pytest.approx(1.0, abs=0.05)


def test_head_motion_grows_with_speech_energy():
    n = 60 * 120
    quiet = apply_motion(np.zeros((n, 52), np.float32), 60,
                         MotionOptions(head_motion=True), np.zeros(n)).head_pose
    loud = apply_motion(np.zeros((n, 52), np.float32), 60,
                        MotionOptions(head_motion=True), np.ones(n)).head_pose
    assert loud.std() > 2 * quiet.std()
    assert np.abs(loud).max() < np.deg2rad(15)


def test_pauses_are_long_enough_quiet_stretches_after_speech():
    from talkrig.motion.pauses import speech_pauses
    fps = 100
    loud = np.ones(600)
    loud[:50] = 0.0  # the clip opens in silence: not a pause after speech
    loud[200:210] = 0.0  # 0.1 s dip: too short
    loud[300:360] = 0.05  # a pause from 3.0 to 3.6 s
    loud[550:] = 0.0  # trailing silence ends with the clip
    assert np.allclose(speech_pauses(loud, fps), [[3.0, 3.6], [5.5, 6.0]])


def test_blinks_due_near_a_pause_move_into_it_and_keep_their_spacing():
    from talkrig.motion.blinks import INTO_PAUSE_S, snap_to_pauses
    into = INTO_PAUSE_S
    # 1.5 moves into the 2.0 pause; 2.3 would collide with it either way and is dropped;
    # 2.9 is too far from any pause and stays; so does 4.0; 6.7 moves back to 6.0
    moved = snap_to_pauses(np.array([1.5, 2.3, 2.9, 4.0, 6.7]), np.array([2.0, 6.0]))
    assert np.allclose(moved, [2.0 + into, 2.9, 4.0, 6.0 + into])
    # a blink whose move would collide keeps its own time when that is far enough
    assert np.allclose(snap_to_pauses(np.array([4.5, 5.7]), np.array([5.0])), [5.0 + into, 5.7])
    assert np.allclose(snap_to_pauses(np.array([1.0, 3.0]), np.zeros(0)), [1.0, 3.0])


def test_on_real_speech_more_blinks_fall_in_pauses_at_the_same_rate(dev_speech_loudness):
    from talkrig.motion.blinks import snap_to_pauses
    from talkrig.motion.pauses import PAUSE_LEVEL, speech_pauses
    loud, fps = dev_speech_loudness
    pauses = speech_pauses(loud, fps)[:, 0]
    before, after, kept = [], [], []
    for seed in range(40):
        times = blink_times(len(loud) / fps, np.random.default_rng(seed))
        moved = snap_to_pauses(times, pauses)
        closed = lambda t: np.clip(((t + 0.1) * fps).astype(int), 0, len(loud) - 1)  # noqa: E731
        before.append(np.mean(loud[closed(times)] < PAUSE_LEVEL))
        after.append(np.mean(loud[closed(moved)] < PAUSE_LEVEL))
        kept.append(len(moved) / len(times))
    assert np.mean(after) > np.mean(before) + 0.1  # measured 0.34 -> 0.54
    assert np.mean(kept) > 0.9  # measured 0.97


def test_pipeline_blinks_and_gaze_follow_the_pauses_of_the_audio(dev_speech_loudness):
    loud, fps = dev_speech_loudness
    curves = np.zeros((len(loud), 52), np.float32)
    plain = apply_motion(curves, fps, MotionOptions(seed=3, gaze=False)).curves
    timed = apply_motion(curves, fps, MotionOptions(seed=3, gaze=False), loud).curves
    blink = ARKIT_INDEX["eyeBlinkLeft"]
    assert not np.array_equal(plain[:, blink], timed[:, blink])
    quiet = loud < 0.1
    assert timed[quiet, blink].mean() > plain[quiet, blink].mean()
    look = apply_motion(curves, fps, MotionOptions(seed=3, blinks=False), loud).eye_rotation
    centred = np.abs(look[:, :2]).max(axis=1) < 1e-6
    assert centred[quiet].mean() > centred[~quiet].mean() + 0.2  # eyes on the listener in pauses


@pytest.fixture(scope="module")
def dev_speech_loudness():
    from conftest import dev_file
    from talkrig.audio import load_audio
    from talkrig.features import loudness
    fps = 60.0
    audio = load_audio(dev_file("acoustic_corpus.wav")).samples
    return loudness(audio, fps, int(len(audio) / 16_000 * fps)), fps


def test_gaze_returns_to_the_listener_at_phrase_ends_and_turns_away_as_speech_resumes():
    from talkrig.motion.gaze import add_gaze
    fps = 60.0
    loud = np.ones(int(6 * fps), np.float32)
    loud[int(2 * fps):int(3 * fps)] = 0.0  # a one-second pause after a two-second phrase
    curves = np.zeros((len(loud), 52), np.float32)
    in_pause, after_onset, plain_pause = [], [], []
    for seed in range(60):
        _, eyes = add_gaze(curves, fps, np.random.default_rng(seed), loud)
        _, plain = add_gaze(curves, fps, np.random.default_rng(seed))
        in_pause.append(np.abs(eyes[int(2.3 * fps), :2]).max() < 1e-6)
        after_onset.append(np.abs(eyes[int(3.0 * fps), :2]).max() > 1e-6)
        plain_pause.append(np.abs(plain[int(2.3 * fps), :2]).max() < 1e-6)
    assert np.mean(in_pause) > 0.7  # BACK_AT_PAUSE_P = 0.8, held through the pause
    assert np.mean(after_onset) > 0.7
    assert np.mean(plain_pause) < 0.6  # without the audio: the sampler's 40 % centre


def test_gaze_turns_away_in_one_saccade_as_speech_resumes():
    from talkrig.motion.gaze import AWAY, SACCADE_S, add_gaze, speech_gaze_events
    fps = 60.0
    loud = np.ones(int(6 * fps), np.float32)
    loud[int(2 * fps):int(3 * fps)] = 0.0
    ramp = int(round(SACCADE_S * fps))
    checked = 0
    for seed in range(40):
        events = speech_gaze_events(loud, fps, np.random.default_rng(seed))
        onsets = [frame for frame, kind, _ in events if kind == AWAY]
        if not onsets:
            continue
        _, eyes = add_gaze(np.zeros((len(loud), 52), np.float32), fps,
                           np.random.default_rng(seed), loud)
        at = onsets[0]
        # the saccade ends after one ramp and the new fixation holds (no second ramp)
        assert np.allclose(eyes[at + ramp - 1], eyes[at + 2 * ramp])
        assert np.abs(eyes[at + ramp - 1, :2]).max() > 0.0
        checked += 1
    assert checked > 10


def test_gaze_events_come_from_the_pauses():
    from talkrig.motion.gaze import AWAY, CENTRE, LEAD_S, speech_gaze_events
    fps = 100.0
    loud = np.ones(600)
    loud[200:300] = 0.0  # pause 2.0-3.0 s
    loud[400:420] = 0.0  # 0.2 s pause: back at its start, too short to turn away after
    counts = {CENTRE: 0, AWAY: 0}
    for seed in range(200):
        for frame, kind, until in speech_gaze_events(loud, fps, np.random.default_rng(seed)):
            lead = LEAD_S * fps
            assert (kind, frame, until) in {(CENTRE, 200 - lead, 300 - lead),
                                            (AWAY, 300 - lead, 300 - lead),
                                            (CENTRE, 400 - lead, 420 - lead)}
            counts[kind] += 1
    assert 0.7 < counts[CENTRE] / 400 < 0.9 and 0.5 < counts[AWAY] / 200 < 0.7


def test_through_a_long_pause_the_eyes_hold_the_listener_then_wander_again():
    from talkrig.motion.gaze import INTERVAL_FRAMES, MAX_CENTRE_HOLD_S, add_gaze
    fps = 60.0
    loud = np.ones(int(10 * fps), np.float32)
    loud[int(1 * fps):int(9 * fps)] = 0.0  # an eight-second pause
    curves = np.zeros((len(loud), 52), np.float32)
    longest = []
    for seed in range(30):
        _, eyes = add_gaze(curves, fps, np.random.default_rng(seed), loud)
        still = np.all(np.abs(np.diff(eyes[:, :2], axis=0)) < 1e-9, axis=1)
        edges = np.diff(np.concatenate([[0], still.astype(np.int8), [0]]))
        runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        longest.append(runs.max() / fps)
    # the hold (1.5 s), then maybe a random fixation that also lands on the centre
    # (0.25-0.75 s each); never the whole eight seconds
    assert MAX_CENTRE_HOLD_S == 1.5 and INTERVAL_FRAMES[1] / fps == 0.75
    assert max(longest) < 3.2
