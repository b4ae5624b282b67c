# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin operators|flaggers|notices|cases|strikes|appeals|hashsets|audit``: the operator's
side of notice and action, run on the server host (docs/compliance.md). Every decision names the
operator who takes it (``--operator``, one of the names ``admin operators add`` created) and goes
to the append-only audit record."""

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from sealbox.compliance import hashsets
from sealbox.compliance.calendar import BusinessCalendar
from sealbox.compliance.strikes import StrikePolicy
from sealbox.protocol import compliance as w
from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.app import build_services
from sealbox.server.errors import ServiceError
from sealbox.server.services.registry import Services
from sealbox.server.services.requests import request_policy
from sealbox.server.settings import ComplianceSettings, Settings

T = TypeVar("T")
HELP = {"help_option_names": ["-h", "--help"]}
console = Console(stderr=True)
DataOpt = Annotated[Path, typer.Option("--data", help="The server's data directory.")]
DbOpt = Annotated[str | None, typer.Option("--db", envvar="SEALBOX_DB", help="Database URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
OperatorOpt = Annotated[
    str, typer.Option("--operator", help="Your operator name (admin operators add).")
]
CaseArg = Annotated[str, typer.Argument(help="A case id, as `admin cases list` shows it.")]
DEFAULT_DATA = Path(".sealbox-data")


def policy_file(path: Path | None) -> ComplianceSettings:
    """The policy knobs from a JSON file (docs/compliance.md); defaults without one."""
    if path is None:
        return ComplianceSettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("expected a JSON object of policy knobs")
        known = {f.name: f.type for f in fields(ComplianceSettings)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown knobs: {', '.join(unknown)}")
        for listed in ("public_hosts", "requests_answered_countries"):
            if listed in raw:
                raw[listed] = tuple(raw[listed])
        policy = ComplianceSettings(**raw)
        BusinessCalendar(policy.country)
        request_policy(policy)
        StrikePolicy(policy.strike_limit, policy.strike_window_days)
    except (OSError, ValueError, TypeError) as exc:
        console.print(f"--compliance {path}: {exc}", markup=False)
        raise typer.Exit(2) from exc
    return policy


def group(help_text: str) -> typer.Typer:
    return typer.Typer(no_args_is_help=True, rich_markup_mode=None, context_settings=HELP,
                       help=help_text)  # fmt: skip


operators_app = group("Operator and inspector tokens (separate from user accounts).")
flaggers_app = group("Trusted flaggers: tokens whose notices are prioritised.")
notices_app = group("Copyright notices as received, with what incomplete ones lack.")
cases_app = group("Cases: act on, reject or restore notices and abuse reports.")
strikes_app = group("Strikes against an account (repeat-infringer policy).")
appeals_app = group("Appeals, decided by a named operator.")
hashsets_app = group("Hash sets the inspector matches reported content against.")


def register(admin: typer.Typer) -> None:
    # The case commands attach themselves to the groups above when their module loads.
    from sealbox.server import compliance_cases_cli  # noqa: F401
    from sealbox.server.outbox_cli import outbox_app

    for name, sub in (("operators", operators_app), ("flaggers", flaggers_app),
                      ("notices", notices_app), ("cases", cases_app), ("strikes", strikes_app),
                      ("appeals", appeals_app), ("hashsets", hashsets_app)):  # fmt: skip
        admin.add_typer(sub, name=name)
    admin.add_typer(outbox_app, name="outbox")
    admin.command("audit")(audit)
    from sealbox.server import requests_cli

    requests_cli.register(admin)


@contextmanager
def services(data: Path, db: str | None) -> Iterator[Services]:
    # The blob store comes from $SEALBOX_BLOBS as for `sealbox server` (removals free blobs).
    blobs = os.environ.get("SEALBOX_BLOBS") or None
    built = build_services(Settings(data_dir=data.resolve(), db_url=db, blobs_url=blobs))
    try:
        yield built
    except ServiceError as exc:
        console.print(exc.message, markup=False)
        raise typer.Exit(1) from exc
    finally:
        asyncio.run(built.blobs.close())
        built.engine.dispose()


def named(svc: Services, operator: str) -> str:
    if operator not in svc.compliance.operators.names("operator"):
        console.print(f"{operator!r} is not an operator: create it with `admin operators add`",
                      markup=False)  # fmt: skip
        raise typer.Exit(2)
    return operator


def case_id(text: str, what: str = "case id") -> bytes:
    try:
        value = b64decode(text.strip())
    except ValueError:
        value = b""
    if len(value) != 16:
        console.print(f"not a {what}: {text!r}", markup=False)
        raise typer.Exit(2)
    return value


def show(value: BaseModel | list[Any], as_json: bool, text: Callable[[], list[str]]) -> None:
    if as_json:
        dumped = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        typer.echo(json.dumps(dumped, ensure_ascii=False))
        return
    for line in text():
        typer.echo(line)


def case_line(c: w.CaseView) -> str:
    missing = f"  missing: {', '.join(c.missing)}" if c.missing else ""
    return (f"{b64encode(c.case_id)}  {c.kind:<18} {c.state:<11} scope={c.scope} "
            f"priority={c.priority} links={len(c.link_ids)}{missing}")  # fmt: skip


RoleOpt = Annotated[str, typer.Option("--role", help="operator or inspector")]


@operators_app.command("add")
def operators_add(
    name: str, role: RoleOpt = "operator", data: DataOpt = DEFAULT_DATA, db: DbOpt = None
) -> None:
    """Create an operator (or inspector) token; it is shown once."""
    if role not in ("operator", "inspector"):
        console.print("--role is operator or inspector")
        raise typer.Exit(2)
    with services(data, db) as svc:
        token = svc.compliance.operators.issue(name, role, "host")
    typer.echo(token)


@operators_app.command("list")
def operators_list(
    data: DataOpt = DEFAULT_DATA, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """List operators and inspectors."""
    with services(data, db) as svc:
        found = {r: svc.compliance.operators.names(r) for r in ("operator", "inspector")}
    show([found], as_json, lambda: [f"{r}: {', '.join(n) or '-'}" for r, n in found.items()])


@flaggers_app.command("add")
def flaggers_add(name: str, operator: OperatorOpt, data: DataOpt = DEFAULT_DATA,
                 db: DbOpt = None) -> None:  # fmt: skip
    """Issue a trusted-flagger token (shown once): notices sent with it come first."""
    with services(data, db) as svc:
        token = svc.compliance.operators.issue(name, "flagger", named(svc, operator))
    typer.echo(token)


@flaggers_app.command("list")
def flaggers_list(data: DataOpt = DEFAULT_DATA, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List trusted flaggers."""
    with services(data, db) as svc:
        found = svc.compliance.operators.names("flagger")
    show(found, as_json, lambda: found or ["no trusted flaggers"])


