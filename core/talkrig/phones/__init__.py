"""Phones with times: the common currency of the phonetic engine and the evaluation.

A :class:`Phone` is an ARPAbet label without stress digits (``AA``, ``P``, ``SIL``)
with start and end times in seconds. Readers turn TextGrid tiers (ARPAbet, IPA or
SAMPA labels) and TIMIT ``.phn`` files into phones; :mod:`talkrig.phones.sphinx`
gets them from audio with PocketSphinx (forced alignment or phone recognition).
Heavy work is imported from the submodules on use, so this package imports fast.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phone:
    """One phone with its time span.

    Attributes
    ----------
    label : str
        ARPAbet label without stress digit, upper case (``"AA"``, ``"P"``), or
        ``"SIL"`` for silence and non-speech.
    start_s, end_s : float
        Span in seconds from the start of the audio, ``end_s >= start_s``.
    """

    label: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def centre_s(self) -> float:
        return 0.5 * (self.start_s + self.end_s)

    def shifted(self, offset_s: float) -> "Phone":
        """The same phone ``offset_s`` seconds later (a piece's phones in the whole
        audio's time)."""
        return Phone(self.label, self.start_s + offset_s, self.end_s + offset_s)


def labels_at(phones, times, index_of, fill: int):
    """The class of the phone spoken at each time: ``index_of(label)`` of the phone whose
    span ``[start_s, end_s)`` holds it, ``fill`` where none does (a later phone wins
    where spans overlap).

    Parameters
    ----------
    phones : sequence of Phone
    times : np.ndarray, shape (n,), seconds
    index_of : callable, label -> int
    fill : int

    Returns
    -------
    np.ndarray, shape (n,), int64
    """
    import numpy as np

    labels = np.full(len(times), fill, np.int64)
    for phone in phones:
        labels[(times >= phone.start_s) & (times < phone.end_s)] = index_of(phone.label)
    return labels


__all__ = ["Phone", "labels_at"]
