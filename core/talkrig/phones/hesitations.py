"""Hesitations ("uh", "um") from a second reading of the same speech.

Whisper leaves hesitations out of what it writes, so the words it hears say nothing of
them, and the aligner's filler grammar (:func:`talkrig.phones.sphinx.with_fillers`)
has to guess which one a speaker said. It guesses badly between "uh" and "um": on the
dev speech it took all four "um" for "uh", and the /m/ of an "um" (a closed mouth for
200-550 ms) then showed a half-open one. Given text before the speech that has
hesitations (:data:`HESITATION_PROMPT`), Whisper writes them too and tells the two
apart: on the three long dev lines it wrote 13 of the 14 that the hand transcripts
have, each the right one, and one more.

That reading is better at the other words on some clips and worse on others (it changed
112 words of the 67 dev clips, and read a three-word line twice over). So the plain
reading's words stay, except where the two readings differ and Whisper was surer of the
prompted one (:func:`choose_words`, by the mean log-probability of each stretch's
tokens), and :func:`insert_hesitations` then puts the prompted reading's hesitations
among them, where the two readings agree around them.
"""

from __future__ import annotations

import difflib
import re
from typing import Sequence

import numpy as np

from talkrig.phones.sphinx import HESITATION_WORDS

# Text "before" the speech, for Whisper to continue in kind: a sentence as people say
# it. A list of hesitations ("Um, uh, I mean, uh, so, um, hmm.") found as many, but
# Whisper copied it at a cough ("Um, uh, so, um, uh, so, ...") and cut a line short.
HESITATION_PROMPT = "So, um, I was, uh, thinking, um, that we could, uh, go."


def word_key(token: str) -> str:
    """A written token as a comparable word: lower case, no punctuation ("Um," -> "um")."""
    return re.sub(r"[^\w']", "", token.lower())


def is_hesitation_token(token: str) -> bool:
    """Whether a written token ("Um,") is one of the hesitations the aligner spells."""
    return word_key(token) in HESITATION_WORDS


def insert_hesitations(plain: str, prompted: str) -> str:
    """``plain`` with the hesitations of ``prompted`` put in among its words.

    The two readings' other words are matched in order (:class:`difflib.SequenceMatcher`);
    a hesitation goes before the plain word matched to the word that follows it in
    ``prompted`` (or at the end). Where the readings differ around it, it goes before
    the plain words of the differing stretch. Between two words where ``prompted`` has
    none, the hesitations ``plain`` wrote itself stay; the same one twice in a row is
    put in once unless ``plain`` has a run there too. A plain word that a hesitation now
    comes before takes the prompted reading's lower case ("Um, So" -> "Um, so").

    Parameters
    ----------
    plain, prompted : str
        Whisper's text for the same audio, without and with :data:`HESITATION_PROMPT`.

    Returns
    -------
    str
        The words of ``plain`` (tokens unchanged) with hesitation tokens between them
        (capitalised only where a sentence starts), joined by spaces; ``plain`` itself
        when ``prompted`` holds no hesitation.
    """
    if not any(is_hesitation_token(t) for t in prompted.split()):
        return plain
    ours, own = _words_and_gaps(plain)
    words, theirs = _words_and_gaps(prompted)
    to_ours = _index_map([word_key(t) for t in ours], [word_key(t) for t in words])
    inserts: list[list[str]] = [[] for _ in range(len(ours) + 1)]
    for j, tokens in enumerate(theirs):
        inserts[to_ours[j]] += tokens
    partner = {to_ours[j]: token for j, token in enumerate(words)
               if to_ours[j] < len(ours) and word_key(token) == word_key(ours[to_ours[j]])}
    out: list[str] = []
    for i in range(len(ours) + 1):
        tokens = inserts[i] if len(own[i]) > 1 else _once(inserts[i])
        out += [_cased(token, not out or out[-1].endswith(SENTENCE_ENDS))
                for token in tokens] or own[i]
        if i < len(ours):
            out.append(_lowered(ours[i], partner.get(i)) if inserts[i] else ours[i])
    return " ".join(out)


