# SPDX-License-Identifier: AGPL-3.0-or-later
"""A WsgiDAV provider over the decrypted drive: WsgiDAV speaks the protocol, this maps its
resources onto a ``DriveHandle`` (client/access).

GET reads only the chunks a range touches, each verified; PUT stages the body in a local file
and uploads it when the body is complete (the normal resumable upload); DELETE moves to the
trash; MOVE and COPY are the drive's own (a copy shares the content, nothing is uploaded again).
A listing or chunk that does not verify is a 502 before the body starts, or a broken response
after (the connection closes before the promised length), and is logged with its reason: never
wrong bytes.

An item the operator removed after a published decision (spec/compliance.md §3.4) is not listed
in its folder (as `sealbox ls` leaves it out: its name went with it). Reading it, or a name that
may be it (a name missing from a folder with removed items), answers ``451 Unavailable For
Legal Reasons`` with a plain-text body naming the decision, its reason code and how to appeal;
never 502, which is kept for tampering. Writing a new file or folder at such a name works.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from wsgidav.dav_error import (
    HTTP_BAD_GATEWAY,
    HTTP_CONFLICT,
    HTTP_FORBIDDEN,
    HTTP_NOT_FOUND,
    HTTP_PRECONDITION_FAILED,
    DAVError,
)
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider

from sealbox.client.access import DriveHandle, Entry, Removed, Tampered
from sealbox.client.access.writer import StagingWriter
from sealbox.client.sdk.tree import join_path, split_path

Warn = Callable[[str], None]
HTTP_LEGAL_REASONS = 451  # RFC 7725
LEGAL_REASONS = "451 Unavailable For Legal Reasons"
# Requests that read the resource at their own path: for these a removed item is a 451; the
# others (PUT, MKCOL, LOCK) may make a new item at the name.
READING = frozenset({"GET", "HEAD", "PROPFIND", "PROPPATCH", "DELETE", "COPY", "MOVE"})


class LegalReasons(DAVError):  # type: ignore[misc]
    """451 with a plain-text body: what was removed, by which decision, and how to appeal."""

    def __init__(self, removed: Removed) -> None:
        super().__init__(HTTP_LEGAL_REASONS, context_info=removed.words)
        self.body = f"{LEGAL_REASONS}\n\n{removed.words}.\n"

    def get_response_page(self) -> tuple[str, bytes]:
        return "text/plain; charset=utf-8", self.body.encode()


def legal_reasons_status(app: Any) -> Any:
    """``app`` with the reason phrase of 451 said in full (WsgiDAV knows no words for it)."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        def starting(status: str, headers: Any, exc_info: Any = None) -> Any:
            if status.startswith(f"{HTTP_LEGAL_REASONS} "):
                status = LEGAL_REASONS
            return start_response(status, headers, exc_info)

        return app(environ, starting)

    return wrapped


