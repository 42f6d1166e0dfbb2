"""Documents' files, named under ``documents/<owner>/``; the storage helpers are shared (apps/core/storage.py)."""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage

from apps.core import storage as shared
from apps.core.storage import READ_BLOCK, file_delete, file_open, file_save, files_delete_prefix

__all__ = ["file_delete", "file_open", "file_save", "files_delete_prefix", "local_copy", "presigned_url", "sha256_of"]


def storage_name_for(*, owner_id: int, extension: str) -> str:
    """Never derived from the client's file name: no path tricks, no collisions, no personal data."""
    return f"documents/{owner_id}/{uuid.uuid4().hex}.{extension}"


def owner_prefix(owner_id: int) -> str:
    return f"documents/{owner_id}/"


def sha256_of(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while block := file.read(READ_BLOCK):
        digest.update(block)
    file.seek(0)
    return digest.hexdigest()


@contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A path to the stored file readable by PDF/Office libraries; downloaded in blocks when remote."""
    with shared.local_copy(name, temp_prefix="lp-doc-") as path:
        yield path


def presigned_url(*, name: str, filename: str, media_type: str) -> str | None:
    """A short-lived signed URL that downloads as an attachment, or None when storage cannot sign (local)."""
    if not getattr(settings, "S3_BUCKET", ""):
        return None
    return str(
        default_storage.url(  # type: ignore[call-arg]  # S3Storage.url takes these
            name,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{_ascii(filename)}"',
                "ResponseContentType": media_type,
            },
            expire=settings.S3_PRESIGNED_TTL_SECONDS,
        )
    )


def _ascii(filename: str) -> str:
    return filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
