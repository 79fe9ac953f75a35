"""Recorded speech from Debian packages for the training corpus: fetching and unpacking
packages, Fish Fillets' Czech and Dutch dialogue, and lines in other languages aligned
by the English aligner (real PocketSphinx, real espeak-ng, real Swedish recordings)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import dev_file

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng (Debian package) not installed")
SWEDISH = "se10x016-08071999-1334_u00160{:02d}"  # dev recordings read from a Swedish script
SILENT, COUNTING = 1, 2  # "tyst under denna inspelning" is said by nobody: the clip is quiet


def _deb(tmp_path, package: str, version: str, files: dict[str, bytes]):
    """Build a real .deb holding ``files`` with dpkg-deb."""
    tree = tmp_path / f"{package}-tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: t <t@example.org>\nDescription: test\n")
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    debs = tmp_path / "debs"
    debs.mkdir(exist_ok=True)
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(tree),
                    str(debs / f"{package}_{version}_all.deb")], check=True,
                   capture_output=True)
    return debs


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb (Debian) not installed")
def test_debian_packages_are_unpacked_with_their_versions(tmp_path):
    from training.debian_packages import fetched_or_given, unpack

    debs = _deb(tmp_path, "talkrig-test-data", "1.2-3", {"usr/share/t/a.txt": b"hello"})
    assert fetched_or_given(("talkrig-test-data",), debs, tmp_path) == debs  # not fetched
    versions = unpack(("talkrig-test-data",), debs, tmp_path / "root")
    assert versions == {"talkrig-test-data": "1.2-3"}
    assert (tmp_path / "root" / "usr/share/t/a.txt").read_bytes() == b"hello"
    with pytest.raises(SystemExit, match="no other-package_"):
        unpack(("other-package",), debs, tmp_path / "root")


def test_fillets_lines_are_read_with_their_ids_and_escapes(tmp_path):
    from training.fillets_dialogue import read_lines

    script = tmp_path / "dialogs_cs.lua"
    script.write_text('\ndialogId("let-m-divna", "font_small", "What a strange ship?")\n'
                      'dialogStr("Co je to za divnou lo\u010f?")\n\n'
                      'dialogId("vit-x-beg", "", "")\n\n'  # a sound with no line
                      'dialogId("poc-v-dos", "font_big", "DOS")\n'
                      'dialogStr("Adres\u00e1\u0159 C:\\\\WINDOWS a \\"uvozovky\\"")\n',
                      "utf-8")
    assert read_lines(script) == {"let-m-divna": "Co je to za divnou lo\u010f?",
                                  "poc-v-dos": 'Adres\u00e1\u0159 C:\\WINDOWS a "uvozovky"'}


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb (Debian) not installed")
def test_fillets_packages_become_transcribed_recordings(tmp_path):
    import soundfile as sf

    from talkrig.ffmpeg import find_ffmpeg
    from training import fillets_dialogue as fd

    ffmpeg = find_ffmpeg()
    if ffmpeg is None:
        pytest.skip("no ffmpeg")
    lines = ('dialogId("a", "f", "x")\ndialogStr("Wat is dit voor raar schip?")\n'
             'dialogId("b", "f", "y")\ndialogStr("Niet opgenomen.")\n'  # no recording
             'dialogId("c", "f", "z")\ndialogStr("...")\n')  # no words
    ogg = tmp_path / "a.ogg"  # real speech, as Ogg Vorbis at 22.05 kHz like the game's
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i",
                    str(dev_file(SWEDISH.format(COUNTING) + ".wav")), "-ar", "22050",
                    "-c:a", "libvorbis", str(ogg)], check=True)
    game = fd.GAME_DIR
    _deb(tmp_path, "fillets-ng-data", "1.0.1-1.1",
         {f"{game}/script/ship/dialogs_nl.lua": lines.encode()})
    debs = _deb(tmp_path, "fillets-ng-data-nl", "1.0.1-1.1",
                {f"{game}/sound/ship/nl/a.ogg": ogg.read_bytes(),
                 f"{game}/sound/ship/nl/c.ogg": ogg.read_bytes(),
                 "usr/share/doc/fillets-ng-data-nl/copyright": b"GPL-2 voices"})
    out = tmp_path / "out"
    assert fd.main(["--language", "nl", "--out", str(out), "--debs", str(debs)]) == 0
    assert (out / "lab" / "ship_a.lab").read_text("utf-8") == "Wat is dit voor raar schip?\n"
    assert sorted(p.name for p in (out / "wav").iterdir()) == ["ship_a.wav"]
    audio, rate = sf.read(out / "wav" / "ship_a.wav")
    assert rate == 22050 and audio.ndim == 1 and np.abs(audio).max() > 0.05  # rate kept
    assert (out / "LICENSE").read_bytes() == b"GPL-2 voices"
    assert json.loads((out / "sources.json").read_text()) == {
        "packages": {"fillets-ng-data": "1.0.1-1.1", "fillets-ng-data-nl": "1.0.1-1.1"},
        "recordings": 1, "licence": "GPL-2", "language": "nl"}


@needs_espeak
def test_lines_in_other_languages_are_pronounced_in_arpabet():
    from training.foreign_align import pronounce

    assert pronounce("Potopená!", "cs") == [["P", "OW", "T", "OW", "P", "EY", "N", "AA"]]
    dutch = pronounce("Wat is dit voor raar schip?", "nl")
    assert dutch[0][:2] == ["V", "AA"] and dutch[-1][-1] == "P"
    assert "AX" in {p for w in pronounce("de mooiste stad", "nl") for p in w}  # schwa kept
    with pytest.raises(ValueError, match="'xx'"):
        pronounce("text", "xx")


@needs_espeak
def test_swedish_recordings_align_and_a_silent_one_is_refused():
    from talkrig.audio import load_audio
    from training.foreign_align import align_line

    def line(number):
        wav = dev_file(SWEDISH.format(number) + ".wav")
        text = (wav.parent.parent / "lab" / f"{wav.stem}.lab").read_text("utf-8").strip()
        return load_audio(wav).samples, text

    assert align_line(*line(SILENT), "sv") == []  # its words crowd at the shortest length
    samples, text = line(COUNTING)  # "Testar en två tre fyra fem sex sju åtta."
    phones = align_line(samples, text, "sv")
    spoken = [p for p in phones if p[0] != "SIL"]
    assert [p[0] for p in spoken[:5]] == ["T", "EH", "S", "T", "AA"]
    assert sum(p[0] == "SIL" for p in phones) >= 6  # a pause between the numbers counted
    assert all(a[2] <= b[1] + 1e-9 for a, b in zip(phones, phones[1:]))
    # the lips close for the M of "fem": quieter than the vowel before it
    labels = [p[0] for p in spoken]
    m = labels.index("M")
    assert labels[m - 2:m + 1] == ["F", "EH", "M"]

    def rms(phone):
        piece = samples[int(phone[1] * 16000): int(phone[2] * 16000)]
        return float(np.sqrt(np.mean(piece ** 2)))

    assert rms(spoken[m]) < 0.7 * rms(spoken[m - 1])


@needs_espeak
def test_corpus_recordings_in_another_language_use_the_foreign_aligner(tmp_path):
    from training.build_corpus import recorded_clips

    folder = tmp_path / "swedish"
    (folder / "wav").mkdir(parents=True)
    (folder / "lab").mkdir()
    for number in (SILENT, COUNTING):
        wav = dev_file(SWEDISH.format(number) + ".wav")
        shutil.copy(wav, folder / "wav" / wav.name)
        shutil.copy(wav.parent.parent / "lab" / f"{wav.stem}.lab", folder / "lab")
    (folder / "sources.json").write_text(json.dumps({"language": "sv"}))
    records = [record for _, record in recorded_clips(folder, copies=2, seed=0)]
    # the silent line is skipped; the 9 s counting line is cut in a pause into 2 pieces
    # of at most 8 s (MAX_CLIP_S), each used clean, then augmented
    assert [r["source"].rsplit("_", 1)[1] for r in records] == \
        ["u0016002.wav#0", "u0016002.wav#0", "u0016002.wav#1", "u0016002.wav#1"]
    assert [bool(r["augment"]) for r in records] == [False, True, False, True]
    assert "M" in [p[0] for r in records for p in r["phones"]]


def test_an_empty_recording_is_left_out_and_a_spoken_one_written(tmp_path):
    import soundfile as sf

    from talkrig.ffmpeg import find_ffmpeg
    from training.debian_packages import write_recording

    if find_ffmpeg() is None:
        pytest.skip("no ffmpeg")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 22050)
    out = tmp_path / "out"
    assert not write_recording(out, "silent", empty, "Niets.", 5.0)
    assert not any(out.rglob("silent.*"))  # neither its audio nor its line
    spoken = dev_file(SWEDISH.format(COUNTING) + ".wav")
    assert write_recording(out, "spoken", spoken, "Ett två tre.", 1.0)
    assert (out / "lab" / "spoken.lab").read_text("utf-8") == "Ett två tre.\n"
    assert sf.info(out / "wav" / "spoken.wav").duration == pytest.approx(1.0, abs=0.01)
