"""Build the neural engine's training corpus reproducibly.

Synthetic speech: every flite voice at random rates and pitches speaking English
sentences (exact phone timings from the synthesiser), each clip augmented (noise,
reverb, EQ, gain, speed, codec-like band limiting). Real speech: the dev clips that
have transcripts but no hand-checked phone tier (those are kept out: they are the
evaluation set), labelled by forced alignment with the phonetic engine's aligner; and
folders of transcribed recordings (``--recordings``, e.g. the voice actor's prompts that
:mod:`training.asterisk_sounds` prepares, or the Czech and Dutch game dialogue of
:mod:`training.fillets_dialogue`, aligned across languages by
:mod:`training.foreign_align`), aligned to their scripts and cut at pauses.
Each clip gets an emotion spec (every emotion and intensity, timelines included).

Output folder: ``clips.npz`` (int16 audio of all clips, concatenated, plus offsets)
and ``manifest.json`` (per-clip source, voice, text, phones, augmentation, emotion,
and totals). Usage::

    python -m training.build_corpus --out out/corpus --count 2500
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

import numpy as np

from talkrig.atomic import atomic_open
from training import augment, emotions, texts, tts

MAX_CLIP_S = 8.0  # longer clips are cut (their phones too)
INT16_SCALE = 32767.0
# A recording is trained on only if its script and the words Whisper hears differ in at
# most this share of words: a script of another prompt differs in ~all; of Asterisk's
# 563 prompts 81 are set aside, mostly single letters and words Whisper hears otherwise
# ("at" as "add", "de-activated" as "deactivated") and scripts that are notes.
MAX_SCRIPT_MISMATCH = 0.34
MIN_CUT_PAUSE_S = 0.15  # long recordings are cut into pieces in pauses at least this long


def _voicing(rng: np.random.Generator) -> tts.Voicing:
    voice = tts.FLITE_VOICES[int(rng.integers(len(tts.FLITE_VOICES)))]
    return tts.Voicing(voice=voice, stretch=float(rng.uniform(0.7, 1.5)),
                       f0_mean=float(rng.uniform(80, 220)), f0_shift=float(rng.uniform(0.75, 1.4)))


def _trim(audio: np.ndarray, phones: list, scale: float) -> list[list]:
    duration = len(audio) / tts.SAMPLE_RATE
    out = []
    for label, start, end in phones:
        start, end = start * scale, min(end * scale, duration)
        if start < duration and end > start:
            out.append([label, round(start, 4), round(end, 4)])
    return out


def synthetic_clips(count: int, seed: int, aug: bool):
    """Yield (audio float32, record dict) for ``count`` flite utterances."""
    return _spoken_clips(count, seed, aug, _voicing, tts.synthesize, _flite_source)


def _flite_source(voicing: tts.Voicing) -> tuple[str, dict]:
    return f"flite/{voicing.voice}", {"stretch": round(voicing.stretch, 3),
                                      "f0_mean": round(voicing.f0_mean, 1),
                                      "f0_shift": round(voicing.f0_shift, 3)}


def piper_clips(count: int, seed: int, aug: bool):
    """Yield (audio float32, record dict) for ``count`` utterances of the Piper voice
    (:mod:`training.piper_tts`), phones from forced alignment of the text."""
    from training import piper_tts

    def source(voicing: piper_tts.PiperVoicing) -> tuple[str, dict]:
        return f"piper/{piper_tts.VOICE_NAME}", {
            "length_scale": round(voicing.length_scale, 3),
            "noise_scale": round(voicing.noise_scale, 3),
            "noise_w": round(voicing.noise_w, 3)}

    return _spoken_clips(count, seed + 3, aug, piper_tts.PiperVoicing.random,
                         piper_tts.synthesize, source)


def kokoro_clips(count: int, seed: int, aug: bool):
    """Yield (audio float32, record dict) for ``count`` utterances of Kokoro's English
    voices, alone or blended (:mod:`training.kokoro_tts`), phones from forced alignment."""
    from training import kokoro_tts

    def source(voicing: kokoro_tts.KokoroVoicing) -> tuple[str, dict]:
        return f"kokoro/{voicing.voice}", {"second": voicing.second, "mix": voicing.mix,
                                           "speed": voicing.speed}

    return _spoken_clips(count, seed + 5, aug, kokoro_tts.KokoroVoicing.random,
                         kokoro_tts.synthesize, source)


def _spoken_clips(count: int, seed: int, aug: bool, draw, speak, source):
    """Yield (audio, record) for ``count`` sentences spoken by a synthesiser: each
    with a voicing ``draw(rng)``, spoken by ``speak(text, voicing)`` -> (audio,
    phones) and described by ``source(voicing)`` -> (source name, voicing record);
    a sentence the synthesiser or aligner rejects is skipped."""
    rng = np.random.default_rng(seed)
    for i, text in enumerate(texts.sentences(count, seed)):
        voicing = draw(rng)
        try:
            audio, phones = speak(text, voicing)
        except Exception as exc:  # noqa: BLE001 - a rejected sentence is skipped
            print(f"skip {i}: {exc}", file=sys.stderr)
            continue
        name, described = source(voicing)
        yield _spoken_clip(audio, phones, rng, aug, name, text, described)


def _spoken_clip(audio, phones, rng, aug: bool, source: str, text: str, voicing: dict):
    """(audio, record) of one synthesised utterance: augmented (``aug``; phone times
    scaled with any speed change), cut to ``MAX_CLIP_S``, with a random emotion spec."""
    applied, scale = [], 1.0
    if aug:
        audio, scale, applied = augment.random_chain(audio, rng)
    audio = audio[: int(MAX_CLIP_S * tts.SAMPLE_RATE)]
    return audio, {"source": source, "text": text, "voicing": voicing, "augment": applied,
                   "phones": _trim(audio, phones, scale),
                   "emotion": emotions.random_spec(len(audio) / tts.SAMPLE_RATE, rng)}


def real_clips(folder: Path, copies: int, seed: int):
    """Yield (audio, record) for dev clips with a transcript and no phone tier.

    Each clip is used ``copies`` times: once clean, then augmented.
    """
    from talkrig.phones import sphinx

    rng = np.random.default_rng(seed + 1)
    for wav, samples, text in _transcribed(folder):
        if (folder / "textgrid" / f"{wav.stem}.TextGrid").exists():
            continue  # evaluation clip: never trained on
        try:
            phones = sphinx.align(samples, text)
        except Exception as exc:  # noqa: BLE001 - non-English text does not align
            print(f"skip {wav.stem}: {exc}", file=sys.stderr)
            continue
        base = [(p.label, p.start_s, p.end_s) for p in phones]
        yield from _augmented_copies(samples, base, copies, rng,
                                     f"speech-dev/{wav.name}", text)


def _transcribed(folder: Path):
    """Yield (wav path, samples, transcript) for each ``lab/<stem>.lab`` of ``folder``
    with a recording ``wav/<stem>.*`` (16 kHz mono samples)."""
    from talkrig.audio import load_audio

    for lab in sorted((folder / "lab").glob("*.lab")):
        wavs = sorted((folder / "wav").glob(f"{lab.stem}.*"))
        if wavs:
            yield wavs[0], load_audio(wavs[0]).samples, lab.read_text("utf-8").strip()


def untranscribed_clips(folder: Path, copies: int, seed: int, hear: bool = False):
    """Yield (audio, record) for dev clips with neither transcript nor phone tier
    (creaky, whispered, falsetto, breathy voices...), labelled as the phonetic engine
    labels audio without a transcript: by phone recognition, or with ``hear`` by the
    words Whisper hears, aligned (a clip where no English words are heard is skipped).
    Variants of evaluation clips (same stem prefix) are skipped."""
    from talkrig.audio import load_audio
    from talkrig.phones import sphinx

    rng = np.random.default_rng(seed + 2)
    held_out = {p.stem for p in (folder / "textgrid").glob("*.TextGrid")}
    for wav in sorted((folder / "wav").iterdir()):
        stem = wav.stem
        if (folder / "lab" / f"{stem}.lab").exists() or stem.startswith("dummy"):
            continue
        if any(stem == h or stem.startswith(h + "_") for h in held_out):
            continue  # an evaluation clip or a re-encoding of one
        samples = load_audio(wav).samples
        phones = _heard_phones(samples) if hear else sphinx.recognise(samples)
        if phones is None:
            print(f"skip {stem}: no English words heard", file=sys.stderr)
            continue
        base = [(p.label, p.start_s, p.end_s) for p in phones]
        kind = "heard" if hear else "recognised"
        yield from _augmented_copies(samples, base, copies, rng,
                                     f"speech-dev-{kind}/{wav.name}", None)


def recorded_clips(folder: Path, copies: int, seed: int):
    """Yield (audio, record) for a folder of transcribed recordings (``wav/`` and
    ``lab/`` of the same stems, as :mod:`training.asterisk_sounds` writes): each aligned
    to its script, skipped when Whisper hears other words (more than
    ``MAX_SCRIPT_MISMATCH`` of them differ) or the script does not align, cut at pauses
    into pieces of at most ``MAX_CLIP_S``, and used ``copies`` times (clean, then
    augmented). A folder whose ``sources.json`` names another ``language`` (as
    :mod:`training.fillets_dialogue` writes) is aligned without asking Whisper."""
    rng = np.random.default_rng(seed + 3)
    language = _provenance(folder).get("language", "en")
    for wav, samples, text in _transcribed(folder):
        phones = (_scripted_phones(samples, text, wav.stem) if language == "en"
                  else _foreign_phones(samples, text, wav.stem, language))
        if phones is None:
            continue
        duration = len(samples) / tts.SAMPLE_RATE
        for k, (start, end) in enumerate(pieces_at_pauses(phones, duration, MAX_CLIP_S)):
            inside = window_phones(phones, start, end)
            if all(label == "SIL" for label, _, _ in inside):
                continue  # a trailing pause: nothing said
            piece = samples[int(start * tts.SAMPLE_RATE): int(end * tts.SAMPLE_RATE)]
            yield from _augmented_copies(piece, inside, copies, rng,
                                         f"{folder.name}/{wav.name}#{k}", text)


def _scripted_phones(samples: np.ndarray, text: str, name: str):
    """The script's phones aligned to ``samples`` ((label, start_s, end_s) tuples), or
    None (reported) when the script is not what Whisper hears or does not align."""
    from talkrig.engines.phonetic.phone_source import phones_for, script_mismatch
    from talkrig.phones import whisper_words

    heard = whisper_words.hear(samples, None, hesitations=False)
    _, mismatch = script_mismatch(text, heard.text)  # (no language test: the script is English)
    if mismatch > MAX_SCRIPT_MISMATCH:
        print(f"skip {name}: heard {heard.text!r} ({mismatch:.0%} of words differ)",
              file=sys.stderr)
        return None
    found = phones_for(samples, text, hear_words=False)
    if found.mode != "aligned":
        print(f"skip {name}: the script did not align", file=sys.stderr)
        return None
    return [(p.label, p.start_s, p.end_s) for p in found.phones]


def _foreign_phones(samples: np.ndarray, text: str, name: str, language: str):
    """A line in another language, aligned (:mod:`training.foreign_align`), or None
    (reported) when it does not align plausibly."""
    from training.foreign_align import align_line

    phones = align_line(samples, text, language)
    if not phones:
        print(f"skip {name}: the {language} line did not align", file=sys.stderr)
        return None
    return phones


def pieces_at_pauses(phones: list, duration: float, max_s: float) -> list[tuple[float, float]]:
    """(start_s, end_s) pieces covering ``duration``, each at most ``max_s`` long, cut in
    the middle of silences of at least ``MIN_CUT_PAUSE_S`` where there are any (else at
    ``max_s``)."""
    cuts = [(s + e) / 2 for label, s, e in phones if label == "SIL" and e - s >= MIN_CUT_PAUSE_S]
    pieces, start = [], 0.0
    while duration - start > max_s:
        inside = [c for c in cuts if start < c <= start + max_s]
        end = inside[-1] if inside else start + max_s
        pieces.append((start, end))
        start = end
    pieces.append((start, duration))
    return pieces


def window_phones(phones: list, start: float, end: float) -> list[tuple[str, float, float]]:
    """The phones overlapping ``start``..``end``, clipped to it, times from ``start``."""
    return [(label, max(s, start) - start, min(e, end) - start)
            for label, s, e in phones if e > start and s < end]


def _heard_phones(samples: np.ndarray):
    """The phones of the words Whisper hears in ``samples``, aligned; None when the
    engine would fall back to recognising phones."""
    from talkrig.engines.phonetic.phone_source import phones_for

    found = phones_for(samples, None)
    return found.phones if found.mode == "heard" else None


def _augmented_copies(samples, base, copies: int, rng, source: str, text):
    """Yield (audio, record) for one real clip: the clean copy, then augmented ones.

    ``base`` is the clip's (label, start_s, end_s) phones; augmentation that changes
    speed scales their times.
    """
    for copy in range(copies):
        audio, scale, applied = samples, 1.0, []
        if copy:
            audio, scale, applied = augment.random_chain(samples, rng)
        audio = audio[: int(MAX_CLIP_S * tts.SAMPLE_RATE)]
        yield audio, {"source": source, "text": text, "augment": applied,
                      "phones": _trim(audio, base, scale),
                      "emotion": emotions.random_spec(len(audio) / tts.SAMPLE_RATE, rng)}


def _provenance(folder: Path) -> dict:
    """A recordings folder's ``sources.json`` (as training.asterisk_sounds writes it)."""
    sources = folder / "sources.json"
    return json.loads(sources.read_text("utf-8")) if sources.exists() else {}


