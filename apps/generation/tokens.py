"""yake's word tokens of one sentence, as ``yake.data.utils.tokenize_sentences`` makes them for each sentence
it finds, at a fraction of the cost.

yake tokenizes with segtok: ``split_contractions(web_tokenizer(sentence))``, then drops tokens that are empty
or start with an apostrophe. Most of that time goes into segtok's word pattern, applied to each
space-separated piece of every sentence, the same pieces again and again ("the", "of", "Prince,"). This
module gives the same tokens (a unit test compares them with segtok's on every sentence of the corpus)
and differs only in what it computes once:

- the word pattern's split of a piece is a function of the piece alone, so it is memoised per piece, and an
  ASCII piece is split by the same pattern written for the standard library's ``re`` (:data:`_ASCII_WORD`);
- so is the contraction split of a token (segtok's ``split_contractions`` treats each token on its own);
- segtok's URL and e-mail pattern can only match where ``://`` or ``@`` stands, and ``html.unescape``
  changes nothing without ``&``: sentences without them skip both.

What segtok does to the sentence as a whole (the sentence terminal split off one of its last three tokens,
dangling commas and colons split off) is :func:`_splice`, copied from segtok 1.5 (MIT licence,
Florian Leitner) with its logic unchanged.
"""

import re
from functools import lru_cache
from html import unescape

from segtok.segmenter import SENTENCE_TERMINALS
from segtok.tokenizer import APO_MATCHER, HYPHENATED_LINEBREAK, space_tokenizer, split_contractions, web_tokenizer
from segtok.tokenizer import word_tokenizer as _segtok_word_tokenizer

#: Characters segtok's hyphenated line-break pattern needs (its ``LINEBREAK``): without one it changes nothing.
_LINEBREAKS = ("\n", "\r", "\u2028")


#: segtok's word pattern (``word_tokenizer``'s) as it reads ASCII text, for the standard library's ``re``, which
#: runs it in less than half the time of the ``regex`` module's Unicode pattern. In ASCII, segtok's letters
#: and numbers are ``[A-Za-z0-9]``, its hyphens ``-``, and none of its non-ASCII apostrophes, superscripts or
#: subscripts can stand, so the alternatives that need them drop out. A unit test compares the two on every
#: ASCII piece of the corpus and on every string of up to four characters over the pattern's own symbols.
_ASCII_WORD = re.compile(
    r"((?:[A-Za-z0-9]\.(?!\.\.)|[A-Za-z0-9],(?=[A-Za-z0-9])|[0-9]:(?=[0-9])|[A-Za-z0-9]-(?=[A-Za-z0-9])"
    r"|[A-Za-z0-9]'(?=[A-Za-z0-9])|s'$|[A-Za-z0-9])+)"
)


@lru_cache(maxsize=65536)
def _piece(span: str) -> tuple[str, ...]:
    """segtok's word pattern's split of one space-separated piece, without empty strings: a piece of ASCII
    letters and digits only is one token; another ASCII piece goes through :data:`_ASCII_WORD`."""
    if span.isascii():
        if span.isalnum():
            return (span,)
        return tuple(token for token in _ASCII_WORD.split(span) if token)
    return tuple(token for token in _segtok_word_tokenizer.split(span) if token)


@lru_cache(maxsize=65536)
def _contractions(token: str) -> tuple[str, ...]:
    """``split_contractions([token])``: a contraction's pieces ("don't" -> "do", "n't"), else the token."""
    return tuple(split_contractions([token]))


def _splice(tokens: list[str]) -> list[str]:
    """segtok's ``word_tokenizer`` after its split: the sentence terminal off one of the last three tokens,
    then any dangling comma, semicolon or colon off every token."""
    for idx, word in enumerate(reversed(tokens[-3:]), 1):
        if (_segtok_word_tokenizer.match(word) and not APO_MATCHER.match(word)) or any(
            t in word for t in SENTENCE_TERMINALS
        ):
            last = len(word) - 1
            if last == 0 or word == "...":
                pass  # any case of "..." or any single character: left as it is
            elif any(word.rfind(t) == last for t in SENTENCE_TERMINALS):  # "stuff."
                tokens[-idx] = word[:-1]
                tokens.insert(len(tokens) - idx + 1, word[-1])
            elif any(word.find(t) == 0 for t in SENTENCE_TERMINALS):  # ".stuff"
                tokens[-idx] = word[0]
                tokens.insert(len(tokens) - idx + 1, word[1:])
            break
    dirty = True
    while dirty:
        dirty = False
        for idx, word in enumerate(reversed(tokens), 1):
            while len(word) > 1 and word[-1] in ",;:":
                char = word[-1]  # the dangling comma or colon
                word = word[:-1]
                tokens[-idx] = word
                tokens.insert(len(tokens) - idx + 1, char)
                idx += 1
                dirty = True
            if dirty:
                break  # restart the check: the indexes moved
    return tokens


def word_tokens(sentence: str) -> list[str]:
    """segtok's ``word_tokenizer(sentence)``."""
    if any(mark in sentence for mark in _LINEBREAKS):
        sentence = HYPHENATED_LINEBREAK.sub(r"\1\2", sentence)
    return _splice([token for span in space_tokenizer(sentence) for token in _piece(span)])


def web_tokens(sentence: str) -> list[str]:
    """segtok's ``web_tokenizer(sentence)``: URLs and e-mail addresses kept whole, the rest by
    :func:`word_tokens` once HTML escapes are undone."""
    if "://" not in sentence and "@" not in sentence:
        return word_tokens(unescape(sentence) if "&" in sentence else sentence)
    return [
        token
        for i, span in enumerate(web_tokenizer.split(sentence))
        for token in ((span,) if i % 2 else word_tokens(unescape(span)))
    ]


def yake_tokens(sentence: str) -> list[str]:
    """The tokens yake reads from one sentence (``tokenize_sentences``'s inner list)."""
    return [
        piece
        for token in web_tokens(sentence)
        for piece in _contractions(token)
        if piece and not (piece.startswith("'") and len(piece) > 1)
    ]
