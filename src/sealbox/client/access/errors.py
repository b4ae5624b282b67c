# SPDX-License-Identifier: AGPL-3.0-or-later
"""The SDK's failures as the operating-system errors that programs reading files expect.

Programs that only know files (a WebDAV client, pandas through fsspec) understand ``OSError``s:
a missing name is ``FileNotFoundError``, a name in the way ``FileExistsError``. Anything the
server returned that does not verify is ``Tampered``, an ``OSError`` with ``EIO``: an input/output
error, never bytes. An item the operator removed after a published decision is ``Removed``, a
``PermissionError`` (``EACCES``): not tampering, and not simply missing either
(spec/compliance.md §3.4).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from sealbox.client.sdk.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    RemovedError,
    SealboxError,
    WithheldError,
)
from sealbox.client.sdk.removals import REASON_WORDS
from sealbox.crypto.errors import IntegrityError
from sealbox.protocol.errors import ErrorCode as Wire

APPEAL = (
    "A removal is a public decision, not damage and not the server hiding files: "
    "`sealbox notices` lists your notices, shows the decision and how to file a counter-notice "
    "or an appeal"
)


class Tampered(OSError):
    """The server returned something that does not verify; nothing of it was handed on."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            errno.EIO,
            f"the server returned something that does not verify ({reason}); nothing of it was "
            "used. Try again later, and tell the server's operator if it persists",
        )


class Removed(PermissionError):
    """The operator removed the item after a published decision (spec/compliance.md §3.4):
    ``EACCES``, with a message in plain words naming each decision and its reason code. For a
    name missing from a folder with removed items, ``certain`` is False: the drive cannot say
    which of them it was (their names went with them), only that it may be one."""

    def __init__(self, path: str, removals: list[tuple[str, str]], certain: bool) -> None:
        self.removals = removals  # (reason code, decision public id)
        self.certain = certain
        named = "; ".join(_named(reason, decision) for reason, decision in removals[:3])
        if certain:
            what = f"The operator removed this item {named}."
        else:
            what = (
                f"The operator removed {len(removals)} item(s) of this folder {named}, and this "
                "may be one of them."
            )
        super().__init__(errno.EACCES, f"{what} {APPEAL}", path)

    @property
    def words(self) -> str:
        """The message alone, for a person (the path is said apart)."""
        return str(self.strerror)


def _named(reason: str, decision: str) -> str:
    shown = [f"reason {reason}" if reason else "", f"decision {decision}" if decision else ""]
    said = ", ".join(part for part in shown if part)
    return f"after {REASON_WORDS.get(reason, 'a decision')}" + (f" ({said})" if said else "")


def _removed(path: str, exc: RemovedError) -> Removed:
    return Removed(path, [(r.reason, r.decision) for r in exc.removals], False)


def not_found(path: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, "no such file or folder in the drive", path)


@contextmanager
def as_os_errors(path: str) -> Iterator[None]:
    """Raise the SDK's refusals inside as ``OSError``s naming ``path``."""
    try:
        yield
    except IntegrityError as exc:
        raise Tampered(str(exc)) from exc
    except WithheldError as exc:
        raise Tampered(str(exc)) from exc
    except RemovedError as exc:
        raise _removed(path, exc) from exc
    except NotFoundError as exc:
        raise FileNotFoundError(errno.ENOENT, str(exc), path) from exc
    except ConflictError as exc:
        if "already exists" in str(exc) or "in the way" in str(exc):
            raise FileExistsError(errno.EEXIST, str(exc), path) from exc
        raise PermissionError(errno.EPERM, str(exc), path) from exc
    except ApiError as exc:
        if exc.code in (Wire.LINK_REMOVED, Wire.CONTENT_REMOVED):
            raise Removed(path, [(exc.reason or "", exc.decision or "")], True) from exc
        if exc.code in (Wire.FORBIDDEN, Wire.UNAUTHORIZED):
            raise PermissionError(errno.EACCES, str(exc), path) from exc
        raise OSError(errno.EIO, f"the server refused: {exc}", path) from exc
    except SealboxError as exc:
        raise OSError(errno.EINVAL, str(exc), path) from exc
