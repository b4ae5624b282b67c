# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operator settings of one server process."""

from dataclasses import dataclass, field
from pathlib import Path

from sealbox.server.db.engine import sqlite_url


@dataclass(frozen=True, slots=True)
class ComplianceSettings:
    """Policy knobs of notice and action (spec/compliance.md, docs/compliance.md)."""

    # Hosts whose link URLs notices may name; empty: the host the notice was sent to.
    public_hosts: tuple[str, ...] = ()
    # The country whose public holidays are not business days (the ``holidays`` library).
    country: str = "US"
    strike_limit: int = 3
    strike_window_days: int = 183
    strike_warning: bool = False
    # Notices one notifier (by contact) may send per hour (DSA Art. 23 misuse, flooding).
    notices_per_hour: int = 20
    # DSA Art. 23(2): notices from a contact with this many rejected notices in the last
    # misuse_window_days are refused until an operator looks; 0 turns it off.
    misuse_rejections: int = 10
    misuse_window_days: int = 180
    evidence_retention_days: int = 365
    # Close importers that made their own link to content removed for abuse.
    abuse_close_resharers: bool = True
    # How long a reported link's key waits in memory for the inspector.
    inspection_ttl_seconds: int = 24 * 3600
    # Requests for user data (spec/compliance.md §12): `country` is the home jurisdiction;
    # these foreign countries are answered directly too, all others are told to use MLA.
    requests_answered_countries: tuple[str, ...] = ()
    emergency_requests: bool = True
    emergency_notice_days: int = 90
    hold_days: int = 90
    hold_renewals: int = 1
    # Retention (docs/data-inventory.md, "Retention rules"): days an abuse-closed account is
    # kept before it is erased (MEGA: 12 months).
    closed_account_retention_days: int = 365
    # The transparency log (spec/transparency.md, docs/transparency.md): its origin line (default:
    # the first public host followed by /transparency), the warrant canary's statement (empty: no
    # scheduled canary) and how many days apart canaries are appended.
    log_origin: str = ""
    canary_statement: str = ""
    canary_days: int = 7

    @property
    def transparency_origin(self) -> str:
        host = self.public_hosts[0] if self.public_hosts else "localhost"
        return self.log_origin or f"{host}/transparency"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    # None: SQLite in WAL mode under data_dir.
    db_url: str | None = None
    # None: the filesystem store under data_dir; else a URL for blobs/url.py (s3://, file://).
    blobs_url: str | None = None
    # None: the secret file under data_dir (created on first start).
    secret: bytes | None = None
    keep_versions: int = 10
    # Bytes per account when the account has no override; None means unlimited.
    default_quota: int | None = None
    upload_ttl_seconds: int = 24 * 3600
    # Days the blobs of deleted contents are kept before the retention job purges them, so a
    # database backup that young can be restored; 0 deletes them with their rows.
    deleted_blob_grace_days: int = 0
    # Sessions unused for this many days are deleted by the collector.
    session_idle_days: int = 90
    collect_interval_seconds: float = 600.0
    login_failures_allowed: int = 10
    login_window_seconds: int = 15 * 60
    # KDF parameters reported for usernames that do not exist; set them to what clients use.
    fake_kdf_opslimit: int = 3
    fake_kdf_memlimit: int = 256 * 1024 * 1024
    compliance: ComplianceSettings = field(default_factory=ComplianceSettings)

    @property
    def database_url(self) -> str:
        return self.db_url or sqlite_url(self.data_dir / "sealbox.db")

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"
