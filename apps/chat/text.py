"""Text helpers for retrieval: BM25 terms and sentence spans. Pure functions, no database, no model."""

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)\s+(?=[\"'(\[]?[A-Z0-9])"
)

#: Common English function words: they carry no topic, and BM25 would only spend time on them.
_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _stem(word: str) -> str:
    """A light, predictable suffix strip (plural and common verb endings), the same at index and query time."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + keep
    return word


def fold(text: str) -> str:
    """Lower case without accents, so "Bézoukhov" and "Bezukhov"-style spellings meet halfway."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def terms(text: str) -> list[str]:
    """The BM25 terms of a text: folded words, stopwords dropped, lightly stemmed."""
    words = _WORD.findall(fold(text))
    return [_stem(word) for word in words if word not in STOPWORDS and (len(word) > 1 or word.isdigit())]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, whitespace trimmed; a newline pair also ends one."""
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        start = block.start()
        pieces = _SENTENCE_END.split(block.group())
        for piece in pieces:
            offset = text.index(piece, start) if piece else start
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((offset + lead, offset + lead + len(stripped)))
            start = offset + len(piece)
    return spans