def _summary(records: list[dict], total_samples: int) -> dict:
    sources = collections.Counter(r["source"] for r in records)
    augs = collections.Counter(a for r in records for a in r["augment"])
    emos = collections.Counter(e for r in records for e in emotions.labels_of(r["emotion"]))
    timelines = sum("@" in r["emotion"] for r in records)
    return {"clips": len(records), "hours": round(total_samples / 16000 / 3600, 3),
            "sources": dict(sources), "augmentations": dict(augs),
            "emotion_keys": dict(emos), "timeline_clips": timelines}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("out/corpus"), help="output folder")
    parser.add_argument("--count", type=int, default=2500, help="synthetic utterances")
    parser.add_argument("--piper-count", type=int, default=0,
                        help="utterances of the Piper voice (training.piper_tts)")
    parser.add_argument("--kokoro-count", type=int, default=0,
                        help="utterances of Kokoro's 28 English voices (training.kokoro_tts)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--real", type=Path, default=None,
                        help="speech-dev mfa folder (wav/, lab/, textgrid/) for real clips")
    parser.add_argument("--real-copies", type=int, default=8,
                        help="times each real clip is used (1 clean + augmented)")
    parser.add_argument("--recognise", action="store_true",
                        help="also use --real clips without transcript, labelled by phone "
                             "recognition")
    parser.add_argument("--hear", action="store_true",
                        help="also use --real clips without transcript, labelled by the "
                             "words Whisper hears, aligned (the asr extra)")
    parser.add_argument("--recordings", type=Path, action="append", default=[],
                        help="folder of transcribed recordings (wav/, lab/), e.g. written "
                             "by training.asterisk_sounds or training.fillets_dialogue; "
                             "repeatable")
    parser.add_argument("--recording-copies", type=int, default=3,
                        help="times each piece of a --recordings clip is used")
    parser.add_argument("--no-augment", action="store_true", help="keep synthetic audio clean")
    args = parser.parse_args(argv)
    pieces, records, offsets = [], [], [0]
    streams = [synthetic_clips(args.count, args.seed, not args.no_augment)]
    if args.piper_count:
        streams.append(piper_clips(args.piper_count, args.seed, not args.no_augment))
    if args.kokoro_count:
        streams.append(kokoro_clips(args.kokoro_count, args.seed, not args.no_augment))
    if args.real:
        streams.append(real_clips(args.real, args.real_copies, args.seed))
    if args.real and (args.recognise or args.hear):
        streams.append(untranscribed_clips(args.real, args.real_copies, args.seed, args.hear))
    for folder in args.recordings:
        streams.append(recorded_clips(folder, args.recording_copies, args.seed))
    for stream in streams:
        for audio, record in stream:
            pcm = np.clip(np.round(audio * INT16_SCALE), -32768, 32767).astype(np.int16)
            pieces.append(pcm)
            offsets.append(offsets[-1] + len(pcm))
            records.append(record)
            if len(records) % 250 == 0:
                print(f"{len(records)} clips", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    # a rebuild replaces the folder's corpus, and an interrupted one leaves it as it was
    with atomic_open(args.out / "clips.npz", "wb", force=True) as handle:
        np.savez(handle, audio=np.concatenate(pieces), offsets=np.array(offsets))
    manifest = {"schema": "talkrig.corpus/1", "seed": args.seed,
                "summary": _summary(records, offsets[-1]), "clips": records}
    if args.recordings:  # where each folder came from and its licence, as it says itself
        manifest["recordings"] = {folder.name: _provenance(folder) for folder in args.recordings}
    with atomic_open(args.out / "manifest.json", force=True, encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, indent=1))
    print(json.dumps(manifest["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
