"""Held-out check for recognition-mode tuning: real English speech outside the dev set.

The dev set (`talkrig eval ../shared/data/speech-dev/mfa`) has hand-checked phone tiers
for only 4 English utterances, so any parameter tuned on it may be tuned to them. This
script builds a second, pseudo-referenced corpus from the other English clips that have
transcripts (LibriSpeech 61-70968-0000 and the 10 multilingual_ipa* clips, ~40 s): their
phones come from PocketSphinx forced alignment of the transcript (the aligned mode,
which reaches closure 1.000 and AUC 0.92 against the hand-checked tiers), written as
TextGrids next to links to the audio. Then it evaluates recognition mode on it.

The same corpus is the training set of the recognition-mode lip-state model
(``python -m talkrig.engines.phonetic.fit_lipstate /tmp/talkrig-heldout -o
rigs/lipstate.json``), so the plain run is in sample for that model. ``--cv`` runs the
honest version: 2-fold cross-validation by speaker group (the multilingual_ipa* clips
vs the multilingual_ipa_us* clips + LibriSpeech), the lip-state model fitted on one
fold and the engine evaluated on the other. Tune recognition-mode parameters on that.

Phone recognition only (``hear_words=False``): these references are alignments of the
transcripts, which the words Whisper hears (engine 1.3's default) would reproduce, so
that mode cannot be judged here.

``--heard`` builds a larger, different set for choosing neural heads (session 20): the
English clips of the folder with neither a transcript nor a phone tier (the MFA test
clips: falsetto, creaky, whispered, hesitations, ...; the dev clips' copies left out),
referenced by the phonetic engine's own phones in recognition mode, words heard and
aligned (clips where it hears no English words are left out). It measures how closely a
head follows its teacher on real voices the 11 clips do not cover; it cannot judge the
phonetic engine itself (its references are that engine's phones), so nothing is
evaluated here: ``python -m training.select_whisper_head ... --heldout DIR`` reads it.
It also links its clips into ``voice_quality/`` (falsetto, whispered, creaky, ...) and
``plain_voice/`` inside the folder, each a selection set of its own (session 29).

``--written`` builds ``/tmp/talkrig-written`` (session 30): 34 of the heard set's clips
referenced by the forced alignment of words written down for them (``written_words.json``
says how they were chosen), not of the words Whisper hears, which for most of these MFA
clips are wrong. On it the phonetic engine's default (words heard) is judged like any
engine, and so are the networks, against references that owe nothing to Whisper. Its
``voice_quality/`` and ``plain_voice/`` hold 10 and 24 of them.

Usage: OMP_NUM_THREADS=1 python bench/heldout_speech.py [--out DIR] [--json report.json] [--cv]
       python bench/heldout_speech.py --heard [--out DIR]
       python bench/heldout_speech.py --written [--out DIR] [--json report.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech-dev" / "mfa"
HELDOUT_STEMS = ("61-70968-0000", "multilingual_ipa", "multilingual_ipa_2", "multilingual_ipa_3",
                 "multilingual_ipa_4", "multilingual_ipa_5", "multilingual_ipa_us",
                 "multilingual_ipa_us_2", "multilingual_ipa_us_3", "multilingual_ipa_us_4",
                 "multilingual_ipa_us_5")


def textgrid_text(phones, duration_s: float) -> str:
    """A long-format Praat TextGrid with one tier named ``phones``."""
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "",
             "xmin = 0", f"xmax = {duration_s}", "tiers? <exists>", "size = 1", "item []:",
             "    item [1]:", '        class = "IntervalTier"', '        name = "phones"',
             "        xmin = 0", f"        xmax = {duration_s}",
             f"        intervals: size = {len(phones)}"]
    for k, ph in enumerate(phones, 1):
        label = "" if ph.label == "SIL" else ph.label
        lines += [f"        intervals [{k}]:", f"            xmin = {ph.start_s}",
                  f"            xmax = {min(ph.end_s, duration_s)}", f'            text = "{label}"']
    return "\n".join(lines) + "\n"


LINK_FOLDERS = ("voice_quality", "plain_voice", "fold0", "fold1")  # sets of links in out


def clear_build(out: Path) -> None:
    """Remove what an earlier build wrote in ``out``: its audio links, the references
    beside them and the link folders, so a clip this build no longer finds (Whisper heard
    no words in it on this CPU, say) does not linger in the set. Other files, a
    TextGrid beside real audio included, are left alone."""
    for folder in [out / name for name in LINK_FOLDERS] + [out]:
        if not folder.is_dir():
            continue
        linked = {path.stem for path in folder.iterdir() if path.is_symlink()}
        for path in folder.iterdir():
            if path.is_symlink() or (path.suffix == ".TextGrid" and path.stem in linked):
                path.unlink()
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()
    out.mkdir(parents=True, exist_ok=True)


def build_corpus(source: Path, out: Path) -> list[str]:
    """Align each held-out clip's transcript and write ``out/<stem>.TextGrid`` + audio link."""
    from talkrig.phones.transcript import read_transcript

    texts = {}
    for stem in HELDOUT_STEMS:
        text_path = next((p for p in (source / "lab").glob(stem + ".*")), None)
        if text_path is not None:
            texts[stem] = read_transcript(text_path)
    return align_references(source, out, texts)


