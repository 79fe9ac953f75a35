"""English sentences for the synthetic corpus, gathered reproducibly from local text.

Two sources, both on every machine that runs the corpus builder:

* prose: sentences from the docstrings of Python's standard library (real English
  written by people, with its own rhythm and word frequencies);
* word salad: random words from the CMU pronouncing dictionary shipped inside the
  PocketSphinx wheel, for phone coverage beyond common words.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
from pathlib import Path

MIN_WORDS, MAX_WORDS = 4, 18  # words per sentence: 1-6 s of speech
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z ,;'-]*[.!?]?$")
_SKIP_MODULES = ("antigravity", "this", "idlelib", "tkinter", "turtle", "test", "lib2to3")


def _docstrings() -> list[str]:
    texts = []
    for info in pkgutil.iter_modules():
        if info.name.startswith("_") or info.name in _SKIP_MODULES:
            continue
        path = getattr(info.module_finder, "path", "")
        if "site-packages" in str(path):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - any stdlib module that will not import is skipped
            continue
        texts.append(module.__doc__ or "")
        for value in vars(module).values():
            doc = getattr(value, "__doc__", None)
            if isinstance(doc, str) and getattr(value, "__module__", None) == info.name:
                texts.append(doc)
    return texts


def prose_sentences() -> list[str]:
    """Plain English sentences (sorted, de-duplicated) from stdlib docstrings."""
    found = set()
    for doc in _docstrings():
        flat = " ".join(doc.split())
        for sentence in _SENTENCE_END.split(flat):
            words = sentence.split()
            if MIN_WORDS <= len(words) <= MAX_WORDS and _PLAIN.match(sentence):
                found.add(sentence)
    return sorted(found)


def dictionary_words() -> list[str]:
    """Alphabetic headwords of PocketSphinx's CMU dictionary (no variants)."""
    from pocketsphinx import get_model_path

    words = []
    dict_path = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"
    for line in dict_path.read_text("utf-8", errors="replace").splitlines():
        word = line.split(" ", 1)[0]
        if word.isalpha() and len(word) > 1:
            words.append(word)
    return words


def word_salad(words: list[str], rng: random.Random) -> str:
    """A random sequence of dictionary words with occasional commas (pauses)."""
    n = rng.randint(MIN_WORDS, 10)
    picked = [rng.choice(words) for _ in range(n)]
    if n > 5 and rng.random() < 0.5:
        picked[rng.randrange(2, n - 2)] += ","
    return " ".join(picked) + "."


def sentences(count: int, seed: int, salad_fraction: float = 0.3) -> list[str]:
    """``count`` sentences, a ``salad_fraction`` of them word salad, reproducibly."""
    rng = random.Random(seed)
    prose = prose_sentences()
    words = dictionary_words()
    out = []
    for _ in range(count):
        out.append(word_salad(words, rng) if rng.random() < salad_fraction
                   else rng.choice(prose))
    return out