def _lowered(token: str, theirs: str | None) -> str:
    """``token`` with a lower-case first letter where the prompted reading, which put a
    hesitation before it, wrote its word so (``theirs``: "Um, So this" -> "Um, so
    this"); otherwise unchanged (never raised: "I" and names keep their capital)."""
    if theirs and token[:1].isupper() and theirs[:1].islower():
        return token[:1].lower() + token[1:]
    return token


# A stretch of the prompted reading may stand for the plain reading's with one word more
# ("here are" for "here's"), not with a line read again: it repeated a 1.4 s line once
# more after a pause ("Aligner. Montreal Forest Aligner." for "Alainer"), and a repeat,
# once under way, is read confidently.
MAX_EXTRA_WORDS = 1


def choose_words(plain: Sequence[tuple[str, float]], prompted: Sequence[tuple[str, float]]) -> str:
    """The ``plain`` reading's words, each stretch where the two readings differ taken
    from the one whose tokens Whisper found the more probable there.

    The readings' words other than hesitations are matched in order
    (:class:`difflib.SequenceMatcher`); where a stretch of one stands against a
    stretch of the other, the stretch with the higher mean token log-probability wins,
    unless the prompted one has more than ``MAX_EXTRA_WORDS`` words more. Words only
    one reading has stay as ``plain`` has them (hesitations come after, from
    :func:`insert_hesitations`).

    Parameters
    ----------
    plain, prompted : sequence of (str, float)
        Each reading's words (as written) and their mean token log-probabilities
        (:func:`talkrig.phones.whisper_words.word_confidences`).

    Returns
    -------
    str
        The chosen words joined by spaces (``plain``'s own hesitations kept).
    """
    ours = [k for k, (token, _) in enumerate(plain) if not is_hesitation_token(token)]
    theirs = [(t, c) for t, c in prompted if not is_hesitation_token(t)]
    matcher = difflib.SequenceMatcher(a=[word_key(plain[k][0]) for k in ours],
                                      b=[word_key(t) for t, _ in theirs], autojunk=False)
    swaps: dict[int, tuple[int, list[str]]] = {}  # first plain index -> (last, words)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if (tag == "replace" and j2 - j1 <= i2 - i1 + MAX_EXTRA_WORDS
                and (np.mean([c for _, c in theirs[j1:j2]])
                     > np.mean([plain[k][1] for k in ours[i1:i2]]))):
            swaps[ours[i1]] = (ours[i2 - 1], [t for t, _ in theirs[j1:j2]])
    out: list[str] = []
    k = 0
    while k < len(plain):
        last, words = swaps.get(k, (k, [plain[k][0]]))
        out += words
        k = last + 1
    return " ".join(out)


def _once(tokens: list[str]) -> list[str]:
    """``tokens`` less immediate repeats of a hesitation ("Um, Um," -> "Um,"). The
    prompted reading wrote the last "um" of a piece twice where the plain reading had
    none; where the plain reading repeats one too, both readings keep the repeat."""
    return [t for k, t in enumerate(tokens) if k == 0 or word_key(t) != word_key(tokens[k - 1])]


SENTENCE_ENDS = (".", "!", "?")


def _cased(token: str, sentence_start: bool) -> str:
    """A hesitation token capitalised where a sentence starts, else in lower case."""
    return token[:1].upper() + token[1:] if sentence_start else token.lower()


def _words_and_gaps(text: str) -> tuple[list[str], list[list[str]]]:
    """The tokens of ``text`` that are not hesitations, shape (W,), and the hesitation
    tokens before each of them and at the end, shape (W + 1,)."""
    words: list[str] = []
    gaps: list[list[str]] = [[]]
    for token in text.split():
        if is_hesitation_token(token):
            gaps[-1].append(token)
        else:
            words.append(token)
            gaps.append([])
    return words, gaps


def _index_map(ours: list[str], theirs: list[str]) -> list[int]:
    """For each index j of ``theirs`` (and j = len(theirs)), the index of ``ours`` that
    a hesitation standing before ``theirs[j]`` goes before."""
    to_ours = [0] * (len(theirs) + 1)
    matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            to_ours[j] = i1 + (j - j1) if tag == "equal" else i1
    to_ours[len(theirs)] = len(ours)
    return to_ours
