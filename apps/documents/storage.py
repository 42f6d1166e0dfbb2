"""Stored files go through Django's default storage: local files by default, S3 when S3_BUCKET is set."""

import contextlib
import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

READ_BLOCK = 1024 * 1024


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


def file_save(*, name: str, file: IO[bytes]) -> str:
    """Streams ``file`` to storage in blocks (S3: a multipart upload) and returns the stored name."""
    file.seek(0)
    return default_storage.save(name, File(file))


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
def local_copy(name: str) -> Iterator[str]:
    """A path to the stored file readable by PDF/Office libraries; downloaded in blocks when remote."""
    try:
        yield default_storage.path(name)
        return
    except NotImplementedError:
        pass
    handle, path = tempfile.mkstemp(prefix="lp-doc-", suffix=os.path.splitext(name)[1])
    try:
        with os.fdopen(handle, "wb") as target, default_storage.open(name, "rb") as source:
            while block := source.read(READ_BLOCK):
                target.write(block)
        yield path
    finally:
        os.unlink(path)


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
