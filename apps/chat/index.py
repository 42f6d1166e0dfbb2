"""The learner's index: chunks stored in the database (terms + float32 vector), searched in memory.

Each process keeps a few learners' indexes in memory (an LRU cache, not a source of truth) and reloads one
when its ``LearnerIndex.revision`` changed, so an index written by a worker is seen by every web process.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F

from apps.chat import retrieval
from apps.chat.models import IndexedChunk, LearnerIndex
from apps.chat.text import terms
from apps.documents.selectors import ChunkInfo
from apps.generation import embeddings


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with what a citation needs."""

    document_id: int
    document_title: str
    course: str
    chunk_index: int
    page_number: int
    char_start: int
    char_end: int
    text: str
    similarity: float
    score: float


@dataclass
class LoadedIndex:
    revision: int
    passages: list[Passage]  # similarity/score unset (0)
    document_ids: np.ndarray
    courses: np.ndarray
    vectors: np.ndarray
    bm25: retrieval.Bm25


_cache: "OrderedDict[int, LoadedIndex]" = OrderedDict()
_cache_lock = threading.Lock()


def _bump(owner_id: int) -> None:
    index, _ = LearnerIndex.objects.get_or_create(owner_id=owner_id)
    LearnerIndex.objects.filter(pk=index.pk).update(revision=F("revision") + 1)


def index_document(*, owner_id: int, document_id: int, title: str, course: str, chunks: list[ChunkInfo]) -> int:
    """Replaces the document's indexed chunks with ``chunks`` (embedded here). Returns how many were indexed."""
    vectors = embeddings.embed([chunk.text for chunk in chunks]) if chunks else None
    rows = [
        IndexedChunk(
            owner_id=owner_id,
            document_id=document_id,
            document_title=title[:255],
            course=course,
            chunk_index=chunk.index,
            page_number=chunk.page_number,
            char_start=chunk.char_start,
            char_end=chunk.char_end,
            text=chunk.text,
            terms=" ".join(terms(chunk.text)),
            vector=embeddings.to_bytes(vectors[i]) if vectors is not None else b"",
        )
        for i, chunk in enumerate(chunks)
    ]
    with transaction.atomic():
        IndexedChunk.objects.filter(document_id=document_id).delete()
        IndexedChunk.objects.bulk_create(rows, batch_size=500)
        _bump(owner_id)
    return len(rows)


def index_drop_document(*, document_id: int) -> int:
    with transaction.atomic():
        owners = set(IndexedChunk.objects.filter(document_id=document_id).values_list("owner_id", flat=True))
        deleted, _ = IndexedChunk.objects.filter(document_id=document_id).delete()
        for owner_id in owners:
            _bump(owner_id)
    return deleted


def index_drop_owner(*, owner_id: int) -> int:
    deleted, _ = IndexedChunk.objects.filter(owner_id=owner_id).delete()
    LearnerIndex.objects.filter(owner_id=owner_id).delete()
    with _cache_lock:
        _cache.pop(owner_id, None)
    return deleted


def cache_clear() -> None:
    """Empties this process's cache (tests: a rolled-back test database reuses learner ids and revisions, which
    a cache outliving the rollback would take for current; in production neither is ever reused)."""
    with _cache_lock:
        _cache.clear()


def _revision(owner_id: int) -> int:
    return LearnerIndex.objects.filter(owner_id=owner_id).values_list("revision", flat=True).first() or 0


def _load(owner_id: int, revision: int) -> LoadedIndex:
    rows = list(
        IndexedChunk.objects.filter(owner_id=owner_id)
        .order_by("document_id", "chunk_index")
        .values_list(
            "document_id", "document_title", "course", "chunk_index", "page_number", "char_start", "char_end",
            "text", "terms", "vector",
        )
    )  # fmt: skip
    passages = [Passage(*row[:8], similarity=0.0, score=0.0) for row in rows]
    return LoadedIndex(
        revision=revision,
        passages=passages,
        document_ids=np.array([row[0] for row in rows], dtype=np.int64),
        courses=np.array([row[2] for row in rows], dtype=object),
        vectors=embeddings.from_bytes([row[9] for row in rows]),
        bm25=retrieval.Bm25([row[8].split() for row in rows]),
    )


def learner_index(owner_id: int) -> LoadedIndex:
    """The learner's index, from this process's cache while its revision is current."""
    revision = _revision(owner_id)
    with _cache_lock:
        cached = _cache.get(owner_id)
        if cached is not None and cached.revision == revision:
            _cache.move_to_end(owner_id)
            return cached
    loaded = _load(owner_id, revision)
    with _cache_lock:
        _cache[owner_id] = loaded
        _cache.move_to_end(owner_id)
        while len(_cache) > settings.CHAT_INDEX_CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def search(
    *,
    owner_id: int,
    question: str,
    document_id: int | None = None,
    course: str | None = None,
    k: int = 5,
    mode: str = "hybrid",
) -> list[Passage]:
    """The learner's best ``k`` passages for ``question``, optionally within one document or course."""
    loaded = learner_index(owner_id)
    if not loaded.passages:
        return []
    mask = np.ones(len(loaded.passages), dtype=bool)
    if document_id is not None:
        mask &= loaded.document_ids == document_id
    if course:
        mask &= loaded.courses == course
    hits = retrieval.hybrid_search(
        bm25=loaded.bm25,
        vectors=loaded.vectors,
        query_terms=terms(question),
        query_vector=embeddings.embed([question])[0],
        mask=mask,
        k=k,
        mode=mode,
    )
    results: list[Passage] = []
    for hit in hits:
        results.append(replace(loaded.passages[hit.position], similarity=hit.similarity, score=hit.score))
    return results
