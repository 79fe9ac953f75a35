"""Corpus building and training commands, with tiny configs (a few steps, seconds)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import REPO

needs_flite = pytest.mark.skipif(shutil.which("flite") is None,
                                 reason="flite (Debian package) not installed")


def test_augmentations_keep_audio_finite_bounded_and_timed():
    from training.augment import random_chain

    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    voice = (0.3 * np.sin(2 * np.pi * 150 * t) * (t > 0.3)).astype(np.float32)
    seen = set()
    for _ in range(40):
        out, scale, applied = random_chain(voice, rng)
        seen.update(applied)
        assert out.dtype == np.float32 and np.isfinite(out).all()
        assert np.abs(out).max() <= 1.0 + 1e-6
        assert abs(len(out) - len(voice) * scale) <= 2
    assert {"noise", "reverb", "eq", "band_limit", "speed", "gain"} <= seen


def test_a_whispered_voice_keeps_the_spectral_envelope_and_loses_the_pitch():
    from conftest import dev_file
    from scipy.signal import butter, sosfilt, welch
    from talkrig.audio import load_audio
    from training.augment import whisper_voice

    voice = load_audio(dev_file("acoustic_corpus.wav")).samples[: 6 * 16_000]  # clean, voiced
    whispered = whisper_voice(voice, np.random.default_rng(0))
    assert whispered.shape == voice.shape and whispered.dtype == np.float32
    assert np.isfinite(whispered).all()

    def above_60_hz(audio):  # without the recording's drift, as whisper_voice hears it
        return sosfilt(butter(2, 60, "highpass", fs=16_000, output="sos"), audio)

    assert np.sqrt(np.mean(whispered ** 2)) == pytest.approx(
        np.sqrt(np.mean(above_60_hz(voice) ** 2)), rel=1e-3)

    def pitch_strength(audio):  # loud 40 ms frames' autocorrelation peak at 80-400 Hz lags
        frames = np.lib.stride_tricks.sliding_window_view(above_60_hz(audio), 640)[::320]
        frames = frames - frames.mean(axis=1, keepdims=True)
        energy = np.sum(frames ** 2, axis=1)
        peaks = [np.correlate(f, f, "full")[639:][40:200].max() / e
                 for f, e in zip(frames, energy) if e > np.median(energy)]
        return float(np.median(peaks))

    assert pitch_strength(voice) > 0.45 and pitch_strength(whispered) < 0.3
    freqs, voice_psd = welch(voice, 16_000, nperseg=512)
    _, whispered_psd = welch(whispered, 16_000, nperseg=512)
    band = (freqs > 100) & (freqs < 7500)  # the long-term spectrum, in dB, keeps its shape
    assert np.corrcoef(np.log(voice_psd[band]), np.log(whispered_psd[band]))[0, 1] > 0.9


def test_random_emotion_specs_cover_every_emotion_and_timelines():
    from talkrig.emotion import EMOTIONS
    from training.emotions import labels_of, random_spec, vectors

    rng = np.random.default_rng(1)
    specs = [random_spec(3.0, rng) for _ in range(400)]
    assert {label for s in specs for label in labels_of(s)} == set(EMOTIONS)
    assert any("@" in s for s in specs)
    assert vectors(specs[0], 60.0, 180).shape == (180, 7)


@needs_flite
def test_flite_phones_are_arpabet_and_cover_the_audio():
    from talkrig.phones.labels import normalise_label
    from training.tts import Voicing, synthesize

    audio, phones = synthesize("Maybe the blue boat will move.", Voicing("slt", 1.0, 120, 1.0))
    labels = [p[0] for p in phones]
    assert "B" in labels and "M" in labels and labels[0] == "SIL"
    assert all(normalise_label(label) is not None for label in labels)
    assert all(a[2] <= b[1] + 1e-6 for a, b in zip(phones, phones[1:]))
    assert abs(phones[-1][2] - len(audio) / 16000) < 0.15


def test_every_training_config_loads():
    from training.config import load_config, read_config
    from training.train_whisper_head import load_head_config

    configs = sorted((REPO / "training" / "configs").glob("*.toml"))
    assert len(configs) >= 2
    for path in configs:
        head = "encoder" in read_config(path).get("model", {})
        dims, train = (load_head_config if head else load_config)(path)  # unknown keys raise
        assert dims.channels > 0 and train.steps > 0 and train.corpus


def test_a_config_extends_its_base_key_by_key(tmp_path):
    from training.config import load_config

    (tmp_path / "parent.toml").write_text(
        "[model]\nchannels = 32\nn_mels = 16\n[train]\nsteps = 10\nlr = 1e-3\n", "utf-8")
    (tmp_path / "sub").mkdir()
    child = tmp_path / "sub" / "child.toml"
    child.write_text('base = "../parent.toml"\n[model]\nchannels = 64\n'
                     '[train]\nvtlp = [0.9, 1.1]\n', "utf-8")
    dims, train = load_config(child)
    assert (dims.channels, dims.n_mels) == (64, 16)  # overridden, inherited
    assert (train.steps, train.lr, train.vtlp) == (10, 1e-3, (0.9, 1.1))
    (tmp_path / "parent.toml").write_text('base = "sub/child.toml"\n', "utf-8")
    with pytest.raises(ValueError, match="chain of bases comes back"):
        load_config(child)
    child.write_text('base = "missing.toml"\n', "utf-8")
    with pytest.raises(ValueError, match=r"child.toml: its base .*missing.toml does not exist"):
        load_config(child)


def test_a_config_key_its_trainer_would_ignore_is_refused(tmp_path):
    from training.config import load_config
    from training.train_whisper_head import load_head_config

    log_mel = tmp_path / "log_mel.toml"
    log_mel.write_text("[train]\nsteps = 10\nsecond_window_s = 30.0\n", "utf-8")
    with pytest.raises(ValueError, match=r"log_mel.toml: .*does not use.*second_window_s"):
        load_config(log_mel)
    head = tmp_path / "head.toml"
    head.write_text('[model]\nencoder = "whisper-base"\n[train]\nspeech_encoder_dir = "x"\n',
                    "utf-8")
    with pytest.raises(ValueError, match=r"head.toml: .*does not use.*speech_encoder_dir"):
        load_head_config(head)
    head.write_text('[model]\nencoder = "whisper-base"\n[train]\nsecond_window_s = 30.0\n',
                    "utf-8")
    assert load_head_config(head)[1].second_window_s == 30.0


def assert_spoken_and_aligned(audio, phones):
    """A voice's clip of "Maybe the blue boat will move.": 16 kHz float32 at peak 0.9,
    its aligned ``phones`` (when given) ordered and covering it, and (with the asr
    extra) a person could tell what it says."""
    from talkrig.phones import whisper_words

    assert audio.dtype == np.float32 and abs(np.abs(audio).max() - 0.9) < 1e-3
    if phones is not None:
        assert {"B", "M", "UW", "V"} <= {p[0] for p in phones}
        assert all(a[2] <= b[1] + 1e-6 for a, b in zip(phones, phones[1:]))
        assert abs(phones[-1][2] - len(audio) / 16000) < 0.05
    if whisper_words.available():
        heard = whisper_words.hear(audio, hesitations=False).text.lower()
        assert "blue boat" in heard and "move" in heard


def test_piper_voice_speaks_the_text_and_its_phones_are_aligned():
    from training import piper_tts

    if not piper_tts.available() or shutil.which("espeak-ng") is None:
        pytest.skip("the Piper voice package (train extra) or espeak-ng is not installed")
    text = "Maybe the blue boat will move."
    piper_tts._voice.cache_clear()  # a fresh session: its seeded noise starts over
    first, _ = piper_tts.synthesize(text, piper_tts.PiperVoicing(1.0, 0.667, 0.8))
    piper_tts._voice.cache_clear()
    again, _ = piper_tts.synthesize(text, piper_tts.PiperVoicing(1.0, 0.667, 0.8))
    np.testing.assert_array_equal(first, again)  # reproducible
    slow, phones = piper_tts.synthesize(text, piper_tts.PiperVoicing(1.3, 0.667, 0.8))
    fast, _ = piper_tts.synthesize(text, piper_tts.PiperVoicing(0.8, 0.667, 0.8))
    assert len(fast) < 0.8 * len(slow)  # length_scale sets the rate
    assert_spoken_and_aligned(slow, phones)


def test_kokoro_voices_speak_the_text_and_their_phones_are_aligned():
    from training import kokoro_tts

    if not kokoro_tts.available():
        pytest.skip("Kokoro's packages (train extra) or its voices (python -m "
                    "training.kokoro_tts --fetch) are not here")
    text = "Maybe the blue boat will move."
    man = kokoro_tts.KokoroVoicing("am_adam", "", 0.0, 0.85)
    again, _ = kokoro_tts.synthesize(text, man)
    slow, phones = kokoro_tts.synthesize(text, man)
    np.testing.assert_array_equal(slow, again)  # reproducible
    fast, _ = kokoro_tts.synthesize(text, kokoro_tts.KokoroVoicing("am_adam", "", 0.0, 1.25))
    blend, _ = kokoro_tts.synthesize(
        text, kokoro_tts.KokoroVoicing("bf_emma", "bf_lily", 0.5, 0.85))
    assert len(fast) < 0.8 * len(slow)  # speed sets the rate
    assert_spoken_and_aligned(slow, phones)
    assert_spoken_and_aligned(blend, None)  # the other accent, two voices blended
    rng = np.random.default_rng(0)
    drawn = [kokoro_tts.KokoroVoicing.random(rng) for _ in range(200)]
    assert {v.voice[:2] for v in drawn} == {"af", "am", "bf", "bm"}
    assert all(v.second[:2] == v.voice[:2] for v in drawn if v.mix)
    assert 0.3 < np.mean([v.mix > 0 for v in drawn]) < 0.7


@needs_flite
def test_command_line_overrides_replace_only_what_was_given():
    from training.config import load_config
    from training.train import with_overrides

    _, cfg = load_config(REPO / "training" / "configs" / "tiny.toml")
    assert with_overrides(cfg) == cfg
    assert with_overrides(cfg, corpus=[], speech_encoder_dir="") == cfg
    changed = with_overrides(cfg, steps=0, corpus=[REPO / "a", REPO / "b"],
                             speech_encoder_dir=REPO / "enc")
    assert changed.steps == 0 and changed.corpus == (str(REPO / "a"), str(REPO / "b"))
    assert changed.speech_encoder_dir == str(REPO / "enc")
    assert changed.lr == cfg.lr and changed.max_minutes == cfg.max_minutes


def test_tiny_corpus_trains_resumes_and_exports(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from talkrig.runtime import NeuralModel
    from training.build_corpus import main as build
    from training.export_onnx import main as export
    from training.train import train

    corpus = tmp_path / "corpus"
    assert build(["--out", str(corpus), "--count", "4", "--seed", "3"]) == 0
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert manifest["summary"]["clips"] == len(manifest["clips"]) == 4
    assert all(c["phones"] and c["source"].startswith("flite/") for c in manifest["clips"])

    config = REPO / "training" / "configs" / "tiny.toml"
    first = train(config, tmp_path / "run", steps=2, corpus=[corpus])
    assert first["step"] == 2 and np.isfinite(first["val_l1"])
    second = train(config, tmp_path / "run", steps=4, corpus=[corpus])
    assert second["step"] == 4  # resumed from last.pt, did 2 more steps
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert max(row["step"] for row in log) == 4

    onnx_path = tmp_path / "tiny.onnx"
    assert export([str(tmp_path / "run" / "last.pt"), str(onnx_path)]) == 0
    info = NeuralModel(onnx_path, device="cpu").info
    assert info.dims["channels"] == 16 and len(info.channels) == 52



def test_a_head_teacher_teaches_the_log_mel_network_only_the_folders_it_names():
    from talkrig.engines.neural_whisper import WhisperHeadModel, default_head_path
    from talkrig.phones import Phone
    from training.dataset import Batches, Clip
    from training.head_teacher import HeadTeacher, states_at_frames

    audio = (3000 * np.sin(np.arange(32_000) * 0.05)).astype(np.int16)  # 2 s = 120 frames
    phones = (Phone("AA", 0.0, 1.0), Phone("M", 1.0, 2.0))
    clips = [Clip(audio, phones, "happy", "synthetic", 0), Clip(audio, phones, "sad", "real", 1)]
    states = np.random.default_rng(4).standard_normal((100, 512)).astype(np.float16)
    teacher = HeadTeacher(default_head_path(), 1.0, [[None, states]])  # folder 1 only
    head = WhisperHeadModel(default_head_path(), device="cpu")

    def batch(index, with_teacher):  # 40 blocks = 120 frames: every crop is the whole clip
        return Batches(clips, [index], 3, 40, 5, gain_db=0.0,
                       teacher=teacher if with_teacher else None).next()

    for index in (0, 1):
        plain, taught = batch(index, False), batch(index, True)
        np.testing.assert_array_equal(taught["audio"], plain["audio"])  # the same crops
        np.testing.assert_array_equal(taught["emotion"], plain["emotion"])
        if index == 0:  # not taught: the phonetic engine's curves
            np.testing.assert_array_equal(taught["target"], plain["target"])
            continue
        assert np.abs(taught["target"] - plain["target"]).max() > 0.05  # the teacher counts
        for row in range(6):  # both emotions of every crop: the head's curves
            expected = head.curves(states_at_frames(states, 0, 120), plain["emotion"][row])
            np.testing.assert_allclose(taught["target"][row], expected, atol=1e-6)


@needs_flite
def test_the_log_mel_network_trains_with_a_head_teacher_on_one_folder(tmp_path):
    pytest.importorskip("torch")
    from talkrig.engines.neural_whisper import default_head_path
    from training.build_corpus import main as build
    from training.train import train

    taught, plain = tmp_path / "taught", tmp_path / "plain"
    assert build(["--out", str(taught), "--count", "2", "--seed", "3"]) == 0
    assert build(["--out", str(plain), "--count", "2", "--seed", "4"]) == 0
    config = tmp_path / "teacher.toml"
    teacher = (f'teacher_head = "{default_head_path()}"\nteacher_weight = 1.0\n'
               "teacher_folders = [0]\n")
    config.write_text((REPO / "training" / "configs" / "tiny.toml").read_text("utf-8")
                      + teacher, "utf-8")
    metrics = train(config, tmp_path / "run", steps=2, corpus=[taught, plain])
    assert metrics["step"] == 2 and np.isfinite(metrics["val_l1"])
    assert list(taught.glob("whisper_states_6l_10s_*.npz"))  # the head's states, cached
    assert not list(plain.glob("whisper_states_*.npz"))  # a folder it does not teach
    config.write_text(config.read_text("utf-8").replace("[0]", "[2]"), "utf-8")
    with pytest.raises(SystemExit, match=r"teacher_folders \[2\]: the corpus has 2 folders"):
        train(config, tmp_path / "run2", steps=2, corpus=[taught, plain])
    with pytest.raises(SystemExit, match=f"{tmp_path / 'missing'}: no corpus there"):
        train(config, tmp_path / "run2", steps=2, corpus=[taught, tmp_path / "missing", plain])
    assert not (tmp_path / "run2").exists()  # refused before anything is written


def test_checkpoints_are_scored_on_a_held_out_folder_as_talkrig_eval_scores_them(
        tmp_path, capsys, cli):
    from conftest import dev_file
    from talkrig.runtime import default_model_path
    from training.select_checkpoint import main as select

    folder = tmp_path / "heldout"
    folder.mkdir()
    audio = dev_file("cold_corpus.wav")
    (folder / audio.name).symlink_to(audio)
    tier = audio.parents[1] / "textgrid" / "cold_corpus.TextGrid"  # hand-checked phones
    (folder / tier.name).symlink_to(tier)
    assert select(["--heldout", str(folder), str(default_model_path())]) == 0
    chosen = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert chosen["best"] == str(default_model_path())
    done = cli("eval", folder, "--engine", "neural", "--no-text", "--no-baseline",
               "-o", tmp_path / "report.json")
    assert done.returncode == 0, done.stderr
    pooled = json.loads((tmp_path / "report.json").read_text())["pooled"]
    expected = np.mean([pooled[k] for k in ("bilabial_closure_rate", "open_vs_bilabial_auc",
                                            "rounded_vs_spread_auc", "corr_at_zero_lag")])
    assert chosen["scores"][str(default_model_path())] == pytest.approx(expected, abs=1e-9)
    with pytest.raises(SystemExit):
        select(["--heldout", str(tmp_path), str(default_model_path())])  # no TextGrids
    assert "no held-out corpus (run python bench/heldout_speech.py)" in capsys.readouterr().err


def heldout_speech():
    """``bench/heldout_speech.py`` as a module (bench/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("heldout_speech",
                                                  REPO / "bench" / "heldout_speech.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_heard_set_splits_into_unusual_and_plain_voices_without_counting_twice(tmp_path):
    from conftest import dev_file
    from talkrig.evaluation.corpus import find_utterances

    heldout = heldout_speech()
    audio = dev_file("cold_corpus.wav")
    tier = audio.parents[1] / "textgrid" / "cold_corpus.TextGrid"
    for stem in ("whisper", "mfa_buddy"):  # a whispered clip's name and a plain one's
        (tmp_path / f"{stem}.wav").symlink_to(audio)
        (tmp_path / f"{stem}.TextGrid").symlink_to(tier)
    odd, plain = heldout.split_by_voice(tmp_path, ["whisper", "mfa_buddy"])
    assert sorted(p.name for p in odd.iterdir()) == ["whisper.TextGrid", "whisper.wav"]
    assert sorted(p.name for p in plain.iterdir()) == ["mfa_buddy.TextGrid", "mfa_buddy.wav"]
    assert (odd / "whisper.wav").resolve() == audio.resolve()
    assert [u.name for u in find_utterances(odd)] == ["whisper"]
    assert sorted(u.name for u in find_utterances(tmp_path)) == ["mfa_buddy", "whisper"]
    # a rebuild starts from a clean set: the earlier build's references and links go,
    # a file the builder did not write stays
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "gone.TextGrid").write_text(tier.read_text())  # a reference it wrote,
    (tmp_path / "gone.flac").symlink_to(audio)  # beside its link to the audio
    (tmp_path / "own.TextGrid").write_text(tier.read_text())  # a user's annotation
    (tmp_path / "own.wav").write_bytes(audio.read_bytes())  # of real audio
    heldout.clear_build(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "own.TextGrid", "own.wav"]
    assert dev_file("cold_corpus.wav").exists() and tier.exists()  # links' targets untouched


def test_clips_are_referenced_by_the_words_written_down_for_them(tmp_path):
    from conftest import DEV_SPEECH, dev_file
    from talkrig.phones.readers import read_textgrid_phones

    dev_file("mfa_whisper.flac")  # skips without ../shared
    heldout = heldout_speech()
    written = json.loads(heldout.WRITTEN_WORDS.read_text("utf-8"))["clips"]
    built = heldout.build_written_corpus(DEV_SPEECH, tmp_path)
    assert sorted(built) == sorted(written) and len(built) == 34
    odd = sorted(p.stem for p in (tmp_path / "voice_quality").glob("*.TextGrid"))
    assert odd == sorted(set(written) & set(heldout.VOICE_QUALITY_STEMS)) and len(odd) == 10
    assert len(list((tmp_path / "plain_voice").glob("*.TextGrid"))) == 24
    for stem, wanted in (("mfa_whisper", "M AH N T R IY AO L F AO R S T AH L AY N ER"),
                         ("whisper", "DH IH S IH Z AO L V EH R IY HH W IH S P ER D")):
        phones = [p.label for p in read_textgrid_phones(tmp_path / f"{stem}.TextGrid")
                  if p.label not in ("", "SIL")]
        assert " ".join(phones) == wanted  # the words written down, not the words heard
        assert (tmp_path / f"{stem}.flac").resolve() == dev_file(f"{stem}.flac").resolve()


@needs_flite
def test_a_rebuild_interrupted_while_writing_leaves_the_earlier_corpus_whole(tmp_path, monkeypatch):
    import training.build_corpus as build_corpus

    corpus = tmp_path / "corpus"
    assert build_corpus.main(["--out", str(corpus), "--count", "2", "--seed", "1"]) == 0
    before = {name: (corpus / name).read_bytes() for name in ("clips.npz", "manifest.json")}

    def savez_then_stop(handle, **arrays):
        handle.write(b"PK\x03\x04 half a zip")  # some bytes out, then the user's Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(build_corpus.np, "savez", savez_then_stop)
    with pytest.raises(KeyboardInterrupt):
        build_corpus.main(["--out", str(corpus), "--count", "2", "--seed", "2"])
    assert {name: (corpus / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in corpus.iterdir()) == ["clips.npz", "manifest.json"]


def test_real_clips_without_a_transcript_can_be_labelled_by_the_words_heard(tmp_path):
    from conftest import dev_file
    from talkrig.phones import whisper_words
    from training.build_corpus import main as build

    if not whisper_words.available():
        pytest.skip("the asr extra is not installed")
    real = tmp_path / "mfa"
    (real / "wav").mkdir(parents=True)
    (real / "lab").mkdir()
    (real / "textgrid").mkdir()
    shutil.copy(dev_file("mfa_thoughts.flac"), real / "wav")  # no transcript, no tier
    corpus = tmp_path / "corpus"
    assert build(["--out", str(corpus), "--count", "0", "--real", str(real),
                  "--real-copies", "2", "--hear"]) == 0
    clips = json.loads((corpus / "manifest.json").read_text())["clips"]
    assert [c["source"] for c in clips] == ["speech-dev-heard/mfa_thoughts.flac"] * 2
    labels = [p[0] for p in clips[0]["phones"]]
    # "I have a thousand thoughts about that thing": the words' phones, in order
    assert labels[labels.index("TH"):][:3] == ["TH", "AW", "Z"]
    assert {"AY", "HH", "AE", "V", "B"} <= set(labels)

@pytest.mark.gpu
@needs_flite
def test_tiny_training_runs_on_cuda(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from training.build_corpus import main as build
    from training.train import train

    corpus = tmp_path / "corpus"
    build(["--out", str(corpus), "--count", "3"])
    result = train(REPO / "training" / "configs" / "tiny.toml", tmp_path / "run", device="cuda",
                   steps=2, corpus=[corpus])
    assert result["step"] == 2 and np.isfinite(result["val_l1"])


@needs_flite
def test_training_with_a_local_pretrained_encoder_freezes_it_and_resumes(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from talkrig.model.checkpoint import load_checkpoint
    from training.build_corpus import main as build
    from training.train import train

    encoder_dir = tmp_path / "w2v"
    torch.manual_seed(0)
    config = transformers.Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(8,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    transformers.Wav2Vec2Model(config).save_pretrained(encoder_dir)
    original = transformers.Wav2Vec2Model.from_pretrained(encoder_dir).state_dict()
    corpus = tmp_path / "corpus"
    assert build(["--out", str(corpus), "--count", "3", "--seed", "5"]) == 0
    tiny = REPO / "training" / "configs" / "tiny.toml"
    run = tmp_path / "run"
    assert train(tiny, run, steps=2, corpus=[corpus], speech_encoder_dir=encoder_dir)["step"] == 2
    assert train(tiny, run, steps=3, corpus=[corpus], speech_encoder_dir=encoder_dir)["step"] == 3
    net, doc = load_checkpoint(run / "last.pt")
    assert net.dims.speech_encoder == "pretrained"
    trained = net.audio.encoder.state_dict()
    assert all(torch.equal(trained[k], v) for k, v in original.items())  # frozen


def test_recorded_prompts_are_aligned_to_their_scripts_and_wrong_scripts_are_skipped(
        tmp_path):
    from conftest import dev_file
    from talkrig.phones import whisper_words
    from training.build_corpus import main as build

    if not whisper_words.available():
        pytest.skip("the asr extra is not installed")
    folder = tmp_path / "prompts"
    (folder / "wav").mkdir(parents=True)
    (folder / "lab").mkdir()
    scripts = {"right": "I have a thousand thoughts about that thing",
               "wrong": "Please enter your password followed by the pound key"}
    for stem, script in scripts.items():
        shutil.copy(dev_file("mfa_thoughts.flac"), folder / "wav" / f"{stem}.flac")
        (folder / "lab" / f"{stem}.lab").write_text(script + "\n", "utf-8")
    (folder / "sources.json").write_text('{"licence": "MIT"}', "utf-8")
    corpus = tmp_path / "corpus"
    assert build(["--out", str(corpus), "--count", "0", "--recordings", str(folder),
                  "--recording-copies", "2"]) == 0
    manifest = json.loads((corpus / "manifest.json").read_text())
    clips = manifest["clips"]
    assert [c["source"] for c in clips] == ["prompts/right.flac#0"] * 2
    assert manifest["recordings"] == {"prompts": {"licence": "MIT"}}  # its sources.json
    assert clips[0]["augment"] == [] and clips[1]["augment"]  # clean, then augmented
    labels = [p[0] for p in clips[0]["phones"]]
    assert labels[labels.index("TH"):][:3] == ["TH", "AW", "Z"]


def test_long_recordings_are_cut_in_pauses_into_pieces_that_keep_their_phones():
    from training.build_corpus import pieces_at_pauses, window_phones

    phones = [("SIL", 0.0, 0.5), ("AA", 0.5, 5.0), ("SIL", 5.0, 5.4), ("B", 5.4, 9.0),
              ("SIL", 9.0, 9.05), ("IY", 9.05, 14.0), ("SIL", 14.0, 15.0)]
    pieces = pieces_at_pauses(phones, 15.0, 8.0)
    assert pieces[0] == (0.0, 5.2)  # in the 0.4 s pause, not the 0.05 s one
    assert pieces[-1][1] == 15.0 and all(b - a <= 8.0 for a, b in pieces)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))  # nothing lost
    inside = window_phones(phones, 5.2, 13.2)
    assert [p[0] for p in inside] == ["SIL", "B", "SIL", "IY"]
    np.testing.assert_allclose([p[1:] for p in inside],
                               [(0, 0.2), (0.2, 3.8), (3.8, 3.85), (3.85, 8.0)], atol=1e-9)
    assert pieces_at_pauses(phones, 15.0, 20.0) == [(0.0, 15.0)]


def test_asterisk_prompts_are_decoded_from_g722_with_speakable_scripts(tmp_path):
    import gzip

    import soundfile as sf

    from conftest import dev_file
    from talkrig.ffmpeg import find_ffmpeg
    from training import asterisk_sounds as ast

    ffmpeg = find_ffmpeg()
    if ffmpeg is None:
        pytest.skip("no ffmpeg")
    assert ast.speakable("press * to pause, # to exit [beep]") == \
        "press star to pause, pound to exit"
    root = tmp_path / "root"
    sounds = root / ast.SOUNDS_DIR
    (sounds / "digits").mkdir(parents=True)
    for name in ("digits/1", "beep"):  # a real voice, G.722-encoded as the package ships it
        subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i",
                        str(dev_file("mfa_thoughts.flac")), "-ar", "16000", "-ac", "1",
                        "-c:a", "g722", "-f", "g722", str(sounds / f"{name}.g722")],
                       check=True)
    scripts = root / ast.SCRIPTS
    scripts.parent.mkdir(parents=True)
    with gzip.open(scripts, "wt", encoding="utf-8") as out:
        out.write("; Core Asterisk Sounds in English\n\nbeep: [this is a beep]\n"
                  "digits/1: One.\n")
    assert ast.prepare(root, tmp_path / "out") == 1  # the beep has no words
    assert (tmp_path / "out" / "lab" / "digits_1.lab").read_text() == "One.\n"
    audio, rate = sf.read(tmp_path / "out" / "wav" / "digits_1.wav")
    source, _ = sf.read(dev_file("mfa_thoughts.flac"))
    assert rate == 16000 and audio.ndim == 1  # (the source is 16 kHz mono too)
    assert abs(len(audio) - len(source)) < 0.02 * len(source)
    assert np.abs(audio).max() > 0.05  # speech came through the codec
