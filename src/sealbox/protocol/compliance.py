# SPDX-License-Identifier: AGPL-3.0-or-later
"""Wire models of the compliance routes (spec/http-api.md §14, spec/compliance.md).

No model has a field for a link key: locators are URLs whose fragment the server cuts off before
anything is stored or logged.
"""

from typing import Annotated, Any, Literal

from pydantic import Field

from sealbox.protocol.models import Id, Wire

Text = Annotated[str, Field(max_length=4000)]
Short = Annotated[str, Field(max_length=300)]
ScopeName = Literal["link", "file", "everywhere"]
AbuseCategory = Literal["csam", "violent_extremism", "other_illegal"]


class NotifierIn(Wire):
    name: Short = ""
    contact: Short = ""
    role: Literal["principal", "agent"] = "principal"


class NoticeRequest(Wire):
    """A copyright notice. Every element may be missing: the notice is then ``incomplete``."""

    notifier: NotifierIn = NotifierIn()
    signature: Short = ""
    works: Annotated[list[Text], Field(max_length=50, default_factory=list)]
    locators: Annotated[
        list[Annotated[str, Field(max_length=2000)]], Field(max_length=50, default_factory=list)
    ]
    explanation: Text = ""
    good_faith: bool = False
    accurate_under_penalty: bool = False
    misrepresentation_acknowledged: bool = False
    scope: ScopeName = "link"
    file_ids: Annotated[list[Id], Field(max_length=50, default_factory=list)]


class NoticeReceipt(Wire):
    notice_id: Id
    state: str
    missing: list[str]
    priority: Literal["normal", "high"]


class AbuseReportRequest(Wire):
    category: AbuseCategory
    url: Annotated[str, Field(max_length=2000)]
    description: Text = ""
    contact: Short | None = None


class AbuseReceipt(Wire):
    report_id: Id
    state: str


class CaseView(Wire):
    case_id: Id
    kind: str
    state: str
    scope: str | None
    priority: Literal["normal", "high"]
    received_at: int
    link_ids: list[Id]
    missing: list[str]
    subject_ids: list[Id]
    restore_not_before: int | None = None
    restore_not_after: int | None = None
    decision: dict[str, Any] | None = None


class PublicDecision(Wire):
    """A decision's statement of reasons (spec/compliance.md §5), public by its puid."""

    decision: dict[str, Any]


class CaseList(Wire):
    cases: list[CaseView]


class CounterNoticeRequest(Wire):
    signature: Short = ""
    name: Short = ""
    address: Text = ""
    phone: Short = ""
    statement_under_penalty: bool = False
    consent_to_jurisdiction: bool = False
    accepts_service: bool = False


class RestoreWindowView(Wire):
    restore_not_before: int
    restore_not_after: int


class AppealRequest(Wire):
    case_id: Id
    reason: Text


class AppealView(Wire):
    appeal_id: Id
    case_id: Id
    state: Literal["open", "granted", "denied"]
    reason: str
    decided_by: str | None = None
    outcome_reason: str | None = None


class AppealList(Wire):
    appeals: list[AppealView]


class AppealDecision(Wire):
    outcome: Literal["grant", "deny"]
    reason: Text


class OperatorReason(Wire):
    reason: Text = ""


class StrikeView(Wire):
    case_id: Id
    at: int
    counting: bool


class StrikeReport(Wire):
    user_id: Id
    strikes: list[StrikeView]
    counting: int
    status: str | None


class FlaggerCreate(Wire):
    name: Annotated[str, Field(min_length=1, max_length=64)]


class TokenIssued(Wire):
    name: str
    token: str


class NameList(Wire):
    names: list[str]


class AuditEntry(Wire):
    entry_id: int
    operator: str
    action: str
    target: str
    at: int


class AuditList(Wire):
    entries: list[AuditEntry]


class RestoreRun(Wire):
    restored: list[Id]


class InspectionJob(Wire):
    """An abuse report's URL with its key, handed once from memory to the inspector."""

    report_id: Id
    url: str


class InspectionResult(Wire):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    md5: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    pdq: Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$")] = None
    size: Annotated[int, Field(ge=0)]
    matched: Short | None = None
    match_kind: Short | None = None
    distance: int | None = None
