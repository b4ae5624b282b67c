# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: every wire model of the HTTP API in one place, as spec/http-api.md lists them.
"""Pydantic wire models of the Sealbox HTTP API.

Ids and opaque blobs travel as base64url without padding. ``B64`` and ``Id`` turn them into
``bytes`` on the way in and back into text on the way out, so code on both sides handles bytes only.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from sealbox import base64url
from sealbox.protocol import limits


def b64encode(data: bytes) -> str:
    return base64url.encode(data)


def b64decode(text: str) -> bytes:
    """Decode base64url without padding, rejecting anything that is not canonical (non-canonical
    encodings, with stray low bits, would let two strings name one id)."""
    if not isinstance(text, str):
        raise ValueError("expected a base64url string")
    return base64url.decode(text)


def _to_bytes(value: Any) -> Any:
    if isinstance(value, bytes):
        return value
    return b64decode(value)


_IN = BeforeValidator(_to_bytes)
_OUT = PlainSerializer(b64encode, return_type=str, when_used="json")
_SCHEMA = WithJsonSchema({"type": "string", "format": "base64url"})

Id = Annotated[
    bytes, _IN, Field(min_length=limits.ID_BYTES, max_length=limits.ID_BYTES), _OUT, _SCHEMA
]
AuthKey = Annotated[
    bytes,
    _IN,
    Field(min_length=limits.AUTH_KEY_BYTES, max_length=limits.AUTH_KEY_BYTES),
    _OUT,
    _SCHEMA,
]
Salt = Annotated[
    bytes, _IN, Field(min_length=limits.SALT_BYTES, max_length=limits.SALT_BYTES), _OUT, _SCHEMA
]
AccountBlob = Annotated[bytes, _IN, Field(max_length=limits.MAX_ACCOUNT_BLOB), _OUT, _SCHEMA]
DeviceName = Annotated[bytes, _IN, Field(max_length=limits.MAX_DEVICE_NAME), _OUT, _SCHEMA]
NodeRecord = Annotated[bytes, _IN, Field(max_length=limits.MAX_NODE_RECORD), _OUT, _SCHEMA]
Manifest = Annotated[bytes, _IN, Field(max_length=limits.MAX_MANIFEST), _OUT, _SCHEMA]
Header = Annotated[bytes, _IN, Field(max_length=limits.MAX_HEADER), _OUT, _SCHEMA]
LinkSecretBlob = Annotated[bytes, _IN, Field(max_length=limits.MAX_LINK_SECRET), _OUT, _SCHEMA]
ShareEnvelope = Annotated[bytes, _IN, Field(max_length=limits.MAX_SHARE_ENVELOPE), _OUT, _SCHEMA]
ShareRoster = Annotated[bytes, _IN, Field(max_length=limits.MAX_SHARE_ROSTER), _OUT, _SCHEMA]
DropUploadBlob = Annotated[bytes, _IN, Field(max_length=limits.MAX_DROP_UPLOAD), _OUT, _SCHEMA]
PublicKey = Annotated[bytes, _IN, Field(min_length=32, max_length=32), _OUT, _SCHEMA]
InlineBytes = Annotated[bytes, _IN, Field(max_length=limits.MAX_INLINE_CHUNK), _OUT, _SCHEMA]

Username = Annotated[str, Field(pattern=limits.USERNAME_PATTERN)]
NodeType = Literal["file", "folder"]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Kdf(Wire):
    alg: Literal["argon2id13"]
    opslimit: int = Field(ge=limits.MIN_OPSLIMIT, le=limits.MAX_OPSLIMIT)
    memlimit: int = Field(ge=limits.MIN_MEMLIMIT, le=limits.MAX_MEMLIMIT)
    salt: Salt


class FolderInit(Wire):
    """A special folder created with the account: its id and first manifest (version 1)."""

    node_id: Id
    manifest: Manifest


class SignupRequest(Wire):
    username: str = Field(min_length=1, max_length=64)
    email: str | None = Field(default=None, max_length=limits.MAX_EMAIL_CHARS)
    user_id: Id
    kdf: Kdf
    auth_key: AuthKey
    recovery_auth_key: AuthKey
    master_key_wrap: AccountBlob
    recovery_wrap: AccountBlob
    private_keys_wrap: AccountBlob
    identity_bundle: AccountBlob
    root_key_wrap: AccountBlob
    trash_key_wrap: AccountBlob
    root: FolderInit
    trash: FolderInit


class SignupResponse(Wire):
    user_id: Id
    username: str


class PreloginRequest(Wire):
    username: str = Field(min_length=1, max_length=64)


class PreloginResponse(Wire):
    user_id: Id
    server_id: Id  # the same in every answer; clients derive salts from it (spec/keys.md)
    kdf: Kdf


class LoginRequest(Wire):
    username: str = Field(min_length=1, max_length=64)
    auth_key: AuthKey


class AccountExport(Wire):
    """The account holder's own copy of what the server holds about them (GDPR Art. 15/20):
    the disclosure package's two documents (docs/data-inventory.md)."""

    manifest: dict[str, Any]
    data: dict[str, list[dict[str, Any]]]


