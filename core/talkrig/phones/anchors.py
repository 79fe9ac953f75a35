"""Whisper's segment times as a check on where the aligner put the words it heard.

Whisper writes its text in segments, each between two timestamps (20 ms steps). They
are loose (on the English dev clips a segment's end mostly lies 0.1 s before to 1.7 s
after its last aligned word, its start 2 s before to 0.3 s after its first), but they are
independent of the aligner, which can go badly wrong: in the dev line recorded with a
cold, the filler grammar put an "uh" where the soft "one" is, and "one" 2.6 s later
over the "and" after the long pause. A word aligned well outside its segment is such
a displacement.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple, Sequence

# An aligned word must start no earlier than this before its segment's start and end
# no later than this after its segment's end. Over the 75 English dev, held-out and
# multilingual clips heard, aligned words stay within 0.6 s of their segments, except
# the displaced "one" (2.6 s out, and its copies in the 24- and 32-bit files), a
# displaced "video" in the long concatenated take (1.8 s), and one clip whose segments
# Whisper timed in whole seconds (0, 4, 7, 9 s; a word 1.9 s before its segment).
TOLERANCE_S = 1.0
TIMESTAMP_STEP_S = 0.02  # Whisper's timestamp tokens count time in 20 ms steps


class Segment(NamedTuple):
    """A stretch of Whisper's text with its timestamps (seconds in the whole audio)."""

    start_s: float
    end_s: float
    text: str

    def shifted(self, offset_s: float) -> "Segment":
        """The same segment ``offset_s`` seconds later (negative: earlier)."""
        return Segment(self.start_s + offset_s, self.end_s + offset_s, self.text)


class Displaced(NamedTuple):
    """An aligned word outside its Whisper segment."""

    index: int  # in the aligned words (spans)
    word: str
    start_s: float
    end_s: float
    segment: Segment


def segments_of(ids: Sequence[int], tokenizer) -> list[Segment]:
    """The timestamped segments of one decoding's token ``ids`` (text tokens between a
    pair of timestamp tokens; a last segment without a closing timestamp is left out),
    in seconds from the start of the decoded audio (:meth:`Segment.shifted` moves them)."""
    segments, start, tokens = [], None, []
    for token in ids:
        if token >= tokenizer.timestamp_begin:
            time_s = (token - tokenizer.timestamp_begin) * TIMESTAMP_STEP_S
            if start is None:
                start = time_s
            else:
                if tokens:
                    segments.append(Segment(start, time_s, tokenizer.decode(tokens).strip()))
                start, tokens = None, []
        elif token < tokenizer.eot:
            tokens.append(token)
    return segments


def displaced_words(spans, segments: Sequence[Segment],
                    tolerance_s: float = TOLERANCE_S) -> list[Displaced]:
    """The aligned words that lie outside their Whisper segment by over ``tolerance_s``.

    Parameters
    ----------
    spans : sequence of WordSpan
        Aligned words in order (:func:`talkrig.phones.sphinx.align_words`), hesitations
        included; those are not checked (Whisper's segments leave them out).
    segments : sequence of Segment
        The plain reading's segments. The aligned words are matched to the segments'
        words in order (:class:`difflib.SequenceMatcher`); words the two do not share
        are not checked.
    """
    from talkrig.phones.sphinx import base_word, is_hesitation, without_fillers
    from talkrig.phones.transcript import normalise_words

    heard = [(word, segment) for segment in segments
             for word in without_fillers(normalise_words(segment.text))]
    aligned = [i for i, span in enumerate(spans) if not is_hesitation(span.word)]
    matcher = difflib.SequenceMatcher(None, [word for word, _ in heard],
                                      [base_word(spans[i].word) for i in aligned],
                                      autojunk=False)
    out = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            segment = heard[block.a + k][1]
            index = aligned[block.b + k]
            span = spans[index]
            if (span.start_s < segment.start_s - tolerance_s
                    or span.end_s > segment.end_s + tolerance_s):
                out.append(Displaced(index, span.word, span.start_s, span.end_s, segment))
    return out


def without_guesses_beside(spans, words: Sequence[str],
                           displaced: Sequence[Displaced]) -> list[str]:
    """The aligned words (``spans``, with the fillers the grammar guessed) less each
    guessed filler right before or after a displaced word: the words to align again.

    ``words`` are the words given to the aligner: a filler among the spans that is
    not one of them was guessed by the filler grammar
    (:func:`talkrig.phones.sphinx.with_fillers`); the hesitations Whisper wrote stay.
    """
    from talkrig.phones.sphinx import FILLER_WORDS, base_word

    aligned = [base_word(span.word) for span in spans]
    guessed = set()
    matcher = difflib.SequenceMatcher(None, list(words), aligned, autojunk=False)
    for tag, _, _, lo, hi in matcher.get_opcodes():
        if tag == "insert":
            guessed.update(i for i in range(lo, hi) if aligned[i] in FILLER_WORDS)
    beside = {d.index + step for d in displaced for step in (-1, 1)}
    return [word for i, word in enumerate(aligned) if not (i in guessed and i in beside)]
