# SPDX-License-Identifier: AGPL-3.0-or-later
"""Global options, password sources, and turning failures into messages and exit codes."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypedDict, TypeVar

import httpx
import typer

from sealbox.client.cli import debug, exits
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import emit_json, emit_json_error, json_errors, terminal_safe
from sealbox.client.cli.tls_trust import tls_trust
from sealbox.client.sdk import account
from sealbox.client.sdk.api import DEFAULT_DEADLINE, Api, Http
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    NotLoggedIn,
    RemovedError,
    SealboxError,
    ServerTimeout,
    SomeFailed,
    WithheldError,
    WrongLink,
)
from sealbox.client.sdk.files import Reporter
from sealbox.client.sdk.removals import Noticed
from sealbox.client.sdk.state import LocalState, default_home
from sealbox.client.sdk.transfers import PARTIAL_PREFIX, PARTIAL_SUFFIX
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.protocol.errors import ErrorCode as Wire

T = TypeVar("T")


@dataclass
class Options:
    server: str | None
    home: Path
    quiet: bool
    password_stdin: bool
    timeout: float = DEFAULT_DEADLINE

    def state(self) -> LocalState:
        return LocalState(self.home)

    def server_url(self, state: LocalState | None = None) -> str:
        if self.server:
            return self.server.rstrip("/")
        stored = state.load_session() if state else None
        if stored:
            return stored.server
        env = os.environ.get("SEALBOX_SERVER")
        if env:
            return env.rstrip("/")
        fail("no server: pass --server URL or set SEALBOX_SERVER", Exit.USAGE)

    def show_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


def options(ctx: typer.Context) -> Options:
    opts = ctx.find_root().obj
    if not isinstance(opts, Options):  # the app's callback sets them before any command runs
        raise TypeError("a command ran without the options the app's callback sets")
    return opts


def make_options(
    server: str | None,
    home: Path | None,
    quiet: bool,
    password_stdin: bool,
    timeout: float | None = None,
) -> Options:
    return Options(
        server=server or os.environ.get("SEALBOX_SERVER"),
        home=home or default_home(),
        quiet=quiet,
        password_stdin=password_stdin,
        timeout=_seconds(timeout, "--timeout")
        if timeout is not None
        else deadline_from_environment(),
    )


def deadline_from_environment() -> float:
    """``SEALBOX_TIMEOUT``: seconds a request may take (for content, per chunk)."""
    text = os.environ.get("SEALBOX_TIMEOUT", "")
    if not text:
        return DEFAULT_DEADLINE
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    return _seconds(value, "SEALBOX_TIMEOUT")


def _seconds(value: float, what: str) -> float:
    if not 0 < value < 1e9:
        fail(f"{what} is a number of seconds above 0", Exit.USAGE)
    return value


def fail(message: str, code: int = Exit.ERROR) -> NoReturn:
    # Messages carry what a server or another writer chose (an error's text, a name): escaped,
    # so they cannot drive the terminal or pass for a line of our own.
    if json_errors():
        emit_json_error(code, message)
    else:
        typer.echo(f"sealbox: {terminal_safe(message)}", err=True)
    raise typer.Exit(code)


def done(opts: Options, json_out: bool, message: str, **result: object) -> None:
    """How a command that changed something reports it: ``result`` as JSON with ``--json``,
    else ``message`` as a notice (which -q silences)."""
    if json_out:
        emit_json(result)
    else:
        note(opts, message)


def confirm_or_stop(question: str, yes: bool) -> None:
    """Ask ``question`` on the terminal before something that cannot be undone; ``--yes``
    skips it. Without a terminal to ask on, refuse rather than guess."""
    if yes:
        return
    if not sys.stdin.isatty():
        fail(f"{question} No terminal to ask on: pass --yes to confirm.", Exit.USAGE)
    if not typer.confirm(question, err=True):
        fail("nothing was changed", Exit.ERROR)


def note(opts: Options, message: str) -> None:
    if not opts.quiet:
        typer.echo(terminal_safe(message), err=True)


def item_notices(opts: Options, report: Reporter) -> Reporter:
    """``report`` telling, on standard error, of each item a transfer of many could not do
    (always, even with -q: the exit status alone does not say which) or skipped."""

    def failed(path: str, reason: str) -> None:
        typer.echo(f"sealbox: failed: {terminal_safe(path)}: {terminal_safe(reason)}", err=True)

    def skipped(path: str, why: str) -> None:
        note(opts, f"skipped {path}: {why}")

    report.failed, report.skipped = failed, skipped
    return report


def exit_if_withheld(withheld: list[tuple[str, int]]) -> None:
    """After a reading command did what it could: name each folder whose listing the server cut
    short, and exit 3 (spec/metadata.md, "Walking a tree")."""
    for path, count in withheld:
        shown = terminal_safe(path)
        typer.echo(f"sealbox: warning: the server withheld {count} item(s) of {shown}", err=True)
    if withheld:
        raise typer.Exit(Exit.INTEGRITY)


_stdin_lines: list[str] | None = None


def _stdin_line(what: str) -> str:
    global _stdin_lines
    if _stdin_lines is None:
        _stdin_lines = sys.stdin.read().splitlines()
    if not _stdin_lines:
        fail(f"--password-stdin: no line left on standard input for the {what}", Exit.USAGE)
    return _stdin_lines.pop(0)


def secret(opts: Options, what: str, env: str = "SEALBOX_PASSWORD", confirm: bool = False) -> str:
    """A password from the environment, standard input, or a prompt, in that order.

    With the environment variable set nothing ever prompts, so scripts can run every command with
    standard input closed.
    """
    value = os.environ.get(env)
    if value:
        return value
    if opts.password_stdin:
        return _stdin_line(what)
    if os.environ.get("SEALBOX_PASSWORD") or not sys.stdin.isatty():
        fail(f"no {what}: set {env} or use --password-stdin", Exit.USAGE)
    first = getpass.getpass(f"{what.capitalize()}: ")
    if confirm and getpass.getpass(f"Repeat the {what}: ") != first:
        fail("the two entries differ", Exit.USAGE)
    return first


class KdfSettings(TypedDict, total=False):
    opslimit: int
    memlimit: int


def kdf_settings() -> KdfSettings:
    """Password-stretching cost for new passwords; raising it is safe, the floor still applies."""
    out: KdfSettings = {}
    if "SEALBOX_KDF_OPSLIMIT" in os.environ:
        out["opslimit"] = int(os.environ["SEALBOX_KDF_OPSLIMIT"])
    if "SEALBOX_KDF_MEMLIMIT_MIB" in os.environ:
        out["memlimit"] = int(os.environ["SEALBOX_KDF_MEMLIMIT_MIB"]) * 1024 * 1024
    return out


# Content a command fetches through httpx before it opens the bulk download pool (sdk/api.py,
# Http): a get of a few small files opens no second connection (over the Internet, a TLS
# handshake); a large one moves at most its first 16 MiB through httpx.
BULK_FROM = 16 * 1024 * 1024


def http_client(server: str, deadline: float | None = None) -> Http:
    """The connection pool for one command. ``deadline`` bounds every request whole (for
    content, every chunk); httpx's own timeouts bound each connect and each read within it."""
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    deadline = deadline if deadline is not None else deadline_from_environment()
    read = min(60.0, deadline)
    timeout = httpx.Timeout(read, connect=min(10.0, deadline))
    hooks = {"request": [debug.log_request], "response": [debug.log_response]}
    return Http(base_url=server, limits=limits, timeout=timeout, deadline=deadline,
                event_hooks=hooks, bulk_from=BULK_FROM, verify=tls_trust(server))  # fmt: skip


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (it comes with the server's uvicorn[standard]): its socket
    reads cost a fraction of asyncio's, which matters when a download receives a GB."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


# What the server's refusals mean here, by wire code: the exit code, and our own words where the
# server's would be jargon (its text is unauthenticated anyway). Codes not listed exit 1.
_REFUSALS: dict[str, tuple[int, str | None]] = {
    Wire.UNAUTHORIZED: (Exit.AUTH, exits.SESSION_ENDED),
    Wire.BAD_CREDENTIALS: (Exit.AUTH, exits.WRONG_CREDENTIALS),
    Wire.NOT_FOUND: (Exit.NOT_FOUND, None),
    Wire.LINK_EXPIRED: (Exit.NOT_FOUND, None),
    Wire.LINK_EXHAUSTED: (Exit.NOT_FOUND, None),
    Wire.FORBIDDEN: (Exit.DENIED, None),
    Wire.STALE_MANIFEST: (Exit.CONFLICT, None),
    Wire.USERNAME_TAKEN: (Exit.CONFLICT, None),
    Wire.USER_ID_TAKEN: (Exit.CONFLICT, None),
    Wire.ID_TAKEN: (Exit.CONFLICT, None),
    # The server's words say suspended or closed, and what the account can still do.
    Wire.ACCOUNT_SUSPENDED: (Exit.DENIED, None),
}


def run(
    coro_factory: Callable[[], Awaitable[T]],
    *,
    local: Path | None = None,
    credentials: str = exits.WRONG_CREDENTIALS,
) -> T:
    """Run one command's coroutine and map every failure to a message and an exit code.
    ``local`` is the local path the command writes or reads, named when the system refuses it
    without a name of its own; ``credentials`` is what "wrong credentials" means here."""
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_awaited(coro_factory))
    except WrongLink:
        fail(exits.WRONG_LINK, Exit.USAGE)
    except IntegrityError as exc:
        if exc.code == ErrorCode.COMMITMENT_MISMATCH:
            fail(exits.WRONG_LINK_PASSWORD, Exit.AUTH)
        if exc.code == ErrorCode.KEY_CHANGED:
            fail(f"refused: {exc}", Exit.INTEGRITY)
        fail(f"{exits.TAMPERED}: {exc}", Exit.INTEGRITY)
    except WithheldError as exc:
        fail(str(exc), Exit.INTEGRITY)
    except SomeFailed as exc:
        if exc.integrity:
            fail(f"{exits.TAMPERED} (for some items): {exc}", Exit.INTEGRITY)
        fail(str(exc), Exit.ERROR)
    except NotLoggedIn as exc:
        fail(str(exc), Exit.AUTH)
    except ServerTimeout as exc:
        fail(f"{exc}; run the command again to resume, or allow more with --timeout",
             Exit.UNAVAILABLE)  # fmt: skip
    except RemovedError as exc:
        fail(str(exc), Exit.REMOVED)
    except NotFoundError as exc:
        fail(str(exc), Exit.NOT_FOUND)
    except ConflictError as exc:
        fail(str(exc), Exit.CONFLICT)
    except ApiError as exc:
        _refused(exc, credentials)
    except httpx.HTTPError as exc:
        fail(f"cannot reach the server: {exc}; run the command again to resume", Exit.UNAVAILABLE)
    except (SealboxError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(local_failure(exc, local))
    except KeyboardInterrupt:
        fail(exits.INTERRUPTED, Exit.INTERRUPTED)


def _refused(exc: ApiError, credentials: str) -> NoReturn:
    if exc.code == Wire.TOO_MANY_ATTEMPTS:
        seconds = exc.retry_after if exc.retry_after is not None else "a few"
        fail(exits.THROTTLED.format(seconds=seconds), Exit.THROTTLED)
    if exc.code == Wire.UNAVAILABLE:
        # The server is up but its database or storage is not: as good as unreachable.
        fail(f"{exc}; run the command again to resume", Exit.UNAVAILABLE)
    if exc.code == Wire.LINK_REMOVED:
        fail(exits.removed(exits.LINK_REMOVED, exc.reason, exc.decision), Exit.REMOVED)
    if exc.code == Wire.CONTENT_REMOVED:
        fail(exits.removed(exits.CONTENT_REMOVED, exc.reason, exc.decision), Exit.REMOVED)
    code, words = _REFUSALS.get(exc.code, (Exit.ERROR, None))
    if exc.code == Wire.BAD_CREDENTIALS:
        words = credentials
    fail(words or str(exc), code)


def local_failure(exc: OSError, local: Path | None) -> str:
    """An operating-system error in plain words, naming the path the person gave: never the
    hidden partial file a download writes first (transfers.py), whose name means nothing to
    them."""
    reason = (exc.strerror or str(exc)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    names = [n for n in (exc.filename2, exc.filename) if n is not None]
    shown = next((str(n) for n in names if not _is_partial(n)), None)
    if shown is None and local is not None:
        shown = str(local)
    if shown is None and names:
        shown = str(Path(os.fsdecode(names[0])).parent)  # the folder the file was going to
    return f"{shown}: {reason}" if shown else reason


def _is_partial(name: object) -> bool:
    text = Path(os.fsdecode(name)).name if isinstance(name, (str, bytes)) else ""
    return text.startswith(PARTIAL_PREFIX) and text.endswith(PARTIAL_SUFFIX)


async def _awaited(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


async def with_drive(opts: Options, work: Callable[[Drive], Awaitable[T]]) -> T:
    state = opts.state()
    drive: Drive | None = None
    try:
        async with http_client(opts.server_url(state), opts.timeout) as http:
            api = Api(http)
            # SEALBOX_DIRECT=0: never talk to the object store directly (spec/http-api.md §6.6).
            api.direct = os.environ.get("SEALBOX_DIRECT", "1").strip() != "0"
            session = await account.resume(api, state)
            drive = Drive(session)
            return await work(drive)
    finally:
        state.close()
        if drive is not None:
            tell_removed(drive.noticed)


def tell_removed(noticed: Noticed, owner: bool = True) -> None:
    """Name every item a published decision removed that the command met (not tampering, but
    never silent), and every removal claim the server could not back (spec/compliance.md
    §3.4). ``owner``: the person can acknowledge the removal (not a link's visitor)."""
    for path, r in noticed.removed:
        then = (
            f"`sealbox notices` lists it); `sealbox notices acknowledge {path}` stops listing it"
            if owner
            else f"`sealbox notices decision {r.decision}` shows why)"
        )
        typer.echo(
            terminal_safe(
                f"sealbox: note: an item of {path} was removed by the operator after "
                f"{r.because} (decision {r.decision}; {then}"
            ),
            err=True,
        )
    for path, claim in noticed.false_claims:
        typer.echo(
            terminal_safe(
                f"sealbox: warning: the server says decision {claim.decision} removed an item "
                f"of {path}, but {claim.why}: it counts as withheld"
            ),
            err=True,
        )