class AccountView(Wire):
    user_id: Id
    username: str
    email: str | None
    kdf: Kdf
    master_key_wrap: AccountBlob
    recovery_wrap: AccountBlob
    private_keys_wrap: AccountBlob
    identity_bundle: AccountBlob
    root_key_wrap: AccountBlob
    trash_key_wrap: AccountBlob
    root_id: Id
    trash_id: Id
    used_bytes: int
    quota_bytes: int | None


class LoginResponse(Wire):
    session_id: Id
    token: str
    account: AccountView


class SessionView(Wire):
    session_id: Id
    created_day: str
    last_used_day: str
    current: bool
    device: DeviceName | None = None  # sealed by the account holder; opaque to the server


class SessionDevice(Wire):
    device: DeviceName


class SessionList(Wire):
    sessions: list[SessionView]


class RevokedCount(Wire):
    revoked: int


class PasswordChangeRequest(Wire):
    old_auth_key: AuthKey
    kdf: Kdf
    auth_key: AuthKey
    master_key_wrap: AccountBlob


class RecoveryRequest(Wire):
    username: str = Field(min_length=1, max_length=64)
    recovery_auth_key: AuthKey


class RecoveryResponse(Wire):
    """What a client needs to open the master key with the recovery key, and nothing more."""

    user_id: Id
    recovery_wrap: AccountBlob


class RecoveryResetRequest(Wire):
    username: str = Field(min_length=1, max_length=64)
    recovery_auth_key: AuthKey
    kdf: Kdf
    auth_key: AuthKey
    master_key_wrap: AccountBlob
    new_recovery_auth_key: AuthKey | None = None
    new_recovery_wrap: AccountBlob | None = None


class AccountDeleteRequest(Wire):
    auth_key: AuthKey


class ManifestUpdate(Wire):
    folder_id: Id
    expected_version: int = Field(ge=1)
    manifest: Manifest


class InlineContent(Wire):
    """A whole small content object sent inside the transaction: header and its single chunk."""

    content_id: Id
    header: Header
    chunk_size: int = Field(ge=1, le=limits.MAX_CHUNK_SIZE)
    chunk: InlineBytes


def _distinct(ids: list[bytes]) -> list[bytes]:
    if len(set(ids)) != len(ids):
        raise ValueError("each content id is asked for once")
    return ids


class ContentBatchRequest(Wire):
    """Many small content objects in one download (spec/http-api.md §6.4)."""

    content_ids: Annotated[
        list[Id],
        Field(min_length=1, max_length=limits.MAX_BATCH_CONTENTS),
        AfterValidator(_distinct),
    ]


class NodePut(Wire):
    node_id: Id
    parent_id: Id
    node_type: NodeType
    record: NodeRecord
    # Files: the content object this version of the file points at (an existing content of the
    # account, a completed upload, or the inline content below).
    content_id: Id | None = None
    inline: InlineContent | None = None
    # New folders only: their first manifest (version 1).
    manifest: Manifest | None = None
    # Files imported from a link: the link through which the caller reaches ``content_id``.
    via_link: Id | None = None


