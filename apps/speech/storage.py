"""Audio files go through Django's default storage like documents' files: local files by default, S3 when
S3_BUCKET is set. Names never come from the client."""

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

READ_BLOCK = 1024 * 1024


def owner_prefix(owner_id: int) -> str:
    return f"speech/{owner_id}/"


def name_for(*, owner_id: int, extension: str) -> str:
    return f"{owner_prefix(owner_id)}{uuid.uuid4().hex}.{extension}"


def file_save(*, name: str, file: IO[bytes]) -> str:
    file.seek(0)
    return default_storage.save(name, File(file))


def bytes_save(*, name: str, content: bytes) -> str:
    return default_storage.save(name, ContentFile(content))


def file_delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def files_delete_prefix(prefix: str) -> int:
    try:
        _, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return 0
    for filename in files:
        default_storage.delete(prefix + filename)
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(prefix))
    return len(files)


def file_open(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


@contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A path FFmpeg can read; downloaded in blocks when the storage is remote."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    handle, path = tempfile.mkstemp(prefix="lp-audio-", suffix=os.path.splitext(name)[1])
    try:
        with os.fdopen(handle, "wb") as target, default_storage.open(name, "rb") as source:
            while block := source.read(READ_BLOCK):
                target.write(block)
        yield path
    finally:
        os.unlink(path)
