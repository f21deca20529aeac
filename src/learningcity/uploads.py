"""Uploads are read a chunk at a time, and never kept past the largest file any form takes.

Each upload form refuses a file larger than its own limit (an evidence file, an import, a boundary file…),
but Django has received the whole body by then, written to a temporary file: a browser could fill the disk
before the form says no. `CappedUploadHandler` comes first among the upload handlers: it passes a file's
chunks on to Django's own until the file passes `UPLOAD_MAX_BYTES` (the largest of the forms' limits), then
keeps nothing more of it and puts a `TooLarge` file in its place, whose size is what was sent. Every form
then refuses it with its own message, as it refuses any file above its limit; the other fields of the form
(the CSRF token among them) are read as usual.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class TooLarge(UploadedFile):
    """In place of a file larger than any form takes: no content, its size as sent."""

    def __init__(self, name: str, content_type: str, size: int) -> None:
        super().__init__(file=io.BytesIO(), name=name, content_type=content_type, size=size)


class CappedUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.UPLOAD_MAX_BYTES:
            return None  # the rest of this file reaches no handler: neither memory nor disk
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= settings.UPLOAD_MAX_BYTES:
            return None  # within the cap: Django's own handler completes it
        return TooLarge(self.file_name or "", self.content_type or "", file_size)
