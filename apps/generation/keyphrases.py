"""YAKE keyphrase ranking, computed the way ``yake.KeywordExtractor`` (0.7) does, without its per-word objects.

yake 0.7 builds a networkx graph and an object per word and per candidate, and takes a numpy median per
term: on a 10-page window that was most of the time of a notes or quiz job. This module keeps yake's own
tokens (segtok's, memoised per piece in :mod:`apps.generation.tokens`), tagger, stopword list and
deduplication function (so the tokens and the similarity test are yake's), and computes the same features
and candidate scores with plain dictionaries and lists. A unit test compares the result with
``yake.KeywordExtractor`` on real text, phrase by phrase and score by score.

The features (Campos et al., 2020): per word, casing, position (median sentence), frequency, relatedness
to its neighbours, spread over sentences; per candidate n-gram, ``prod(h) / ((sum(h) + 1) * tf)`` with a
stopword inside a phrase weighted by how often it links its two neighbours.
"""

import math
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from apps.generation.tokens import sentences as yake_sentences
from apps.generation.tokens import yake_tokens

_PUNCTUATION = frozenset(string.punctuation)
_PUNCTUATION_CHARS = string.punctuation
_DROP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_UNSEEN: Any = object()
_DISCARDED_TAGS = frozenset("ud")


@dataclass
class _Word:
    id: int
    is_stopword: bool
    tf: float = 0.0
    tf_a: float = 0.0
    tf_n: float = 0.0
    sentences: dict[int, int] = field(default_factory=dict)  # sentence id -> occurrences (insertion ordered)
    h: float = 0.0


@dataclass
class _Candidate:
    kw: str
    words: list[_Word]
    tags: set[str]
    tf: float = 0.0
    h: float = 1.0

    def is_valid(self) -> bool:
        """yake's rule; phrases starting or ending with a stopword are not even collected."""
        return any("u" not in tag and "d" not in tag for tag in self.tags)


@lru_cache(maxsize=8)
def _extractor(language: str) -> Any:
    """yake's own extractor: its stopword list and its similarity function (``seqm``) for deduplication."""
    import yake

    return yake.KeywordExtractor(lan=language)


