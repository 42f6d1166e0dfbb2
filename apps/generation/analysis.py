"""One analysis per page window, shared by the notes and the quiz of a document.

Both jobs read a document a window at a time and need the same things from each window: its sentences and
headings, the sentences that pass the prose filter, its keyphrases, and (for questions) the terms each
prose sentence could be asked about. That analysis is deterministic for the window's text and the
language, so it is computed once and kept in a small in-process cache keyed by a hash of the window's
passages (chunk numbers, pages, offsets and text) and the language: a worker that writes a document's notes
and then a quiz on it (or a second quiz) reads the windows again without analysing them again. A cache
only: a miss computes the same analysis, and at most ``CACHE_WINDOWS`` windows are held (about a
200-page document), so memory stays bounded. See docs/decisions/0026-shared-window-analysis.md.
"""

import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from apps.generation.offline import Term, _may_stand_in_each, is_good_sentence, keyphrases, sentence_terms
from apps.generation.types import GenerationConfig, Passage
from apps.generation.windows import Sentence, Window, build_window

#: Windows kept (10 pages each by default); the least recently used is dropped first.
CACHE_WINDOWS = 20


class WindowAnalysis:
    """A window with what both jobs compute from it, each part on first use (a provider that writes the
    notes itself needs only the window)."""

    def __init__(self, window: Window, config: GenerationConfig) -> None:
        self.window = window
        self.prose: list[Sentence] = [s for s in window.sentences if is_good_sentence(s)]
        self._config = config
        self._phrases: list[Term] | None = None
        self._terms: dict[Sentence, list[Term]] | None = None
        self._maybe: list[list[str]] | None = None
        self._lowercase: set[str] | None = None
        self._lock = threading.RLock()

    @property
    def phrases(self) -> list[Term]:
        """The window's keyphrases (:func:`~apps.generation.offline.keyphrases`)."""
        with self._lock:
            if self._phrases is None:
                self._phrases = keyphrases(self.window, self._config, prose=self.prose)
            return self._phrases

    @property
    def lowercase(self) -> set[str]:
        """The words the window writes in lower case (a capitalised word also found so is not a name)."""
        with self._lock:
            if self._lowercase is None:
                words = set(" ".join([s.text for s in self.window.sentences]).split())
                self._lowercase = set(filter(str.islower, words))
            return self._lowercase

    @property
    def maybe(self) -> list[list[str]]:
        """For each prose sentence, the keyphrases that may stand in it (``_may_stand_in_each``): the key
        points (notes) and the terms (questions) both start from it."""
        with self._lock:
            if self._maybe is None:
                self._maybe = _may_stand_in_each([s.text for s in self.prose], tuple(t.text for t in self.phrases))
            return self._maybe

    @property
    def terms(self) -> dict[Sentence, list[Term]]:
        """:func:`~apps.generation.offline.sentence_terms` of each prose sentence (questions only)."""
        with self._lock:
            if self._terms is None:
                phrases = self.phrases
                texts = tuple(t.text for t in phrases)
                by_text = {t.text: t for t in phrases}
                unique = by_text if len(by_text) == len(phrases) else None
                self._terms = {
                    s: sentence_terms(s, phrases, texts=texts, maybe=found, by_text=unique)
                    for s, found in zip(self.prose, self.maybe, strict=True)
                }
            return self._terms


_cache: "OrderedDict[bytes, WindowAnalysis]" = OrderedDict()
_cache_lock = threading.Lock()


def _key(index: int, pages: dict[int, list[Passage]], language: str) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{index}\x1f{language}".encode())
    for number in sorted(pages):
        for p in pages[number]:
            digest.update(f"\x1e{p.chunk}\x1f{p.page}\x1f{p.start}\x1f{p.end}\x1f".encode())
            digest.update(p.text.encode("utf-8", "surrogatepass"))
    return digest.digest()


def analyse(index: int, pages: dict[int, list[Passage]], config: GenerationConfig) -> WindowAnalysis:
    """The window's analysis, from the cache when the same passages were analysed in this process."""
    key = _key(index, pages, config.language)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = WindowAnalysis(build_window(index, pages), config)
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > CACHE_WINDOWS:
            _cache.popitem(last=False)
    return found


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def analysed_windows(passages: Iterable[Passage], *, config: GenerationConfig) -> Iterator[WindowAnalysis]:
    """Like :func:`~apps.generation.windows.windows` (``config.window_pages`` pages at a time, in document
    order), each window with its analysis."""
    pages: dict[int, list[Passage]] = {}
    index = 0
    for number, group in itertools.groupby(passages, key=lambda p: p.page):
        pages.setdefault(number, []).extend(group)
        if len(pages) >= config.window_pages:
            yield analyse(index, pages, config)
            index, pages = index + 1, {}
    if pages:
        yield analyse(index, pages, config)