@flaggers_app.command("revoke")
def flaggers_revoke(name: str, operator: OperatorOpt, data: DataOpt = DEFAULT_DATA,
                    db: DbOpt = None) -> None:  # fmt: skip
    """Revoke a trusted flagger's token."""
    with services(data, db) as svc:
        svc.compliance.operators.revoke(name, "flagger", named(svc, operator))
    typer.echo(f"revoked {name}")


@hashsets_app.command("check")
def hashsets_check(
    files: Annotated[list[Path], typer.Argument(help="Hash set files (JSON).")],
    as_json: JsonOpt = False,
) -> None:
    """Check hash set files and count their entries, as the inspector will load them."""
    summary = []
    for path in files:
        try:
            loaded = hashsets.load(path)
        except (OSError, ValueError) as exc:
            console.print(f"{path}: {exc}", markup=False)
            raise typer.Exit(1) from exc
        summary.append({"file": str(path), "label": loaded.label, "exact": len(loaded.exact),
                        "pdq": len(loaded.pdq)})  # fmt: skip
    show(summary, as_json, lambda: [f"{s['file']}: {s['label']}, {s['exact']} exact, "
                                    f"{s['pdq']} PDQ" for s in summary])  # fmt: skip


def audit(data: DataOpt = DEFAULT_DATA, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Print the append-only audit record: who did what, when."""
    with services(data, db) as svc:
        rows = svc.compliance.operators.audit_entries()
    entries = [w.AuditEntry.model_validate(r, from_attributes=True) for r in rows]
    show([e.model_dump() for e in entries], as_json,
         lambda: [f"{e.at}  {e.operator}  {e.action}  {e.target}" for e in entries])  # fmt: skip
