"""Phonetic engine speed on the real dev speech (one core), against the issue's targets.

Prints, over the annotated dev utterances (~78 s of speech):
- forced alignment with transcripts, whole engine: x real time (target >= 10);
- without transcripts, whole engine: x real time (target >= 5), hearing words with
  Whisper base and aligning them (the default with the ``asr`` extra), and recognising
  phones only (``hear_words=False``); also the seconds a short line costs with words
  heard (a line is encoded with 8 s of silence after it, so short lines pay more per
  second of speech);
- phones -> curves (coarticulation + constraints + emotion + loudness): ms per minute
  of audio (target <= 20), at 60 fps, from the reference phones, also with the aperture
  speed limit of the no-transcript modes;
- with ``--long``: the three long utterances repeated to about 5 minutes and aligned with
  their transcripts window by window (x real time, and peak memory of that process), and
  the same through the whole engine without them (words heard, aligned piece by piece).

Usage: OMP_NUM_THREADS=1 python bench/bench_phonetic.py [--folder DIR] [--repeats N] [--long]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech-dev" / "mfa"
FPS = 60.0


def engine_rate(items, audios, with_text: bool, hear_words: bool = True) -> float:
    from talkrig.engines.base import EngineRequest, frame_count
    from talkrig.engines.phonetic import PhoneticEngine

    engine = PhoneticEngine(hear_words=hear_words)
    total_audio = total_s = 0.0
    for item, audio in zip(items, audios):
        n = frame_count(len(audio) / 16_000, FPS)
        emotion = np.zeros((n, 7), np.float32)
        emotion[:, 2] = 0.8  # angry:0.8, so the emotion layer is timed too
        req = EngineRequest(audio, FPS, emotion, item.transcript if with_text else None)
        start = time.perf_counter()
        engine.animate(req)
        total_s += time.perf_counter() - start
        total_audio += req.duration_s
    return total_audio / total_s


def curves_ms_per_minute(items, audios, repeats: int, max_speed: float | None = None) -> float:
    from talkrig.engines.base import frame_count
    from talkrig.engines.phonetic import curves_from_phones
    from talkrig.engines.phonetic.loudness import loudness_envelope

    best = []
    for item, audio in zip(items, audios):
        n = frame_count(len(audio) / 16_000, FPS)
        emotion = np.zeros((n, 7), np.float32)
        emotion[:, 2] = 0.8
        loud = loudness_envelope(audio, n, FPS)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            curves_from_phones(item.phones, n, FPS, emotion, loud, max_aperture_speed=max_speed)
            times.append(time.perf_counter() - start)
        best.append((min(times), len(audio) / 16_000))
    return 1e3 * sum(t for t, _ in best) / (sum(d for _, d in best) / 60.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", default=str(DEFAULT_FOLDER))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--long", action="store_true",
                        help="also align about 5 minutes of speech window by window, and "
                        "hear and align it without its transcript")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from talkrig.audio import load_audio
    from talkrig.engines.phonetic import curves_from_phones
    from talkrig.evaluation.corpus import find_utterances
    from talkrig.phones import sphinx, whisper_words

    items = find_utterances(args.folder)
    audios = [load_audio(i.audio).samples for i in items]
    total = sum(len(a) for a in audios) / 16_000
    sphinx._recogniser(), sphinx._aligner(sphinx.ALIGN_BEAMS[0])  # model loading is not per clip
    hearing = whisper_words.available()
    if hearing:
        start = time.perf_counter()
        whisper_words.load()
        from memory import peak_resident_mb

        print(f"Whisper base loaded in {time.perf_counter() - start:.2f} s (once per process; "
              f"encoder {whisper_words.ENCODER_RUNTIME[whisper_words.compute_type()]}), "
              f"peak resident memory so far {peak_resident_mb():.0f} MB")
    curves_from_phones(items[0].phones, 10, FPS, np.zeros((10, 7), np.float32))
    print(f"{len(items)} utterances, {total:.1f} s of speech, {FPS:g} fps")
    aligned = engine_rate(items, audios, with_text=True)
    print(f"with transcript (forced alignment): {aligned:6.1f} x real time  (target >= 10)")
    if hearing:
        heard = engine_rate(items, audios, with_text=False)
        print(f"without transcript (words heard):   {heard:6.1f} x real time  (target >= 5)")
        shortest = min(range(len(items)), key=lambda k: len(audios[k]))
        rate = engine_rate(items[shortest:shortest + 1], audios[shortest:shortest + 1], False)
        line_s = len(audios[shortest]) / 16_000
        print(f"  a {line_s:.1f} s line, words heard:     {line_s / rate:6.2f} s per line")
        joined = np.concatenate(audios)  # one long take (over 30 s: heard piece by piece)
        rate = engine_rate(items[:1], [joined], with_text=False)  # (items[0]: no text used)
        print(f"  the lines joined ({len(joined) / 16_000:.0f} s), words heard: "
              f"{rate:6.1f} x real time")
    else:
        print("without transcript (words heard):   skipped (the asr extra is not installed)")
    recognised = engine_rate(items, audios, with_text=False, hear_words=False)
    print(f"without transcript (phones only):   {recognised:6.1f} x real time  (target >= 5)")
    ms = curves_ms_per_minute(items, audios, args.repeats)
    print(f"phones -> curves:                   {ms:6.1f} ms per minute of audio  (target <= 20)")
    from talkrig.engines.phonetic.acoustic import MAX_APERTURE_SPEED

    ms = curves_ms_per_minute(items, audios, args.repeats, MAX_APERTURE_SPEED)
    print(f"  with the speed limit (no transcript): {ms:6.1f} ms per minute of audio")
    if args.long:
        long_alignment(items, audios)


def long_alignment(items, audios) -> None:
    """Align the long utterances, repeated to about 5 minutes, window by window (in a
    fresh process, so that its peak memory is the alignment's own, not that of this
    process, which has loaded Whisper); then hear and align them without the transcript."""
    import multiprocessing

    from talkrig.phones.transcript import normalise_words

    long_items = [(i, a) for i, a in zip(items, audios) if len(a) > 10 * 16_000]
    repeats = int(np.ceil(300 * 16_000 / sum(len(a) for _, a in long_items)))
    audio = np.concatenate([a for _, a in long_items] * repeats)
    words = normalise_words(" ".join(i.transcript for i, _ in long_items))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        seconds, peak = pool.apply(windowed_alignment, (audio, words * repeats))
    print(f"{len(audio) / 16_000:.0f} s with transcript, in windows: "
          f"{len(audio) / 16_000 / seconds:6.1f} x real time, peak memory {peak:.0f} MB "
          f"(a fresh process; one pass: 2.2 GB)")
    from talkrig.phones import whisper_words

    if whisper_words.available():
        rate = engine_rate(items[:1], [audio], with_text=False)  # (items[0]: no text used)
        print(f"the same without transcript, words heard piece by piece: {rate:6.1f} x real "
              "time (whole engine)")


def windowed_alignment(audio: np.ndarray, words: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB of this process) to align ``words`` window by window."""
    from memory import peak_resident_mb
    from talkrig.engines.phonetic.long_align import align_long

    start = time.perf_counter()
    align_long(audio, words)
    seconds = time.perf_counter() - start
    return seconds, peak_resident_mb()


if __name__ == "__main__":
    main()
