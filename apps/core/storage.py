"""Stored files go through Django's default storage: local files by default, S3 when S3_BUCKET is set. The
apps that keep files (documents, speech) name them under a prefix of their own and share these helpers."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

READ_BLOCK = 1024 * 1024


def file_save(*, name: str, file: IO[bytes]) -> str:
    """Streams ``file`` to storage in blocks (S3: a multipart upload) and returns the stored name."""
    file.seek(0)
    return default_storage.save(name, File(file))


def bytes_save(*, name: str, content: bytes) -> str:
    return default_storage.save(name, ContentFile(content))


def file_open(name: str) -> IO[bytes]:
    """The stored file, opened for reading in binary (streamed from S3, not downloaded first)."""
    return default_storage.open(name, "rb")


def file_delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def files_delete_prefix(prefix: str) -> int:
    """Deletes every stored file under ``prefix`` (an erased learner's files)."""
    try:
        _, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for filename in files:
        default_storage.delete(prefix + filename)
    with contextlib.suppress(NotImplementedError, OSError):  # local files: drop the emptied folder too
        os.rmdir(default_storage.path(prefix))
    return len(files)


@contextmanager
def local_copy(name: str, *, temp_prefix: str = "lp-") -> Iterator[str]:
    """A path to the stored file that a library or FFmpeg can read; downloaded in blocks when remote."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    handle, path = tempfile.mkstemp(prefix=temp_prefix, suffix=os.path.splitext(name)[1])
    try:
        with os.fdopen(handle, "wb") as target, default_storage.open(name, "rb") as source:
            while block := source.read(READ_BLOCK):
                target.write(block)
        yield path
    finally:
        os.unlink(path)