class _Document:
    def __init__(self, sentences: list[list[str]], stopwords: set[str], n: int) -> None:
        self.stopwords = stopwords
        self.words: dict[str, _Word] = {}
        self.edges: dict[tuple[int, int], float] = {}
        self.out_edges: dict[int, list[int]] = {}
        self.in_edges: dict[int, list[int]] = {}
        self.candidates: dict[str, _Candidate] = {}
        self.sentence_count = len(sentences)
        # Per distinct token, what depends on the token alone: its word, and its tag at a sentence's start
        # and elsewhere (yake's ``get_tag`` reads the position only as "first or not"). A text repeats most
        # of its tokens, and these were computed again at every occurrence.
        self._words_by_token: dict[str, _Word | None] = {}
        self._first_tags: dict[str, str] = {}
        self._later_tags: dict[str, str] = {}
        for sentence_id, sentence in enumerate(sentences):
            self._read_sentence(sentence_id, sentence, n)

    def _word(self, token: str) -> _Word:
        unique = token.lower()
        listed = unique in self.stopwords
        if unique.endswith("s") and len(unique) > 3:
            unique = unique[:-1]
        known = self.words.get(unique)
        if known is not None:
            return known
        letters = unique.translate(_DROP_PUNCTUATION)  # ``"".join(c for c in unique if c not in _PUNCTUATION)``
        word = _Word(len(self.words), listed or unique in self.stopwords or len(letters) < 3)
        self.words[unique] = word
        return word

    def _link(self, left: _Word, right: _Word) -> None:
        key = (left.id, right.id)
        if key not in self.edges:
            self.edges[key] = 0.0
            self.out_edges.setdefault(left.id, []).append(right.id)
            self.in_edges.setdefault(right.id, []).append(left.id)
        self.edges[key] += 1.0

    def _read_sentence(self, sentence_id: int, tokens: list[str], n: int) -> None:
        from yake.data.utils import get_tag

        block: list[tuple[str, str, _Word]] = []
        words = self._words_by_token
        for position, token in enumerate(tokens):
            known = words.get(token, _UNSEEN)
            if known is _UNSEEN:  # None: punctuation only, which a phrase never crosses
                known = words[token] = self._word(token) if token.strip(_PUNCTUATION_CHARS) else None
            if known is None:
                block = []
                continue
            word = known
            tags = self._first_tags if position == 0 else self._later_tags
            tag = tags.get(token)
            if tag is None:
                tag = tags[token] = get_tag(token, position, _PUNCTUATION)
            word.sentences[sentence_id] = word.sentences.get(sentence_id, 0) + 1
            word.tf += 1.0
            word.tf_a += tag == "a"
            word.tf_n += tag == "n"
            if tag not in _DISCARDED_TAGS and block and block[-1][0] not in _DISCARDED_TAGS:
                self._link(block[-1][2], word)
            if not word.is_stopword:  # a phrase ending (or starting) with a stopword is never a keyphrase
                self._add_word_candidate(tag, token, word)
                if n == 2:  # the loop below for two-word phrases: the previous word, if it is no stopword
                    if block and not block[-1][2].is_stopword:
                        self._add_candidate([block[-1], (tag, token, word)])
                else:
                    for size in range(1, min(n - 1, len(block)) + 1):
                        if not block[-size][2].is_stopword:
                            self._add_candidate([*block[-size:], (tag, token, word)])
            block.append((tag, token, word))

    def _add_word_candidate(self, tag: str, token: str, word: _Word) -> None:
        """``_add_candidate([(tag, token, word)])`` without joining lists of one."""
        unique = token.lower()
        found = self.candidates.get(unique)
        if found is None:
            found = self.candidates[unique] = _Candidate(token, [word], {tag})
        else:
            found.tags.add(tag)
        found.tf += 1.0

    def _add_candidate(self, parts: list[tuple[str, str, _Word]]) -> None:
        kw = " ".join([p[1] for p in parts])
        unique = kw.lower()
        tag = "".join([p[0] for p in parts])
        found = self.candidates.get(unique)
        if found is None:
            found = self.candidates[unique] = _Candidate(kw, [p[2] for p in parts], {tag})
        else:
            found.tags.add(tag)
        found.tf += 1.0

    def score_words(self) -> None:
        import numpy as np

        counted = np.array([w.tf for w in self.words.values() if not w.is_stopword])
        if not counted.size:
            return
        mean, deviation = counted.mean(), counted.std()
        top = max(w.tf for w in self.words.values())
        for word in self.words.values():
            outgoing = self.out_edges.get(word.id, [])
            incoming = self.in_edges.get(word.id, [])
            weight_out = sum(self.edges[(word.id, other)] for other in outgoing)
            weight_in = sum(self.edges[(other, word.id)] for other in incoming)
            pwr = len(outgoing) / weight_out if weight_out else 0
            pwl = len(incoming) / weight_in if weight_in else 0
            relatedness = 0.5 + pwl * (word.tf / top) + (0.5 + pwr * (word.tf / top))
            frequency = word.tf / (mean + deviation)
            spread = len(word.sentences) / self.sentence_count
            casing = max(word.tf_a, word.tf_n) / (1.0 + math.log(word.tf))
            place = math.log(math.log(3.0 + _median(word.sentences)))
            word.h = place * relatedness / (casing + frequency / relatedness + spread / relatedness)

    def score_candidate(self, candidate: _Candidate) -> None:
        total, product = 0.0, 1.0
        words = candidate.words
        for i, word in enumerate(words):
            if not word.is_stopword:
                total += word.h
                product *= word.h
                continue
            before = after = 0.0
            if i > 0 and (link := self.edges.get((words[i - 1].id, word.id))) is not None:
                before = link / words[i - 1].tf
            if i < len(words) - 1 and (link := self.edges.get((word.id, words[i + 1].id))) is not None:
                after = link / words[i + 1].tf
            linked = before * after
            product *= 1 + (1 - linked)
            total -= 1 - linked
        candidate.h = product / ((total + 1) * candidate.tf)


def _median(ascending: dict[int, int]) -> float:
    """``statistics.median`` of the keys, which are already in ascending order (sentence ids, read in order):
    the same value, without the copy and the sort."""
    keys = list(ascending)
    middle = len(keys) // 2
    return keys[middle] if len(keys) % 2 else (keys[middle - 1] + keys[middle]) / 2


def extract(
    text: str, *, language: str = "en", n: int = 2, top: int = 20, dedup_limit: float = 0.9
) -> list[tuple[str, float]]:
    """``(phrase, score)`` best first (a lower score is better), as ``yake.KeywordExtractor(lan=language,
    n=n, top=top, dedup_lim=dedup_limit).extract_keywords(text)`` returns them (yake's pre-filter, then segtok's
    sentences and tokens, from :mod:`apps.generation.tokens`)."""
    if not text:
        return []
    from yake.data.utils import pre_filter

    sentences = [yake_tokens(s) for s in yake_sentences(pre_filter(text.replace("\n", " "))) if s.strip()]
    extractor = _extractor(language)
    document = _Document(sentences, extractor.stopword_set, n)
    document.score_words()
    valid = [c for c in document.candidates.values() if c.is_valid()]
    for candidate in valid:
        document.score_candidate(candidate)
    valid.sort(key=lambda c: c.h)
    chosen: list[_Candidate] = []
    for candidate in valid:
        unique = candidate.kw.lower()
        if all(extractor.seqm(unique, c.kw.lower()) <= dedup_limit for c in chosen):
            chosen.append(candidate)
            if len(chosen) == top:
                break
    return [(c.kw, c.h) for c in chosen]
