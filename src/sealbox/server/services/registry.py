# SPDX-License-Identifier: AGPL-3.0-or-later
"""The set of services one server process runs, built once by the app factory."""

from dataclasses import dataclass, field

from sealbox.server.blobs.base import BlobStore
from sealbox.server.clock import Clock
from sealbox.server.db.engine import Engine
from sealbox.server.services.accounts import AccountService
from sealbox.server.services.collector import Collector
from sealbox.server.services.compliance import Compliance
from sealbox.server.services.contacts import ContactService
from sealbox.server.services.contents import ContentService
from sealbox.server.services.disclosure import DisclosureService
from sealbox.server.services.drive import DriveService
from sealbox.server.services.drops import DropService
from sealbox.server.services.feed import FeedService
from sealbox.server.services.links import LinkService
from sealbox.server.services.metrics import Metrics
from sealbox.server.services.retention import RetentionJob
from sealbox.server.services.shares import ShareService
from sealbox.server.services.throttle import LoginThrottle
from sealbox.server.services.transaction import TransactionService
from sealbox.server.services.uploads import UploadService
from sealbox.server.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    clock: Clock
    accounts: AccountService
    uploads: UploadService
    drive: DriveService
    transactions: TransactionService
    contents: ContentService
    links: LinkService
    shares: ShareService
    contacts: ContactService
    drops: DropService
    feed: FeedService
    collector: Collector
    throttle: LoginThrottle
    compliance: Compliance
    retention: RetentionJob
    disclosure: DisclosureService
    metrics: Metrics = field(default_factory=Metrics)