class TransactionRequest(Wire):
    manifests: list[ManifestUpdate] = Field(default_factory=list)
    puts: list[NodePut] = Field(default_factory=list)
    removes: list[Id] = Field(default_factory=list)


class TransactionResponse(Wire):
    seq: int
    manifest_versions: dict[str, int]


class NodeView(Wire):
    node_id: Id
    parent_id: Id | None
    node_type: NodeType
    record: NodeRecord | None
    content_id: Id | None
    size: int | None
    manifest_version: int | None


class RemovedView(Wire):
    """A node a decision removed from the folder (spec/compliance.md §3.4): a claim the client
    checks against the public statement of reasons before it believes it."""

    node_id: Id
    decision: Annotated[str, Field(min_length=36, max_length=36)]
    reason: Annotated[str, Field(max_length=24)]


class FolderListing(Wire):
    node_id: Id
    manifest_version: int
    manifest: Manifest
    children: list[NodeView]
    removed: list[RemovedView] = []


class VersionView(Wire):
    version: int
    record: NodeRecord
    content_id: Id
    size: int


class VersionList(Wire):
    versions: list[VersionView]


class UploadOpenRequest(Wire):
    content_id: Id
    header: Header
    chunk_size: int = Field(ge=1, le=limits.MAX_CHUNK_SIZE)
    chunk_count: int = Field(ge=1, le=limits.MAX_CHUNK_COUNT)
    total_size: int = Field(ge=1)


class UploadView(Wire):
    content_id: Id
    chunk_size: int
    chunk_count: int
    total_size: int
    present: list[int]
    received_bytes: int
    expires_at: int
    # Whether the direct routes (spec/http-api.md §6.6) are offered for this upload.
    direct: bool = False


class ChunkIndexes(Wire):
    """The chunks a direct-transfer request is about (spec/http-api.md §6.6)."""

    indexes: list[Annotated[int, Field(ge=0, lt=limits.MAX_CHUNK_COUNT)]] = Field(
        min_length=1, max_length=limits.MAX_DIRECT_CHUNKS
    )


class ChunkSpan(Wire):
    """Chunks ``start`` .. ``start + count - 1`` of a content, clipped to the ones it has."""

    start: int = Field(ge=0, lt=limits.MAX_CHUNK_COUNT)
    count: int = Field(ge=1, le=limits.MAX_DIRECT_CHUNKS)


class DirectUrl(Wire):
    index: int
    url: str
    size: int


class DirectPuts(Wire):
    expires_at: int
    chunks: list[DirectUrl]


class DirectGets(Wire):
    header: Header
    total_size: int
    expires_at: int
    chunks: list[DirectUrl]


class ChunkReceipt(Wire):
    index: int
    size: int


class FeedEntry(Wire):
    seq: int
    node_id: Id
    change: Literal["put", "remove", "manifest"]


class FeedPage(Wire):
    entries: list[FeedEntry]
    cursor: int
    more: bool


class LinkCreateRequest(Wire):
    link_id: Id
    node_id: Id
    secret: LinkSecretBlob
    # Seconds from now, on the server's clock; None for a link that does not expire.
    expires_in: int | None = Field(default=None, ge=1, le=limits.MAX_LINK_LIFETIME_SECONDS)
    max_downloads: int | None = Field(default=None, ge=1, le=2**31 - 1)


class LinkView(Wire):
    """A link as its owner sees it (never the link key, which the server does not have)."""

    link_id: Id
    node_id: Id
    node_type: NodeType
    expires_at: int | None
    max_downloads: int | None
    downloads: int


class LinkList(Wire):
    links: list[LinkView]


class LinkOpened(Wire):
    """What a visitor gets for a link id: the sealed link secret and the owner's identity bundle,
    so that it can check the signatures of a linked folder's manifests and records."""

    link_id: Id
    node_id: Id
    node_type: NodeType
    secret: LinkSecretBlob
    owner_username: str
    owner_bundle: AccountBlob
    expires_at: int | None
    downloads_left: int | None


class UserBundle(Wire):
    user_id: Id
    username: str
    identity_bundle: AccountBlob