def align_references(source: Path, out: Path, texts: dict[str, str]) -> list[str]:
    """Reference each clip ``stem`` of ``source/wav`` by the forced alignment of its words
    ``texts[stem]``: ``out/<stem>.TextGrid`` + audio link (clips not found are skipped)."""
    from talkrig.audio import load_audio
    from talkrig.phones import sphinx

    clear_build(out)
    built = []
    for stem, text in texts.items():
        audio_path = next((p for p in (source / "wav").glob(stem + ".*")), None)
        if audio_path is None:
            continue
        samples = load_audio(audio_path).samples
        write_reference(out, audio_path, sphinx.align(samples, text), len(samples) / 16_000)
        built.append(stem)
    return built


WRITTEN_WORDS = Path(__file__).with_name("written_words.json")


def build_written_corpus(source: Path, out: Path) -> list[str]:
    """The heard set's clips whose words were written down (``written_words.json``),
    referenced by those words aligned: a set on which the words Whisper hears are
    judged, not assumed (session 30). Split into ``voice_quality/`` and ``plain_voice/``
    as the heard set is."""
    texts = json.loads(WRITTEN_WORDS.read_text("utf-8"))["clips"]
    stems = align_references(source, out, texts)
    split_by_voice(out, stems)
    return stems


def write_reference(out: Path, audio_path: Path, phones, duration_s: float) -> None:
    """``out/<stem>.TextGrid`` holding ``phones``, and a link to the clip's audio."""
    (out / f"{audio_path.stem}.TextGrid").write_text(textgrid_text(phones, duration_s))
    link = out / audio_path.name
    if not link.exists():
        link.symlink_to(audio_path.resolve())


HEARD_LEFT_OUT = ("cold_corpus", "dummy")  # a dev clip in other bit depths; MFA's 1 s dummies
# heard clips whose voice is not plain speech: the networks lose most there (session 29)
VOICE_QUALITY_STEMS = ("falsetto", "falsetto2", "mfa_falsetto", "whisper", "whisper2",
                       "mfa_whisper", "mfa_creaky", "mfa_breathy", "mfa_laughter",
                       "mfa_registershift", "mfa_exaggerated", "mfa_affectation")


def build_heard_corpus(source: Path, out: Path) -> list[str]:
    """Reference each untranscribed English clip by the phones the phonetic engine finds
    with the words it hears; write ``out/<stem>.TextGrid`` + audio link."""
    from talkrig.audio import load_audio
    from talkrig.engines.phonetic.phone_source import phones_for

    clear_build(out)
    built = []
    for audio_path in sorted((source / "wav").iterdir()):
        stem = audio_path.stem
        has_reference = (any((source / "lab").glob(stem + ".*"))
                         or (source / "textgrid" / f"{stem}.TextGrid").exists())
        if has_reference or stem.startswith(HEARD_LEFT_OUT) or stem in built:
            continue
        samples = load_audio(audio_path).samples
        found = phones_for(samples, None)
        if found.mode != "heard":  # no English words heard: nothing to reference
            continue
        write_reference(out, audio_path, found.phones, len(samples) / 16_000)
        built.append(stem)
    return built


