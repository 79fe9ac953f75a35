"""Streaming: chunks of 10-100 ms in, frames out, same curves as offline."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.runtime import NeuralModel
from talkrig.streaming import MAX_LOOKAHEAD_S, NeuralStream

TOLERANCE = 0.02  # the bound on |streaming - offline|


@pytest.fixture(scope="module")
def model():
    return NeuralModel(device="cpu", threads=1)


def _stream(model, audio, chunk_sizes, emotions=None):
    stream, outs, start, frame_emotion = NeuralStream(model), [], 0, None
    n_frames = int(np.ceil(len(audio) / 16000 * 60 - 1e-9))
    frame_emotion = np.zeros((n_frames, 7), np.float32)
    for i, size in enumerate(chunk_sizes):
        chunk = audio[start: start + size]
        if not len(chunk):
            break
        vec = None if emotions is None else emotions(i)
        if vec is not None:  # frames whose time falls in this chunk and later
            frame_emotion[int(np.ceil(start * 60 / 16000 - 1e-9)):] = vec
        outs.append(stream.push(chunk, vec))
        start += size
    outs.append(stream.flush())
    return np.concatenate(outs), frame_emotion


@pytest.mark.parametrize("chunk_ms", [10, 20, 100])
def test_streaming_matches_offline_on_real_speech(model, chunk_ms):
    audio = load_audio(dev_file("cold_corpus.wav")).samples[: 16000 * 8]
    size = chunk_ms * 16
    streamed, emo = _stream(model, audio, [size] * (len(audio) // size + 1))
    offline = model.curves(audio, emo)
    assert streamed.shape == offline.shape
    assert np.max(np.abs(streamed - offline)) <= TOLERANCE


def test_streaming_with_ragged_chunks_and_emotion_changes_matches_offline(model):
    audio = load_audio(dev_file("acoustic_corpus.wav")).samples[: 16000 * 6]
    rng = np.random.default_rng(0)
    sizes = rng.integers(160, 1601, size=2000).tolist()  # 10-100 ms
    table = {i: rng.uniform(0, 1, 7).astype(np.float32) for i in range(0, 200, 37)}
    streamed, emo = _stream(model, audio, sizes, lambda i: table.get(i))
    offline = model.curves(audio, emo)
    assert np.max(np.abs(streamed - offline)) <= TOLERANCE


def test_frames_arrive_within_the_lookahead_bound(model):
    stream = NeuralStream(model)
    assert stream.latency_s <= MAX_LOOKAHEAD_S
    received, frames = 0, 0
    for _ in range(100):  # 2 s in 20 ms chunks of silence-level noise
        frames += len(stream.push(np.full(320, 1e-3, np.float32)))
        received += 320
        newest_time = (frames - 1) / 60
        assert received / 16000 - newest_time <= MAX_LOOKAHEAD_S + 1 / 60


def test_a_quiet_stream_with_its_input_gain_matches_offline_generation(model):
    from talkrig.audio import RAISED_PEAK
    from talkrig.engines.base import EngineRequest
    from talkrig.engines.neural import NeuralEngine

    speech = load_audio(dev_file("cold_corpus.wav")).samples[: 16000 * 4]
    quiet = speech * np.float32(0.01 / np.abs(speech).max())  # peak at -40 dBFS
    n = int(np.ceil(len(quiet) / 16000 * 60 - 1e-9))
    offline = NeuralEngine(closure_gate="off").animate(  # the network's own frames
        EngineRequest(quiet, 60.0, np.zeros((n, 7), np.float32)))
    stream = NeuralStream(model, input_gain_db=20 * np.log10(RAISED_PEAK / 0.01))
    streamed = np.concatenate([stream.push(quiet[i:i + 320]) for i in range(0, len(quiet), 320)]
                              + [stream.flush()])
    assert np.max(np.abs(streamed - offline)) <= TOLERANCE


def test_a_stream_flushed_before_any_audio_ends_as_offline_inference_of_nothing(model):
    empty = np.zeros(0, np.float32)
    np.testing.assert_array_equal(NeuralStream(model).flush(), model.curves(empty))
    assert NeuralStream(model, acoustic_closures=True).flush().shape == (1, 52)


@pytest.mark.parametrize("chunk, emotion, problem", [
    (np.zeros((320, 2), np.float32), None, "must be mono"),
    (np.full(320, np.nan, np.float32), None, "NaN or infinite"),
    (np.zeros(320, np.float32), np.ones(3), "7 finite numbers"),
])
def test_chunks_and_emotions_it_cannot_use_are_one_line_errors(model, chunk, emotion, problem):
    from talkrig.errors import TalkRigError

    with pytest.raises(TalkRigError, match=problem):
        NeuralStream(model).push(chunk, emotion)


def test_a_flushed_stream_refuses_more_audio_and_a_one_channel_column_is_mono(model):
    from talkrig.errors import TalkRigError

    noise = np.random.default_rng(0).normal(0, 0.05, 4000).astype(np.float32)
    stream = NeuralStream(model)
    column = np.concatenate([stream.push(noise[:, None]), stream.flush()])
    np.testing.assert_allclose(column, model.curves(noise), atol=1e-5)
    with pytest.raises(TalkRigError, match="flushed"):
        stream.push(noise)
