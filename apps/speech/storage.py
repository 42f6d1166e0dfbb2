"""Audio files go through Django's default storage like documents' files (apps/core/storage.py): local files by
default, S3 when S3_BUCKET is set. Names never come from the client."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from apps.core import storage as shared
from apps.core.storage import bytes_save, file_delete, file_open, file_save, files_delete_prefix

__all__ = ["bytes_save", "file_delete", "file_open", "file_save", "files_delete_prefix", "local_copy", "name_for"]


def owner_prefix(owner_id: int) -> str:
    return f"speech/{owner_id}/"


def name_for(*, owner_id: int, extension: str) -> str:
    return f"{owner_prefix(owner_id)}{uuid.uuid4().hex}.{extension}"


@contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A path FFmpeg can read; downloaded in blocks when the storage is remote."""
    with shared.local_copy(name, temp_prefix="lp-audio-") as path:
        yield path