class ShareCreateRequest(Wire):
    share_id: Id
    folder_id: Id
    recipient_id: Id
    rights: Literal[1, 2]  # sealbox.rights: 1 read, 2 write (spec/sharing.md)
    envelope: ShareEnvelope
    # The owner's new signed roster of the folder, stored with the share in one transaction.
    roster: ShareRoster | None = None


class ShareMember(Wire):
    user_id: Id
    username: str
    rights: Literal[1, 2]


class ShareView(Wire):
    share_id: Id
    folder_id: Id
    owner_id: Id
    owner_username: str
    recipient_id: Id
    recipient_username: str
    rights: Literal[1, 2]
    envelope: ShareEnvelope
    # Everyone the owner shares this folder with, as the server knows it. Informational only:
    # members take the writer set from the owner's signed roster (spec/sharing.md).
    members: list[ShareMember]
    # The latest roster the owner stored for the folder; None before the owner wrote one.
    roster: ShareRoster | None = None


class ShareList(Wire):
    outgoing: list[ShareView]
    incoming: list[ShareView]


class EnvelopeUpdate(Wire):
    envelope: ShareEnvelope


class EnvelopeReplacement(Wire):
    share_id: Id
    envelope: ShareEnvelope


class RosterUpdate(Wire):
    roster: ShareRoster
    # Members' new envelopes (after a key rotation), stored with the roster in one transaction,
    # so that no member ever sees a roster and an envelope of different key epochs.
    envelopes: list[EnvelopeReplacement] = Field(
        default_factory=list, max_length=limits.MAX_ROSTER_ENVELOPES
    )


class OwnRoster(Wire):
    folder_id: Id
    roster: ShareRoster


class RosterList(Wire):
    # Every roster the caller stored for one of its folders, whether the folder still has members
    # or not (spec/sharing.md, "Share roster"), sorted by folder id.
    rosters: list[OwnRoster]


class ContactInvite(Wire):
    username: str = Field(min_length=1, max_length=64)


class ContactView(Wire):
    user_id: Id
    username: str


class ContactList(Wire):
    """Invitations this account received and sent, and the accepted contacts."""

    incoming: list[ContactView]
    outgoing: list[ContactView]
    accepted: list[ContactView]


class DropCreateRequest(Wire):
    drop_id: Id
    folder_id: Id
    public_key: PublicKey
    key_wrap: AccountBlob
    # Seconds from now, on the server's clock; None for a drop link that does not expire.
    expires_in: int | None = Field(default=None, ge=1, le=limits.MAX_LINK_LIFETIME_SECONDS)


class DropKeyUpdate(Wire):
    key_wrap: AccountBlob


class DropView(Wire):
    drop_id: Id
    folder_id: Id
    public_key: PublicKey
    key_wrap: AccountBlob
    pending: int
    expires_at: int | None = None


class DropList(Wire):
    drops: list[DropView]


class DropDelivery(Wire):
    """An anonymous upload, finished: the content id of the complete upload and the drop upload
    object sealed to the drop's public key."""

    content_id: Id
    sealed: DropUploadBlob


class DroppedFileView(Wire):
    content_id: Id
    sealed: DropUploadBlob
    size: int


class DroppedFileList(Wire):
    files: list[DroppedFileView]


class ErrorBody(Wire):
    error: str
    message: str
    # Only on link_removed and content_removed: the reason code and the decision's public id.
    reason: str | None = None
    decision: str | None = None


class Health(Wire):
    status: Literal["ok"]


def build_all() -> None:
    """Build every model's validator and serializer now rather than on first use.

    The models are built lazily (``defer_build``): a client command uses a handful of them, and
    building all of them cost every command about 0.035 s of start-up. The server calls this
    before its routes are declared, so FastAPI sees finished models, as its OpenAPI document
    needs.
    """
    pending: list[type[Wire]] = [Wire]
    while pending:
        model = pending.pop()
        model.model_config["defer_build"] = False  # what FastAPI's adapters read
        if model is not Wire:
            model.model_rebuild(force=True)
        pending.extend(model.__subclasses__())