def link_clips(out: Path, stems: list[str], folder: Path) -> Path:
    """Make ``folder`` a selection set of links to the ``stems``' audio and references in
    ``out`` (the evaluation indexes clips by stem, so ``out`` still counts each once)."""
    folder.mkdir(exist_ok=True)
    for stem in stems:
        for path in out.glob(stem + ".*"):
            link = folder / path.name
            if not link.exists():
                link.symlink_to(path.resolve())
    return folder


def split_by_voice(out: Path, stems: list[str]) -> tuple[Path, Path]:
    """Link the heard set's clips into ``out/voice_quality`` (the MFA clips spoken in
    falsetto, whispered, creaky, breathy, laughing, ...) and ``out/plain_voice`` (the
    rest), so a head or network can be scored on each (session 29)."""
    odd = [s for s in stems if s in VOICE_QUALITY_STEMS]
    return (link_clips(out, odd, out / "voice_quality"),
            link_clips(out, [s for s in stems if s not in odd], out / "plain_voice"))


def fold_of(stem: str) -> int:
    """Cross-validation fold of a held-out clip: 0 = multilingual_ipa*, 1 = the US clips
    and LibriSpeech (different speakers)."""
    return 1 if stem.startswith(("multilingual_ipa_us", "61-")) else 0


def cross_validate(out: Path, stems: list[str]) -> list[dict]:
    """Fit the lip-state model on one fold, evaluate recognition mode on the other."""
    from talkrig.engines.phonetic import PhoneticEngine
    from talkrig.engines.phonetic.fit_lipstate import corpus_arrays, fit
    from talkrig.evaluation.report import evaluate_folder

    folds = [link_clips(out, [s for s in stems if fold_of(s) == k], out / f"fold{k}")
             for k in (0, 1)]
    reports = []
    for k in (0, 1):
        x, y, _ = corpus_arrays([folds[1 - k]])
        engine = PhoneticEngine(lipstate_model=fit(x, y), hear_words=False)
        reports.append(evaluate_folder(folds[k], engine.animate, with_text=False,
                                       engine_name=f"recognition, lip-state fitted on fold {1 - k}"))
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to write (default /tmp/talkrig-heldout, with --heard "
                             "/tmp/talkrig-heldout-heard, with --written /tmp/talkrig-written)")
    parser.add_argument("--json", type=Path, default=None, help="also save the report here")
    parser.add_argument("--cv", action="store_true",
                        help="also run 2-fold cross-validation of the lip-state model")
    parser.add_argument("--heard", action="store_true",
                        help="build the untranscribed clips' set, referenced by the words heard")
    parser.add_argument("--written", action="store_true",
                        help="build the set of heard clips whose words were written down "
                             "(written_words.json), referenced by those words, and evaluate "
                             "the phonetic engine's default, words heard, on it")
    args = parser.parse_args()
    if args.heard:
        out = args.out or Path("/tmp/talkrig-heldout-heard")
        stems = build_heard_corpus(args.folder, out)
        print(f"{out}: {len(stems)} clips referenced by the words heard: {' '.join(stems)}")
        for part in split_by_voice(out, stems):
            print(f"{part}: {len(list(part.glob('*.TextGrid')))} of them")
        return
    from talkrig.engines.phonetic import PhoneticEngine
    from talkrig.evaluation.report import evaluate_folder, format_table

    if args.written:  # the words written down judge the words heard
        out = args.out or Path("/tmp/talkrig-written")
        stems = build_written_corpus(args.folder, out)
        print(f"{out}: {len(stems)} clips, reference = the words written down for them, aligned")
        engine, name = PhoneticEngine(), "phonetic (words heard) vs the words written down"
    else:  # transcripts aligned: only phone recognition can be judged
        out = args.out or Path("/tmp/talkrig-heldout")
        stems = build_corpus(args.folder, out)
        print(f"held-out corpus: {len(stems)} clips, pseudo-reference = forced alignment")
        engine = PhoneticEngine(hear_words=False)
        name = "phonetic (recognition) vs aligned phones"
    report = evaluate_folder(out, engine.animate, with_text=False, engine_name=name)
    print(format_table(report))
    if args.cv and not args.written:
        report = {"in_sample": report, "cross_validated": cross_validate(out, stems)}
        for fold in report["cross_validated"]:
            print(f"\n{fold['engine']}")
            print(format_table(fold))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
