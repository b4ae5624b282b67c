# SPDX-License-Identifier: AGPL-3.0-or-later
"""The options ``put`` and ``get`` share: how to compare, what to take, how fast, what to do
about local files already there, a dry run, and the summary (a line, or JSON with --json)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from sealbox.client.cli.context import Options, fail, item_notices, note
from sealbox.client.cli.exits import Exit
from sealbox.client.cli.output import emit_json, terminal_safe
from sealbox.client.cli.progress import progress_reporter
from sealbox.client.sdk import files, plans
from sealbox.client.sdk.bandwidth import Bandwidth, parse_rate
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import SealboxError, SomeFailed
from sealbox.client.sdk.files import Reporter
from sealbox.client.sdk.local_tree import Links, local_total
from sealbox.client.sdk.pairing import Sides
from sealbox.client.sdk.plans import Planned
from sealbox.client.sdk.selection import Selection, read_patterns
from sealbox.client.sdk.transfer_options import TransferOptions

LinksPolicy = Annotated[
    Links,
    typer.Option(
        "--links",
        help="Symbolic links met inside folders: skip them (each is named), follow them to "
        "what they point to, or copy each link itself as a small file holding its target. "
        "LOCAL paths named on the command line are always followed.",
    ),
]
Checksum = Annotated[
    bool,
    typer.Option(
        "--checksum",
        help="Compare contents instead of size and modification time to find unchanged files: "
        "the local file is hashed with the keyed hash in the remote file's sealed metadata "
        "(nothing is downloaded). A remote file without one is transferred.",
    ),
]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", "-n", help="Say what would be sent, written or left alone; change nothing."
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="PATTERN",
        help="Leave out files and folders matching a gitignore-style pattern, relative to the "
        "folder transferred (repeatable): '*.log', '/build/', 'cache/'.",
    ),
]
Include = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        metavar="PATTERN",
        help="Take only files matching a gitignore-style pattern (repeatable); folders are "
        "still entered. An --exclude wins over an --include.",
    ),
]
ExcludeFrom = Annotated[
    Path | None,
    typer.Option(
        "--exclude-from",
        metavar="FILE",
        help="Read --exclude patterns from FILE, one a line, like a .gitignore.",
    ),
]
BwLimit = Annotated[
    str | None,
    typer.Option(
        "--bwlimit",
        metavar="RATE",
        help="Limit content sent and received to RATE bytes a second: 512K, 10M, 1G (binary "
        "units: 10M is 10 MiB/s).",
    ),
]
NoClobber = Annotated[
    bool,
    typer.Option(
        "--no-clobber",
        help="Never replace a local file that differs from the remote one; each is named.",
    ),
]
Backup = Annotated[
    bool,
    typer.Option(
        "--backup",
        help="Before replacing a local file that differs, rename it to its name plus a suffix "
        "(--suffix, default ~), replacing an older backup.",
    ),
]
Suffix = Annotated[
    str,
    typer.Option("--suffix", metavar="SUFFIX", help="The suffix of --backup files, such as .bak."),
]


@dataclass(frozen=True)
class Flags:
    """The shared options as given on the command line."""

    checksum: bool = False
    dry_run: bool = False
    exclude: list[str] | None = None
    include: list[str] | None = None
    exclude_from: Path | None = None
    bwlimit: str | None = None
    no_clobber: bool = False
    backup: bool = False
    suffix: str = "~"

    def refuse_any(self, what: str) -> None:
        """Stop with a usage error when any of these options is given to a transfer that does
        not take them (a dry run that went ahead would change things)."""
        given = (
            self.checksum or self.dry_run or bool(self.exclude) or bool(self.include)
            or self.exclude_from is not None or self.bwlimit is not None or self.no_clobber
            or self.backup or self.suffix != "~"
        )  # fmt: skip
        if given:
            fail(
                f"{what} does not take --checksum, --dry-run, --exclude, --include, "
                "--exclude-from, --bwlimit, --no-clobber, --backup or --suffix",
                Exit.USAGE,
            )

    def options(self) -> TransferOptions:
        if self.no_clobber and self.backup:
            fail("--no-clobber and --backup do not go together: choose one", Exit.USAGE)
        if not self.suffix or "/" in self.suffix or "\0" in self.suffix:
            fail(f"{self.suffix!r} is not a --suffix: use one such as ~ or .bak", Exit.USAGE)
        try:
            excluded = tuple(self.exclude or ())
            if self.exclude_from is not None:
                excluded += read_patterns(self.exclude_from)
            rate = parse_rate(self.bwlimit) if self.bwlimit is not None else None
        except SealboxError as exc:
            fail(str(exc), Exit.USAGE)
        return TransferOptions(
            skip_unchanged=True,
            checksum=self.checksum,
            selection=Selection(excluded, tuple(self.include or ())),
            no_clobber=self.no_clobber,
            backup=self.suffix if self.backup else None,
            bandwidth=Bandwidth(rate) if rate is not None else None,
        )


@dataclass
class Tally:
    """What one put or get did, counted from its reporter's calls, for the summary."""

    files: int = 0
    bytes: int = 0
    unchanged: int = 0
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)

    def counting(self, report: Reporter) -> Reporter:
        """``report`` with each hook also counted here."""
        finish, advance, failed = report.finish_file, report.advance, report.failed
        skipped, unchanged = report.skipped, report.unchanged

        def on_finish(name: str) -> None:
            self.files += 1
            finish(name)

        def on_advance(n: int) -> None:
            self.bytes += n
            advance(n)

        def on_failed(path: str, reason: str) -> None:
            self.failures.append({"path": path, "reason": reason})
            failed(path, reason)

        def on_skipped(path: str, why: str) -> None:
            self.skipped += 1
            skipped(path, why)

        def on_unchanged(path: str) -> None:
            self.unchanged += 1
            unchanged(path)

        report.finish_file, report.advance, report.failed = on_finish, on_advance, on_failed
        report.skipped, report.unchanged = on_skipped, on_unchanged
        return report

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "bytes": self.bytes,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": len(self.failures),
            "seconds": round(time.monotonic() - self.began, 3),
            "failures": self.failures,
        }


