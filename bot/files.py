"""Attachments belong to the bot: each file a resident sends is stored once, by its SHA-256, with
its size and the type its bytes show (never the name or what the sender's app claims), so that an
officer on any channel can open what a resident sent on another.

The store's interface is two calls (`put`, `read`), small enough for an object store later; the
default keeps files in a folder (`files_dir`, by default a `files` folder next to the SQLite
database). Writes and reads run in a thread, so a large file never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.model import Attachment

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE2_TYPES = {  # an OLE2 file says its kind only deep inside; its extension chooses among these
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
OOXML_TYPES = {  # the folder of the main part, in [Content_Types].xml
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff(data: bytes, name: str | None = None) -> str:
    """The type of a file from its first bytes (and, for Office and ODF, its ZIP directory);
    "application/octet-stream" when it is none of the types the bot knows."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(OLE2):
        extension = (name or "").rsplit(".", 1)[-1].lower()
        return OLE2_TYPES.get(extension, "application/x-ole-storage")
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return "application/octet-stream"


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:  # ODF: the first entry names the type
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            if "[Content_Types].xml" in names:
                for folder, mime in OOXML_TYPES.items():
                    if any(n.startswith(folder) for n in names):
                        return mime
    except (zipfile.BadZipFile, OSError, KeyError):
        pass
    return "application/zip"


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    mime: str


class FileStore(Protocol):
    async def put(self, data: bytes, *, name: str | None, mime: str) -> StoredFile: ...

    async def read(self, key: str) -> bytes: ...


class FolderStore:
    """Files in a folder, named by their SHA-256 (the same file sent twice is kept once)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.root / key[:2] / key

    async def put(self, data: bytes, *, name: str | None, mime: str) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, self._path(digest), data)
        return StoredFile(key=digest, size=len(data), sha256=digest, mime=mime)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or absent, even if the process dies while writing

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)


def default_files_dir(settings: Settings) -> Path:
    """`files_dir`, or a `files` folder next to the SQLite database (PostgreSQL: data/files)."""
    if settings.files_dir:
        return Path(settings.files_dir)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).resolve().parent / "files"
    return Path("data") / "files"


async def keep(store: FileStore, attachment: Attachment, data: bytes) -> Attachment:
    """Store what a resident sent; the Attachment handed to the handlers then carries the store
    key, the hash, the real size and the type read from the bytes."""
    stored = await store.put(data, name=attachment.name, mime=sniff(data, attachment.name))
    return replace(attachment, key=stored.key, sha256=stored.sha256, size=stored.size,
                   mime=stored.mime)
