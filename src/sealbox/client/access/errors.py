# SPDX-License-Identifier: AGPL-3.0-or-later
"""The SDK's failures as the operating-system errors that programs reading files expect.

Programs that only know files (a WebDAV client, pandas through fsspec) understand ``OSError``s:
a missing name is ``FileNotFoundError``, a name in the way ``FileExistsError``. Anything the
server returned that does not verify is ``Tampered``, an ``OSError`` with ``EIO``: an input/output
error, never bytes.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from sealbox.client.sdk.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    SealboxError,
    WithheldError,
)
from sealbox.crypto.errors import IntegrityError
from sealbox.protocol.errors import ErrorCode as Wire


class Tampered(OSError):
    """The server returned something that does not verify; nothing of it was handed on."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            errno.EIO,
            f"the server returned something that does not verify ({reason}); nothing of it was "
            "used. Try again later, and tell the server's operator if it persists",
        )


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
    except NotFoundError as exc:
        raise FileNotFoundError(errno.ENOENT, str(exc), path) from exc
    except ConflictError as exc:
        if "already exists" in str(exc) or "in the way" in str(exc):
            raise FileExistsError(errno.EEXIST, str(exc), path) from exc
        raise PermissionError(errno.EPERM, str(exc), path) from exc
    except ApiError as exc:
        if exc.code in (Wire.FORBIDDEN, Wire.UNAUTHORIZED):
            raise PermissionError(errno.EACCES, str(exc), path) from exc
        raise OSError(errno.EIO, f"the server refused: {exc}", path) from exc
    except SealboxError as exc:
        raise OSError(errno.EINVAL, str(exc), path) from exc