@dataclass
class Run:
    """How one put or get reports: a dry run's plan or the transfer, as text or JSON, and
    what it did (read after it ends for the note on unchanged files)."""

    dry_run: bool
    json_out: bool
    tally: Tally = field(default_factory=Tally)

    def note_unchanged(self, opts: Options) -> None:
        note_unchanged(opts, self.tally, self.json_out)


@contextmanager
def summarised(json_out: bool, tally: Tally) -> Iterator[None]:
    """Print the JSON summary when the transfer ends, whether or not some items failed (the
    exit status and the error on standard error follow)."""
    try:
        yield
    except SomeFailed:
        if json_out:
            emit_json(tally.summary())
        raise
    if json_out:
        emit_json(tally.summary())


def sides(options: TransferOptions, links: Links, report: Reporter) -> Sides:
    return Sides(options.selection, links, report.failures(), [])


def show_plan(plan: list[Planned], json_out: bool, verb: Callable[[Planned], str]) -> None:
    if json_out:
        emit_json(
            {
                "dry_run": True,
                "items": [
                    {"action": p.action.value, "local": p.local, "remote": p.remote, "size": p.size}
                    for p in plan
                ],
            }
        )
        return
    for item in plan:
        typer.echo(f"{verb(item)}: {terminal_safe(item.local)}  {terminal_safe(item.remote)}")
    typer.echo(f"dry run: {len(plan)} file(s), nothing changed")


async def send(
    opts: Options,
    drive: Drive,
    sources: list[Path],
    remote: str,
    links: Links,
    transfer: TransferOptions,
    how: Run,
) -> None:
    """The body of ``put`` and ``shared put`` (``drive`` is the account's drive or a shared
    folder): the dry run's plan, or the upload with its progress and summary."""
    if how.dry_run:
        quiet_sides = sides(transfer, links, item_notices(opts, files.Reporter()))
        plan = await plans.plan_put(drive, sources, remote, quiet_sides, transfer)
        show_plan(plan, how.json_out, lambda p: f"would {p.action.value}")
        return
    with (
        summarised(how.json_out, how.tally),
        progress_reporter(opts, local_total(sources), "upload") as report,
    ):
        report = how.tally.counting(item_notices(opts, report))
        await files.put(drive, sources, remote, report, links, transfer)


async def receive(
    opts: Options,
    drive: Drive,
    sources: list[str],
    local: Path,
    transfer: TransferOptions,
    how: Run,
    top_name: str = "root",
) -> None:
    """The body of ``get`` and ``shared get`` (``drive`` is the account's drive or a shared
    folder, whose top lands as ``top_name``): the dry run's plan, or the download with its
    progress and summary."""
    if how.dry_run:
        quiet_sides = sides(transfer, Links.SKIP, item_notices(opts, files.Reporter()))
        plan = await plans.plan_get(drive, sources, local, quiet_sides, transfer, top_name)
        show_plan(plan, how.json_out, lambda p: f"would {p.action.value}")
        return
    with (
        summarised(how.json_out, how.tally),
        progress_reporter(opts, None, "download") as report,
    ):
        report = how.tally.counting(item_notices(opts, report))
        await files.get(drive, sources, local, report, top_name, transfer)


def note_unchanged(opts: Options, tally: Tally, json_out: bool) -> None:
    """Say how many files were left alone as unchanged (unless -q or --json)."""
    if tally.unchanged and not json_out:
        note(opts, f"{tally.unchanged} unchanged file(s) left alone")


# Examples shown at the end of each command's --help (and in docs/cli.md). "\b" keeps a
# paragraph's lines as they are.
PUT_EXAMPLES = """\b
Examples:
  sealbox put ~/docs /                      upload; a second run sends only what changed
  sealbox put --checksum ~/docs /           compare contents, not size and time
  sealbox put -n ~/docs /                   say what would be sent, send nothing
  sealbox put --exclude '*.log' --exclude /build/ ~/src /
  sealbox put --include '*.pdf' ~/papers /  only PDF files, from any folder
  sealbox put --exclude-from ~/.sealboxignore ~/src /
  sealbox put --bwlimit 10M big.iso /       at most 10 MiB/s
  sealbox put --json ~/docs /               {"files": 3, "bytes": 1234, "unchanged": 40, ...}
"""

GET_EXAMPLES = """\b
Examples:
  sealbox get /docs ~/                      download; a second run writes only what changed
  sealbox get --checksum /docs ~/           compare contents, not size and time
  sealbox get -n /docs ~/                   say what would be written, write nothing
  sealbox get --no-clobber /docs ~/         never replace a local file that differs
  sealbox get --backup /docs ~/             keep a replaced file as NAME~
  sealbox get --backup --suffix .bak /docs ~/
  sealbox get --exclude 'cache/' --include '*.txt' /docs ~/
  sealbox get --bwlimit 512K --json /docs ~/
"""

CHECK_EXAMPLES = """\b
Examples:
  sealbox check ~/docs /docs                differences only, exit 1 if any
  sealbox check --identical ~/docs /docs    identical files listed too
  sealbox check --download ~/docs /docs     download and hash every remote file
  sealbox check --exclude '*.tmp' --json ~/docs /docs
"""
