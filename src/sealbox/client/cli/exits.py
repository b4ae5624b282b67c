# SPDX-License-Identifier: AGPL-3.0-or-later
"""Exit codes, and the words for the failures people meet most: the one source of the table in
docs/cli.md (scripts/gen-cli-docs) and of what ``context.run`` prints."""

from __future__ import annotations

from dataclasses import dataclass


class Exit:
    """Exit codes. Scripts can tell tampering apart from every other failure."""

    OK = 0
    ERROR = 1
    USAGE = 2
    INTEGRITY = 3
    NOT_FOUND = 4
    CONFLICT = 5
    AUTH = 6
    UNAVAILABLE = 7
    DENIED = 8
    THROTTLED = 9
    REMOVED = 10
    INTERRUPTED = 130


WRONG_LINK = "this link is wrong or incomplete: check you copied all of it"
WRONG_LINK_PASSWORD = "wrong password for this link (nothing was sent to the server)"  # noqa: S105
WRONG_CREDENTIALS = "wrong username or password"
WRONG_RECOVERY_KEY = "wrong username or recovery key"
SESSION_ENDED = (
    "your session has ended (a password change or a logout on another device ends it): "
    "log in again with `sealbox login`"
)
TAMPERED = "integrity check failed, the server returned data that was tampered with"
READ_ONLY = "{share} is shared with you read-only"
THROTTLED = "too many attempts: wait {seconds} seconds, then try again"
INTERRUPTED = "interrupted; run the same command again to resume"
CHECK_DIFFERS = "LOCAL and REMOTE differ (the files listed above)"
LINK_REMOVED = "this link was removed by the operator after {because}"
CONTENT_REMOVED = "this file was removed by the operator after {because} and cannot be stored again"
DECISION = " (decision {decision}: `sealbox notices decision {decision}` shows the reasons)"
# What the server says to a suspended or closed account (spec/compliance.md §6), for the table.
SUSPENDED = (
    "this account is suspended (or closed): it can sign in to see why (sealbox notices), export "
    "its files and appeal (sealbox notices appeal), nothing else (account_suspended)"
)
# Reason codes of link_removed and content_removed (spec/compliance.md §3.2), in plain words.
REASONS = {
    "copyright": "a copyright notice",
    "csam": "an abuse report",
    "violent_extremism": "an abuse report",
    "other_illegal": "an abuse report",
    "abuse_review": "an abuse report, while it is reviewed",
    "account_suspended": "its owner's account was suspended",
}


def removed(template: str, reason: str | None, decision: str | None) -> str:
    """A link_removed or content_removed refusal in our words: why, and which decision."""
    because = REASONS.get(reason or "", "a decision")
    return template.format(because=because) + (
        DECISION.format(decision=decision) if decision else ""
    )


DROP_LINK_ONLY_UPLOADS = (
    "this is a drop link: it only accepts uploads (`sealbox put FILE... LINK`), nothing can be "
    "listed or read through it. Its owner sees the files sent through it with `sealbox ls LINK` "
    "(or `sealbox request ls`), and in its folder once accepted"
)
LINK_ONLY_DOWNLOADS = (
    "this is a link for downloading (`sealbox get LINK`): nothing can be uploaded through it. "
    "To receive files, the owner of a folder makes a drop link (`sealbox request create`)"
)


@dataclass(frozen=True)
class Outcome:
    """One row of the table: what happened, what is printed (after ``sealbox: ``), the code."""

    code: int
    situation: str
    message: str


OUTCOMES = (
    Outcome(Exit.OK, "success", "nothing, or what was asked for"),
    Outcome(Exit.ERROR, "an error a person can fix that has no code of its own (a refused "
            "request, a file that is not a folder, a full quota)", "the reason"),
    Outcome(Exit.ERROR, "a local file or folder cannot be read or written",
            "PATH: no space left on device (the path you gave, never a temporary file)"),
    Outcome(Exit.ERROR, "`put`/`get` of many files: some could not be read or written (each "
            "is named as it fails, `sealbox: failed: PATH: reason`); the rest was done",
            "N item(s) failed (first: …); everything else was done: …"),
    Outcome(Exit.ERROR, "`check`: LOCAL and REMOTE differ (a file differs, or is on one side "
            "only)", CHECK_DIFFERS),
    Outcome(Exit.USAGE, "wrong arguments, or no password source", "what is missing"),
    Outcome(Exit.USAGE, "a link whose key part (after #) is damaged or cut short, or does not "
            "open the link: a mistyped link, not tampering", WRONG_LINK),
    Outcome(Exit.USAGE, "a drop link given to `ls`, `tree`, `cat`, `get` or `import` (only its "
            "owner can `ls` it: the files waiting in it), or a download link given to `put`",
            "this is a drop link: it only accepts uploads …; this is a link for downloading …"),
    Outcome(Exit.INTEGRITY, "**the server returned data that does not verify** (tampering, "
            "rollback, withheld items); nothing unverified was written; in a `get` of many "
            "files, the others were still written", TAMPERED + ": …"),
    Outcome(Exit.NOT_FOUND, "no such file, folder, link, contact or share; an expired or "
            "used-up link", "what was not found"),
    Outcome(Exit.CONFLICT, "exists already (also `import` onto an existing name), not empty, "
            "or changed concurrently", "already exists: PATH, …"),
    Outcome(Exit.CONFLICT, "a path names two items that share a name (a write member added one "
            "to a shared folder): nothing was chosen", "PATH names 2 items with the same name: "
            "NAME@ID (by …); …"),
    Outcome(Exit.AUTH, "not logged in on this device", "not logged in …"),
    Outcome(Exit.AUTH, "wrong username or password (or recovery key)", WRONG_CREDENTIALS),
    Outcome(Exit.AUTH, "a wrong password for a password link (checked here, nothing is sent)",
            WRONG_LINK_PASSWORD),
    Outcome(Exit.AUTH, "the session was ended elsewhere (password change, logout, "
            "`sessions revoke`)", SESSION_ENDED),
    Outcome(Exit.UNAVAILABLE, "the server cannot be reached, is too slow, or its database or "
            "storage is unavailable; rerun the command to resume", "cannot reach the server: …"),
    Outcome(Exit.DENIED, "not allowed: writing into a folder shared with you read-only, or "
            "anything else the server forbids this account",
            READ_ONLY.format(share="SHARE")),
    Outcome(Exit.DENIED, "a change by a suspended or closed account (spec/compliance.md §6)",
            SUSPENDED),
    Outcome(Exit.THROTTLED, "too many failed logins (or password checks) from here",
            THROTTLED.format(seconds="N")),
    Outcome(Exit.REMOVED, "the operator removed it after a decision: a link disabled by a "
            "takedown, an abuse report or its owner's suspension; a file removed by a takedown "
            "(also a name not found where removed items were); not tampering: the decision is "
            "named and public", removed(LINK_REMOVED, "copyright", "PUID")),
    Outcome(Exit.REMOVED, "storing content that a takedown removed everywhere",
            removed(CONTENT_REMOVED, "copyright", "PUID")),
    Outcome(Exit.INTERRUPTED, "interrupted (Ctrl-C); rerun the same command to resume",
            INTERRUPTED),
)  # fmt: skip


def markdown_table() -> str:
    """The exit-code table of docs/cli.md."""
    lines = ["| code | when | message |", "|---|---|---|"]
    for row in OUTCOMES:
        message = row.message.replace("|", "\\|")
        lines.append(f"| {row.code} | {row.situation} | {message} |")
    return "\n".join(lines) + "\n"