class DriveProvider(DAVProvider):  # type: ignore[misc]
    """The drive below ``base`` as a WebDAV share; ``warn`` receives every integrity failure."""

    def __init__(
        self, handle: DriveHandle, base: str = "/", read_only: bool = False,
        warn: Warn = lambda message: None, note: Warn = lambda message: None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.handle, self.base, self.readonly, self.warn = handle, split_path(base), read_only, warn
        self.note = note  # told of every request answered 451

    def is_readonly(self) -> bool:
        return self.readonly

    def remote(self, path: str) -> str:
        """The drive path of a DAV path."""
        return join_path([*self.base, *(p for p in path.split("/") if p)])

    def get_resource_inst(self, path: str, environ: dict[str, Any]) -> Any:
        self._count_get_resource_inst += 1
        try:
            with self.refusals(path, tell=_reads(path, environ)):
                entry = self.handle.stat(self.remote(path))
        except DAVError as exc:
            if exc.value == HTTP_NOT_FOUND:
                return None
            if exc.value == HTTP_LEGAL_REASONS and not _reads(path, environ):
                return None  # a PUT, a MKCOL or a target: the name is free for a new item
            raise
        return self.resource(path, environ, entry)

    def resource(self, path: str, environ: dict[str, Any], entry: Entry) -> Any:
        if entry.is_folder:
            return DriveFolder(path, environ, entry)
        return DriveFile(path, environ, entry)

    @contextmanager
    def refusals(self, path: str, tell: bool = True) -> Iterator[None]:
        """The handle's errors as the HTTP status a DAV client understands; ``tell``: a 451 is
        noted (not when the name is only looked at before a new item is made there)."""
        try:
            yield
        except Tampered as exc:
            self.warn(f"{path}: {exc.strerror}")
            raise DAVError(HTTP_BAD_GATEWAY, context_info=exc.strerror) from exc
        except Removed as exc:
            if tell:
                self.note(f"{path}: {LEGAL_REASONS}: {exc.words}")
            raise LegalReasons(exc) from exc
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise DAVError(HTTP_NOT_FOUND) from exc
        except FileExistsError as exc:
            raise DAVError(HTTP_PRECONDITION_FAILED) from exc
        except (IsADirectoryError, PermissionError) as exc:
            raise DAVError(HTTP_CONFLICT, context_info=str(exc)) from exc

    def writable(self) -> None:
        if self.readonly:
            raise DAVError(HTTP_FORBIDDEN, context_info="this share is read-only")


def _reads(path: str, environ: dict[str, Any]) -> bool:
    """Whether the request reads the resource at ``path`` (its own path, not a target)."""
    own = environ.get("PATH_INFO", "").rstrip("/") == path.rstrip("/")
    return own and environ.get("REQUEST_METHOD", "") in READING


class _Resource:
    """What files and folders share: where they are, what the listing said, and the changes."""

    path: str
    provider: DriveProvider
    entry: Entry

    @property
    def remote(self) -> str:
        return self.provider.remote(self.path)

    def get_last_modified(self) -> float:
        return self.entry.mtime

    def get_creation_date(self) -> float:
        return self.entry.mtime

    def get_display_name(self) -> str:
        return self.entry.name

    def delete(self) -> None:
        self.provider.writable()
        with self.provider.refusals(self.path):
            self.provider.handle.delete(self.remote)
        self.remove_all_properties(recursive=True)  # type: ignore[attr-defined]
        self.remove_all_locks(recursive=True)  # type: ignore[attr-defined]

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    def move_recursive(self, dest_path: str) -> list[Any]:
        self.provider.writable()
        with self.provider.refusals(self.path):
            self.provider.handle.move(self.remote, self.provider.remote(dest_path))
        self._carry_properties(dest_path, move=True)
        return []

    def _carry_properties(self, dest_path: str, move: bool) -> None:
        """Dead properties (kept by this server, in memory) follow a copy or a move."""
        manager = self.provider.prop_manager
        if manager is None:
            return
        target = self.provider.get_resource_inst(dest_path, self.environ)  # type: ignore[attr-defined]
        if target is None:
            return
        source, dest = self.get_ref_url(), target.get_ref_url()  # type: ignore[attr-defined]
        if move:
            manager.move_properties(source, dest, with_children=True, environ=self.environ)  # type: ignore[attr-defined]
        else:
            manager.copy_properties(source, dest, environ=self.environ)  # type: ignore[attr-defined]


class DriveFile(_Resource, DAVNonCollection):  # type: ignore[misc]
    def __init__(self, path: str, environ: dict[str, Any], entry: Entry) -> None:
        super().__init__(path, environ)
        self.entry = entry
        self._writer: StagingWriter | None = None

    def get_content_length(self) -> int:
        return self.entry.size

    def get_content_type(self) -> str:
        guessed = mimetypes.guess_type(self.entry.name)[0]
        return self.entry.mime or guessed or "application/octet-stream"

    def get_etag(self) -> str:
        return self.entry.etag

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return True

    def get_content(self) -> Any:
        with self.provider.refusals(self.path):
            return _Refusing(self.provider.handle.open_read(self.remote), self.provider.warn)

    def begin_write(self, *, content_type: str | None = None) -> Any:
        self.provider.writable()
        with self.provider.refusals(self.path):
            self._writer = self.provider.handle.open_write(self.remote)
        return _Uploading(self._writer, self.provider, self.path)

    def end_write(self, *, with_errors: bool) -> None:
        if self._writer is not None and with_errors:
            self._writer.discard()
        self._writer = None
        if not with_errors:
            with self.provider.refusals(self.path):
                self.entry = self.provider.handle.stat(self.remote)

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self.provider.writable()
        handle, target = self.provider.handle, self.provider.remote(dest_path)
        with self.provider.refusals(self.path):
            if handle.exists(target):
                handle.delete(target)
            if is_move:
                handle.move(self.remote, target)
            else:
                handle.copy(self.remote, target)
        self._carry_properties(dest_path, move=is_move)


class DriveFolder(_Resource, DAVCollection):  # type: ignore[misc]
    def __init__(self, path: str, environ: dict[str, Any], entry: Entry) -> None:
        super().__init__(path, environ)
        self.entry = entry

    def get_etag(self) -> None:
        return None

    def _entries(self) -> list[Entry]:
        with self.provider.refusals(self.path):
            return self.provider.handle.listdir(self.remote)

    def get_member_names(self) -> list[str]:
        return [entry.name for entry in self._entries()]

    def get_member_list(self) -> list[Any]:
        base = self.path.rstrip("/")
        return [
            self.provider.resource(f"{base}/{entry.name}", self.environ, entry)
            for entry in self._entries()
        ]

    def get_member(self, name: str) -> Any:
        return self.provider.get_resource_inst(f"{self.path.rstrip('/')}/{name}", self.environ)

    def create_empty_resource(self, name: str) -> Any:
        """The file a PUT is about to write, which exists once its body is uploaded; or, for a
        LOCK of an unmapped name, an empty file made now (RFC 4918, 9.10.4)."""
        self.provider.writable()
        path = f"{self.path.rstrip('/')}/{name}"
        remote = self.provider.remote(path)
        if self.environ.get("REQUEST_METHOD") == "LOCK":
            with self.provider.refusals(path):
                self.provider.handle.open_write(remote).close()
                return DriveFile(path, self.environ, self.provider.handle.stat(remote))
        return DriveFile(path, self.environ, Entry(remote, name, False, 0, 0.0, "", "new"))

    def create_collection(self, name: str) -> None:
        self.provider.writable()
        with self.provider.refusals(self.path):
            self.provider.handle.mkdir(self.provider.remote(f"{self.path.rstrip('/')}/{name}"))

    def support_recursive_delete(self) -> bool:
        return True

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        """A folder alone: made empty at the target (WsgiDAV copies the members one by one)."""
        self.provider.writable()
        target = self.provider.remote(dest_path)
        with self.provider.refusals(self.path):
            if not self.provider.handle.exists(target):
                self.provider.handle.mkdir(target)
        self._carry_properties(dest_path, move=False)


class _Refusing:
    """A GET's body: a chunk that does not verify is logged and ends the response early."""

    def __init__(self, reader: Any, warn: Warn) -> None:
        self._reader, self._warn = reader, warn

    def seek(self, offset: int) -> int:
        return int(self._reader.seek(offset))

    def read(self, size: int = -1) -> bytes:
        try:
            return bytes(self._reader.read(size))
        except Tampered as exc:
            self._warn(f"{self._reader.path}: {exc.strerror}")
            raise

    def close(self) -> None:
        self._reader.close()


class _Uploading:
    """A PUT's body into a staging file; closing it uploads, with the handle's errors mapped."""

    def __init__(self, writer: StagingWriter, provider: DriveProvider, path: str) -> None:
        self._writer, self._provider, self._path = writer, provider, path

    def write(self, data: bytes) -> int:
        return self._writer.write(data)

    def close(self) -> None:
        with self._provider.refusals(self._path):
            self._writer.close()
