"""Aligning the words Whisper heard: up to 30 s in one pass, with the filler grammar and
Whisper's segment times as a check (:func:`anchored`); longer, piece by piece
(:func:`align_pieces`).

Whisper heard the audio in pieces cut at pauses (at most 22 s) and wrote each piece's
own words, so each piece's words are aligned to its own audio, as a short line's are,
and an error cannot carry over into the next piece. Over 3 minutes they went through
the windows built for transcripts (``long_align``), each searching how many of the
next words it holds: on five minutes of dev speech (the three long dev lines four
times over), the cold voice's misheard "video" for "one" made a window stop short of
where its words were said, the words after it were pushed later window after window,
the last window was left 224 words for 20 s and found no alignment, and the whole
take fell back to recognised phones (open/bilabial AUC 0.76-0.79 per copy; piece by
piece 0.92-0.93). Between 30 s and 3 minutes they went in one pass, without the
filler grammar (it loses its path on long audio) and with "video" dragged 3 s late
in a 52 s dev take; piece by piece they get both the grammar and the check.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from talkrig.engines.base import ProgressFn
from talkrig.phones import Phone

log = logging.getLogger(__name__)


def anchored(audio: np.ndarray, words: list[str], segments,
             filler_edges: bool = True) -> list[Phone]:
    """Phones of ``words`` aligned with the fillers the grammar finds (also before the
    first word and after the last, with ``filler_edges``); where a word ended up
    outside its Whisper segment (:mod:`talkrig.phones.anchors`), aligned again without
    the guessed fillers beside it (such a filler can take a soft word's place and push
    the word seconds later), and that kept if fewer words are then out of their
    segments (Whisper's own times can be wrong: whole seconds, on one clip)."""
    from talkrig.phones import sphinx
    from talkrig.phones.anchors import displaced_words, without_guesses_beside

    phones, spans = sphinx.align_words(audio, words, fillers=True, filler_edges=filler_edges)
    displaced = displaced_words(spans, segments)
    if not displaced:
        return phones
    again, spans_again = sphinx.align_words(audio, without_guesses_beside(spans, words,
                                                                          displaced))
    better = len(displaced_words(spans_again, segments)) < len(displaced)
    _, word, start_s, _, segment = displaced[0]
    log.info("%r aligned at %.2f s, outside its Whisper segment (%.2f-%.2f s); without "
             "the fillers guessed beside it %s", word, start_s, segment.start_s,
             segment.end_s, "fewer words are out: kept" if better else "no fewer: not kept")
    return again if better else phones


def align_pieces(audio: np.ndarray, pieces, segments,
                 progress: ProgressFn | None = None) -> list[Phone]:
    """Each piece's words aligned to its own audio (:func:`anchored`, fillers only
    between its words: a piece starts and ends inside a pause, where a guessed filler
    opened the mouth); ``SIL`` between pieces (the inside of long pauses Whisper did
    not hear) and in pieces without words.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    pieces : sequence of HeardPiece
        In order (:attr:`talkrig.phones.whisper_words.HeardWords.pieces`).
    segments : sequence of Segment
        Whisper's timed segments over the whole audio; each piece is checked against
        those that start inside it.
    progress : callable, optional
        Called with the fraction of the audio aligned, 0..1.

    Returns
    -------
    list of Phone
        Contiguous phones over the whole audio. A piece whose words find no alignment
        gets recognised phones instead, with a warning, so that one piece cannot take
        the rest of a long recording's words with it.
    """
    from talkrig.phones import sphinx

    total_s = len(audio) / sphinx.SAMPLE_RATE
    out: list[Phone] = []
    failed = 0
    for piece in pieces:
        _pause_until(out, piece.start_s)
        lo, hi = (int(round(t * sphinx.SAMPLE_RATE)) for t in (piece.start_s, piece.end_s))
        found = _piece_phones(audio[lo:hi], piece, segments)
        if found is None:
            failed += 1
            found = sphinx.recognise(audio[lo:hi])
        out += [p.shifted(piece.start_s) for p in found]
        _pause_until(out, piece.end_s)  # alignments end on a 10 ms frame
        if progress:
            progress(piece.end_s / max(total_s, 1e-9))
    _pause_until(out, total_s)
    if failed:
        message = (f"the words heard in {failed} of {len(pieces)} pieces did not align; "
                   "their phones were recognised")
        log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return out


# Loud pauses between heard words (recognised_where_uncovered): at least this long, and
# this share of their frames voiced and loud (breaths are loud but not voiced).
MIN_UNCOVERED_S = 0.5
MIN_JUDGED_SHARE = 0.2


def recognised_where_uncovered(phones: list[Phone], audio: np.ndarray) -> list[Phone]:
    """``phones`` with each loud pause (``SIL`` of ``MIN_UNCOVERED_S`` or more, with
    ``MIN_JUDGED_SHARE`` of its frames voiced and loud,
    :func:`talkrig.engines.phonetic.acoustic.judged_frames`) replaced by the phones
    recognised in it.

    For words heard that cover too little of the loud audio: they were heard in this
    audio, so where they are aligned they are the right phones, and what they leave
    out is music or noise, or speech Whisper did not hear. Recognised phones move the
    mouth there as recognising the whole take would, and the words keep their lips (a
    dev line with 25 s of music between its phrases fell back to recognised phones
    throughout before).
    """
    from talkrig.engines.phonetic.acoustic import HOP_S, judged_frames
    from talkrig.phones import sphinx

    judged = judged_frames(audio)
    if judged is None:
        return phones
    out: list[Phone] = []
    for ph in phones:
        lo, hi = int(ph.start_s / HOP_S), int(np.ceil(ph.end_s / HOP_S))
        if (ph.label != "SIL" or ph.end_s - ph.start_s < MIN_UNCOVERED_S
                or judged[lo:hi].mean() < MIN_JUDGED_SHARE):
            out.append(ph)
            continue
        start, end = (int(round(t * sphinx.SAMPLE_RATE)) for t in (ph.start_s, ph.end_s))
        for found in (p.shifted(ph.start_s) for p in sphinx.recognise(audio[start:end])):
            out.append(Phone(found.label, found.start_s, min(found.end_s, ph.end_s)))
        _pause_until(out, ph.end_s)
    return out


def _pause_until(phones: list[Phone], end_s: float) -> None:
    """Let ``phones`` reach ``end_s``: their last ``SIL`` lengthened, or one added."""
    if not phones:
        if end_s > 0:
            phones.append(Phone("SIL", 0.0, end_s))
    elif phones[-1].end_s < end_s:
        last = phones[-1]
        if last.label == "SIL":
            phones[-1] = Phone("SIL", last.start_s, end_s)
        else:
            phones.append(Phone("SIL", last.end_s, end_s))


def _piece_phones(piece_audio: np.ndarray, piece, segments) -> list[Phone] | None:
    """The phones of one piece's words in piece time; ``SIL`` throughout when it has
    none; None when they find no alignment."""
    from talkrig.phones import sphinx
    from talkrig.phones.transcript import normalise_words

    words = normalise_words(piece.text)
    if not words:
        return [Phone("SIL", 0.0, len(piece_audio) / sphinx.SAMPLE_RATE)]
    own = [segment.shifted(-piece.start_s) for segment in segments
           if piece.start_s <= segment.start_s < piece.end_s]
    try:
        return anchored(piece_audio, words, own, filler_edges=False)
    except sphinx.AlignmentError:
        return None
