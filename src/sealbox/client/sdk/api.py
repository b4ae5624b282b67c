# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: one typed method per HTTP route, all on the same request and deadline plumbing.
"""Typed calls to the Sealbox HTTP API (spec/http-api.md).

Responses are validated against the protocol models before anything uses them: a response that
does not match its schema is a server misbehaving, reported as IntegrityError so that callers
treat it like any other tampering.

No answer is trusted to end (spec/http-api.md §9.1): each is read as a stream against a bound for
its route, so a server that answers without end costs at most that bound, and each request must
finish within the deadline, so a server that sends a byte now and then cannot hold a command
forever. Content is never read whole: ranges stream, and callers hold one chunk at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from sealbox.client.sdk.bandwidth import Bandwidth
from sealbox.client.sdk.bulk_http import Body, Pieces, StreamedResponse, bulk_for
from sealbox.client.sdk.errors import ApiError, ServerTimeout
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.protocol import content_batch as cb
from sealbox.protocol import limits, routes
from sealbox.protocol import models as m
from sealbox.protocol.listing import BinaryListing, parse_listing

if TYPE_CHECKING:
    from sealbox.protocol import compliance as w

M = TypeVar("M", bound=BaseModel)

KIB, MIB = 1024, 1024 * 1024
DEFAULT_DEADLINE = 300.0
"""Seconds a request may take, from sending it to the last byte of its answer; for content, per
chunk (spec/http-api.md §9.1). Generous: only a server that stalls on purpose, or a dead
network, comes near it."""

# The largest answer read for each kind of route (spec/http-api.md §9.1). Larger is a server lie.
REPLY_JSON = 1 * MIB
REPLY_LIST = 64 * MIB
REPLY_LISTING = 256 * MIB
REPLY_ERROR = 64 * KIB
REPLY_BATCH = limits.MAX_BATCH_BYTES + limits.MAX_BATCH_CONTENTS * (16 + 1 + 8) + 4
SHOWN_MESSAGE = 500  # characters of a server's error message worth showing anyone


def _id(value: bytes) -> str:
    return m.b64encode(value)


class Http(httpx.AsyncClient):
    """The HTTP client for the SDK's calls: httpx's, carrying the per-request ``deadline`` in
    seconds that every Api made on it enforces (``DEFAULT_DEADLINE`` on a plain httpx client)."""

    def __init__(
        self, *args: Any, deadline: float = DEFAULT_DEADLINE, bulk_from: int = 0, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.deadline = deadline
        # Content downloads are received straight into chunk buffers where the client can
        # (bulk_http.py), once ``bulk_from`` bytes of content have been asked for in all: that
        # pool opens connections of its own, which a command that fetches a few small files
        # does better without (0: from the first download).
        self.bulk = bulk_for(self, kw)
        self.bulk_from = bulk_from
        self._content_asked = 0

    def through_bulk(self, size: int) -> bool:
        """Whether a content download of ``size`` bytes goes through the bulk download pool."""
        self._content_asked += size
        if self.bulk is None:
            return False
        return self.bulk.opened or self._content_asked >= self.bulk_from

    async def aclose(self) -> None:
        if self.bulk is not None:
            await self.bulk.aclose()
        await super().aclose()

    async def __aexit__(self, *exc: Any) -> None:
        if self.bulk is not None:
            await self.bulk.aclose()
        await super().__aexit__(*exc)


def deadline_of(http: httpx.AsyncClient) -> float:
    return http.deadline if isinstance(http, Http) else DEFAULT_DEADLINE


@dataclass(frozen=True)
class Reply:
    """A whole answer, read within its bound."""

    status: int
    headers: httpx.Headers
    body: bytes


class Api:
    """One server, one optional session token, one connection pool."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token
        self.deadline = deadline_of(http)
        # A bandwidth limit on content sent and received (bandwidth.py); None for none.
        self.pace: Bandwidth | None = None
        # Whether chunks may travel straight to the object store when the server offers it
        # (spec/http-api.md §6.6, sdk/direct.py); False always sends them through the server.
        self.direct = True
        self._direct_offered = False  # what the last content answer said (content_head)

    async def take(self, size: int) -> None:
        """Wait until ``size`` content bytes may move under the bandwidth limit."""
        await self._take(size)

    async def _take(self, size: int) -> None:
        if self.pace is not None:
            await self.pace.take(size)

    def _body(self, response: StreamedResponse, skip: int) -> Body:
        """A content answer's body from byte ``skip`` on, paced: straight into the chunk buffer
        where the answer can (bulk_http.Body), else piece by piece."""
        if isinstance(response, Body) and not skip:
            body: Body = response
        else:
            body = Pieces(_skipping(response.aiter_bytes(), skip))
        return body if self.pace is None else _PacedBody(body, self._take)

    def _headers(self) -> dict[str, str]:
        if self.token is None:
            return {}
        return {routes.AUTH_HEADER: f"{routes.AUTH_SCHEME} {self.token}"}

    @contextlib.asynccontextmanager
    async def deadline_for(self, what: str) -> AsyncIterator[None]:
        """Run the body within the deadline, or raise ServerTimeout naming ``what``."""
        try:
            async with asyncio.timeout(self.deadline):
                yield
        except TimeoutError:
            raise ServerTimeout(
                f"the server did not answer within {self.deadline:g} s ({what})"
            ) from None

    async def _send(
        self, method: str, path: str, *, json: Any = None, content: Any = None,
        limit: int = REPLY_JSON, **kw: Any,
    ) -> Reply:  # fmt: skip
        """Send a request and read its whole answer, at most ``limit`` bytes of it."""
        what = f"{method} {path}"
        async with self._answer(method, path, json=json, content=content, **kw) as response:
            body = await _read_within(response, limit)
        if body is None:
            raise _too_large(limit, what)
        return Reply(response.status_code, response.headers, body)

    @contextlib.asynccontextmanager
    async def _answer(self, method: str, path: str, **kw: Any) -> AsyncIterator[httpx.Response]:
        """Send a request and give its answer, still to be read, within the deadline (which
        covers the whole block); an error status is raised as the server's error, and the
        answer is closed when the block ends."""
        headers = {**self._headers(), **kw.pop("headers", {})}
        request = self.http.build_request(method, path, headers=headers, **kw)
        async with self.deadline_for(f"{method} {path}"):
            response = await self.http.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    raise _api_error(
                        response.status_code,
                        await _read_within(response, REPLY_ERROR),
                        response.headers.get("retry-after"),
                    )
                yield response
            finally:
                await response.aclose()

    async def _download(self, request: httpx.Request, size: int) -> StreamedResponse:
        """Send a GET of ``size`` bytes of content, whose answer is read as it arrives: through
        the bulk download pool where the client has one and takes it for this request
        (bulk_http.py), else through httpx."""
        if isinstance(self.http, Http) and self.http.through_bulk(size):
            assert self.http.bulk is not None
            return await self.http.bulk.send(request)
        return await self.http.send(request, stream=True)

    async def _call(self, method: str, path: str, model: type[M], body: BaseModel | None = None,
                    **kw: Any) -> M:  # fmt: skip
        if body is not None:
            # Encoded by pydantic's serializer in one call: a transaction of 500 small files is
            # about 3 MB of JSON, which a dict and the json module took 1.6 times as long to make.
            kw["content"] = body.model_dump_json(exclude_none=True).encode()
            kw["headers"] = {**kw.get("headers", {}), "content-type": "application/json"}
        reply = await self._send(method, path, **kw)
        return parse(model, reply.body)

    # Accounts and sessions ------------------------------------------------------------------

    async def signup(self, request: m.SignupRequest) -> m.SignupResponse:
        return await self._call("POST", routes.ACCOUNTS, m.SignupResponse, request)

    async def prelogin(self, username: str) -> m.PreloginResponse:
        body = m.PreloginRequest(username=username)
        return await self._call("POST", routes.PRELOGIN, m.PreloginResponse, body)

    async def login(self, username: str, auth_key: bytes) -> m.LoginResponse:
        body = m.LoginRequest(username=username, auth_key=auth_key)
        return await self._call("POST", routes.SESSIONS, m.LoginResponse, body)

    async def account(self) -> m.AccountView:
        return await self._call("GET", routes.ACCOUNT, m.AccountView)

    async def sessions(self) -> m.SessionList:
        return await self._call("GET", routes.SESSIONS, m.SessionList, limit=REPLY_LIST)

    async def name_session(self, session_id: bytes, device: bytes) -> None:
        path = routes.SESSION_DEVICE.format(session_id=_id(session_id))
        body = m.SessionDevice(device=device).model_dump(mode="json")
        await self._send("PUT", path, json=body)

    async def revoke_session(self, session_id: bytes) -> None:
        await self._send("DELETE", routes.SESSION.format(session_id=_id(session_id)))

    async def revoke_other_sessions(self) -> int:
        return (await self._call("POST", routes.SESSIONS_REVOKE_OTHERS, m.RevokedCount)).revoked

    async def change_password(self, request: m.PasswordChangeRequest) -> int:
        result = await self._call("POST", routes.ACCOUNT_PASSWORD, m.RevokedCount, request)
        return result.revoked

    async def recovery(self, username: str, recovery_auth_key: bytes) -> m.RecoveryResponse:
        body = m.RecoveryRequest(username=username, recovery_auth_key=recovery_auth_key)
        return await self._call("POST", routes.RECOVERY, m.RecoveryResponse, body)

    async def recovery_reset(self, request: m.RecoveryResetRequest) -> int:
        result = await self._call("POST", routes.RECOVERY_RESET, m.RevokedCount, request)
        return result.revoked

    async def export_account(self) -> m.AccountExport:
        return await self._call("GET", routes.ACCOUNT_EXPORT, m.AccountExport, limit=REPLY_LIST)

    async def delete_account(self, auth_key: bytes) -> None:
        body = m.AccountDeleteRequest(auth_key=auth_key).model_dump(mode="json")
        await self._send("POST", routes.ACCOUNT_DELETE, json=body)

    # The drive --------------------------------------------------------------------------------

    def _transactions_path(self) -> str:
        return routes.TRANSACTIONS

    async def transaction(self, request: m.TransactionRequest) -> m.TransactionResponse:
        path = self._transactions_path()
        await self._take(sum(len(p.inline.chunk) for p in request.puts if p.inline is not None))
        return await self._call("POST", path, m.TransactionResponse, request)

    def _folder_path(self, folder_id: bytes) -> str:
        return routes.FOLDER.format(node_id=_id(folder_id))

    def _content_path(self, content_id: bytes) -> str:
        return routes.CONTENT.format(content_id=_id(content_id))

    async def folder(self, folder_id: bytes) -> BinaryListing:
        """The folder's binary listing, read whole and parsed, not checked (for tools and tests;
        the SDK checks a listing as it arrives, through folder_pieces)."""
        reply = await self._send(
            "GET", self._folder_path(folder_id), headers={"Accept": routes.LISTING_MEDIA_TYPE},
            limit=REPLY_LISTING,
        )  # fmt: skip
        try:
            return parse_listing(reply.body)
        except ValueError as exc:
            raise IntegrityError(ErrorCode.MALFORMED, f"server listing: {exc}") from None

    @contextlib.asynccontextmanager
    async def folder_pieces(self, folder_id: bytes) -> AsyncIterator[AsyncIterator[bytes]]:
        """The folder's binary listing as it arrives, piece by piece, for a client that checks
        it meanwhile (listing_check.py); more than ``REPLY_LISTING`` bytes is refused. The
        deadline covers the whole block."""
        path = self._folder_path(folder_id)
        headers = {"Accept": routes.LISTING_MEDIA_TYPE}
        async with self._answer("GET", path, headers=headers) as response:
            yield _pieces_within(response, REPLY_LISTING, f"GET {path}")

    def _node_path(self, node_id: bytes) -> str:
        return routes.NODE.format(node_id=_id(node_id))

    async def decision(self, puid: str) -> w.PublicDecision:
        """A decision's public statement of reasons (spec/compliance.md §3.4)."""
        from sealbox.protocol import compliance as w  # only here: a client rarely needs it

        return await self._call("GET", routes.DECISION.format(puid=puid), w.PublicDecision)

    async def my_cases(self) -> w.CaseList:
        from sealbox.protocol import compliance as w

        return await self._call("GET", routes.NOTICES_MINE, w.CaseList)

    async def node(self, node_id: bytes) -> m.NodeView:
        return await self._call("GET", self._node_path(node_id), m.NodeView)

    async def versions(self, node_id: bytes) -> m.VersionList:
        path = routes.NODE_VERSIONS.format(node_id=_id(node_id))
        return await self._call("GET", path, m.VersionList, limit=REPLY_LIST)

    async def remove_version(self, node_id: bytes, version: int) -> None:
        await self._send(
            "DELETE", routes.NODE_VERSION.format(node_id=_id(node_id), version=version)
        )

    async def feed(self, cursor: int, wait: int = 0) -> m.FeedPage:
        params = {"cursor": cursor, "wait": wait}
        return await self._call("GET", routes.FEED, m.FeedPage, params=params, limit=REPLY_LIST)

    # Links ------------------------------------------------------------------------------------

    async def create_link(self, request: m.LinkCreateRequest) -> m.LinkView:
        return await self._call("POST", routes.LINKS, m.LinkView, request)

    async def links(self) -> m.LinkList:
        return await self._call("GET", routes.LINKS, m.LinkList, limit=REPLY_LIST)

    async def revoke_link(self, link_id: bytes) -> None:
        await self._send("DELETE", routes.LINK.format(link_id=_id(link_id)))

    async def open_link(self, link_id: bytes) -> m.LinkOpened:
        return await self._call("POST", routes.LINK_OPEN.format(link_id=_id(link_id)), m.LinkOpened)

    # Identities and shares ---------------------------------------------------------------------

    async def user_bundle(self, username: str) -> m.UserBundle:
        path = routes.USER_BUNDLE.format(username=quote(username, safe=""))
        return await self._call("GET", path, m.UserBundle)

    async def invite_contact(self, username: str) -> None:
        await self._send("POST", routes.CONTACTS, json={"username": username})

    async def contacts(self) -> m.ContactList:
        return await self._call("GET", routes.CONTACTS, m.ContactList, limit=REPLY_LIST)

    async def accept_contact(self, username: str) -> None:
        await self._send("POST", routes.CONTACT_ACCEPT.format(username=quote(username, safe="")))

    async def decline_contact(self, username: str) -> None:
        await self._send("POST", routes.CONTACT_DECLINE.format(username=quote(username, safe="")))

    async def remove_contact(self, username: str) -> None:
        await self._send("DELETE", routes.CONTACT.format(username=quote(username, safe="")))

    async def replace_envelope(self, share_id: bytes, envelope: bytes) -> None:
        await self._send(
            "PUT",
            routes.SHARE_ENVELOPE.format(share_id=_id(share_id)),
            json={"envelope": m.b64encode(envelope)},
        )

    async def set_roster(
        self, folder_id: bytes, roster: bytes, envelopes: dict[bytes, bytes] | None = None
    ) -> None:
        """Publish a roster, and with it (one transaction) new envelopes by share id."""
        update = m.RosterUpdate(
            roster=roster,
            envelopes=[
                m.EnvelopeReplacement(share_id=k, envelope=v) for k, v in (envelopes or {}).items()
            ],
        )
        await self._send(
            "PUT",
            routes.SHARE_ROSTER.format(folder_id=_id(folder_id)),
            json=update.model_dump(mode="json"),
        )

    async def rosters(self) -> m.RosterList:
        """This account's own rosters, of every folder it ever shared (members or none)."""
        return await self._call("GET", routes.ROSTERS, m.RosterList, limit=REPLY_LIST)

    async def create_share(self, request: m.ShareCreateRequest) -> m.ShareView:
        return await self._call("POST", routes.SHARES, m.ShareView, request)

    async def shares(self) -> m.ShareList:
        return await self._call("GET", routes.SHARES, m.ShareList, limit=REPLY_LIST)

    async def remove_share(self, share_id: bytes) -> None:
        await self._send("DELETE", routes.SHARE.format(share_id=_id(share_id)))

    # Drop links -------------------------------------------------------------------------------

    async def create_drop(self, request: m.DropCreateRequest) -> m.DropView:
        return await self._call("POST", routes.DROPS, m.DropView, request)

    async def drops(self) -> m.DropList:
        return await self._call("GET", routes.DROPS, m.DropList, limit=REPLY_LIST)

    async def delete_drop(self, drop_id: bytes) -> None:
        await self._send("DELETE", routes.DROP.format(drop_id=_id(drop_id)))

    async def rewrap_drop(self, drop_id: bytes, key_wrap: bytes) -> None:
        body = m.DropKeyUpdate(key_wrap=key_wrap).model_dump(mode="json")
        await self._send("PUT", routes.DROP_KEY.format(drop_id=_id(drop_id)), json=body)

    async def drop_files(self, drop_id: bytes) -> m.DroppedFileList:
        path = routes.DROP_FILES.format(drop_id=_id(drop_id))
        return await self._call("GET", path, m.DroppedFileList, limit=REPLY_LIST)

    async def reject_dropped(self, drop_id: bytes, content_id: bytes) -> None:
        path = routes.DROP_FILE.format(drop_id=_id(drop_id), content_id=_id(content_id))
        await self._send("DELETE", path)

    # Transfers --------------------------------------------------------------------------------

    def _uploads_path(self) -> str:
        return routes.UPLOADS

    def _chunk_path(self, content_id: bytes, index: int) -> str:
        return routes.UPLOAD_CHUNK.format(content_id=_id(content_id), index=index)

    async def open_upload(self, request: m.UploadOpenRequest) -> m.UploadView:
        # The view lists the chunks present: at most the chunk count this client declared.
        limit = 4 * KIB + 12 * request.chunk_count
        return await self._call("POST", self._uploads_path(), m.UploadView, request, limit=limit)

    async def upload_state(self, content_id: bytes) -> m.UploadView:
        path = routes.UPLOAD.format(content_id=_id(content_id))
        return await self._call("GET", path, m.UploadView, limit=REPLY_LIST)

    def _upload_path(self, content_id: bytes) -> str | None:
        return routes.UPLOAD.format(content_id=_id(content_id))

    async def abandon_upload(self, content_id: bytes) -> None:
        """Delete an upload and its chunks, where the API has a route for it (otherwise the
        server lets it expire)."""
        path = self._upload_path(content_id)
        if path is not None:
            await self._send("DELETE", path)

    async def put_chunk(
        self, content_id: bytes, index: int, data: bytes | bytearray | memoryview
    ) -> None:
        path = self._chunk_path(content_id, index)
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}
        # Sent as pieces of the caller's buffer with the length declared up front, rather than
        # as one bytes copy of the whole chunk: the HTTP layer copies a piece at a time.
        await self._take(len(data))
        await self._send("PUT", path, content=_pieces(data), headers=headers)

    @property
    def transfers_direct(self) -> bool:
        """Whether this tree's chunks may use the direct routes (§6.6): an account's own drive's
        can, if the user allows; links, shares and drops always go through the server."""
        own = type(self)._content_path is Api._content_path
        return self.direct and own and type(self)._chunk_path is Api._chunk_path

    async def direct_puts(self, content_id: bytes, indexes: list[int]) -> m.DirectPuts:
        path = routes.UPLOAD_DIRECT.format(content_id=_id(content_id))
        body = m.ChunkIndexes(indexes=indexes)
        return await self._call("POST", path, m.DirectPuts, body, limit=REPLY_LIST)

    async def confirm_stored(self, content_id: bytes, indexes: list[int]) -> m.UploadView:
        path = routes.UPLOAD_STORED.format(content_id=_id(content_id))
        body = m.ChunkIndexes(indexes=indexes)
        return await self._call("POST", path, m.UploadView, body, limit=REPLY_LIST)

    async def direct_gets(self, content_id: bytes, start: int, count: int) -> m.DirectGets:
        path = routes.CONTENT_DIRECT.format(content_id=_id(content_id))
        body = m.ChunkSpan(start=start, count=count)
        return await self._call("POST", path, m.DirectGets, body, limit=REPLY_LIST)

    async def content_range(self, content_id: bytes, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a content object, or fewer if it ends first; never more."""
        return (await self.content_range_sized(content_id, start, end))[0]

    async def content_range_sized(
        self, content_id: bytes, start: int, end: int
    ) -> tuple[bytes, int | None]:
        """Bytes ``[start, end)`` of a content object, and the object's whole length as the
        server states it (None if it does not). Nothing past ``end`` is read."""
        async with self.content_range_stream(content_id, start, end) as (pieces, total):
            async with self.deadline_for(f"GET {self._content_path(content_id)}"):
                data = bytearray()
                async for piece in pieces:
                    data += piece[: end - start - len(data)]
                    if len(data) == end - start:
                        break
        return bytes(data), total

    async def content_head(self, content_id: bytes, length: int) -> tuple[bytes, int | None, bool]:
        """The first ``length`` bytes of a content object, its length as the server states it,
        and whether the answer offers direct transfers for the object's chunks (§6.6)."""
        async with self.content_range_stream(content_id, 0, length) as (pieces, total):
            async with self.deadline_for(f"GET {self._content_path(content_id)}"):
                data = bytearray()
                async for piece in pieces:
                    data += piece[: length - len(data)]
                    if len(data) == length:
                        break
            offered = self._direct_offered
        return bytes(data), total, offered

    @contextlib.asynccontextmanager
    async def content_range_stream(
        self, content_id: bytes, start: int, end: int
    ) -> AsyncIterator[tuple[AsyncIterator[bytes], int | None]]:
        """Bytes ``[start, end)`` of a content object as they arrive, for a download that spans
        many chunks in one request, and the object's length as the server states it. The pieces
        may stop short of ``end`` or run past it; callers take what they need and check lengths.
        The deadline covers the answer's start here; callers bound each chunk's arrival with
        ``deadline_for``.
        """
        path = self._content_path(content_id)
        headers = {**self._headers(), "Range": f"bytes={start}-{end - 1}"}
        request = self.http.build_request("GET", path, headers=headers)
        async with self.deadline_for(f"GET {path}"):
            response = await self._download(request, end - start)
        try:
            if response.status_code == 416:
                # The object ends before a range its authenticated size says it has.
                raise IntegrityError(
                    ErrorCode.CONTENT_LENGTH, "the content ends before the size its metadata gives"
                )
            if response.status_code >= 400:
                async with self.deadline_for(f"GET {path}"):
                    body = await _read_within(response, REPLY_ERROR)
                raise _api_error(response.status_code, body)
            if response.status_code not in (200, 206):
                raise IntegrityError(ErrorCode.MALFORMED, "unexpected download status")
            self._direct_offered = response.headers.get(routes.DIRECT_HEADER) == "1"
            # A server may ignore Range and send the whole object (RFC 9110): skip to ``start``.
            skip = start if response.status_code == 200 else 0
            yield self._body(response, skip), _stated_length(response)
        finally:
            await response.aclose()

    @property
    def batches_contents(self) -> bool:
        """Whether this tree's contents can be fetched many to a request (§6.4): an account's
        own drive can; links and shares fetch one content per request."""
        return type(self)._content_path is Api._content_path

    async def contents_batch(self, content_ids: list[bytes]) -> list[cb.BatchItem]:
        """Many small content objects in one request, one item per id in the order asked."""
        body = m.ContentBatchRequest(content_ids=content_ids).model_dump(mode="json")
        reply = await self._send("POST", routes.CONTENTS_BATCH, json=body, limit=REPLY_BATCH)
        await self._take(len(reply.body))
        try:
            items = cb.parse_batch(reply.body)
        except ValueError as exc:
            raise IntegrityError(ErrorCode.MALFORMED, f"server content batch: {exc}") from None
        if [item.content_id for item in items] != content_ids:
            raise IntegrityError(ErrorCode.MALFORMED, "the server answered for other contents")
        return items


class LinkApi(Api):
    """The calls a link visitor makes: listings and content through the link, with no session.

    The link id in the path is the only authority; the link key never leaves the client.
    """

    def __init__(self, http: httpx.AsyncClient, link_id: bytes) -> None:
        super().__init__(http, None)
        self.link_id = link_id

    def _folder_path(self, folder_id: bytes) -> str:
        return routes.LINK_FOLDER.format(link_id=_id(self.link_id), node_id=_id(folder_id))

    def _content_path(self, content_id: bytes) -> str:
        return routes.LINK_CONTENT.format(link_id=_id(self.link_id), content_id=_id(content_id))


class ShareApi(Api):
    """A member's calls into a folder shared with them: listings, content and (write members)
    transactions go through the share; uploads are opened through it (the owner's quota applies)
    and stay the member's own."""

    def __init__(self, http: httpx.AsyncClient, token: str | None, share_id: bytes) -> None:
        super().__init__(http, token)
        self.share_id = share_id

    def _folder_path(self, folder_id: bytes) -> str:
        return routes.SHARE_FOLDER.format(share_id=_id(self.share_id), node_id=_id(folder_id))

    def _content_path(self, content_id: bytes) -> str:
        return routes.SHARE_CONTENT.format(share_id=_id(self.share_id), content_id=_id(content_id))

    def _node_path(self, node_id: bytes) -> str:
        return routes.SHARE_NODE.format(share_id=_id(self.share_id), node_id=_id(node_id))

    def _transactions_path(self) -> str:
        return routes.SHARE_TRANSACTIONS.format(share_id=_id(self.share_id))

    def _uploads_path(self) -> str:
        # Opened through the share so that the owner's quota applies; the chunks and the upload
        # stay the member's own (§6.2 routes).
        return routes.SHARE_UPLOADS.format(share_id=_id(self.share_id))


BODY_PIECE = 1024 * 1024


def pieces(data: bytes | bytearray | memoryview) -> AsyncIterator[memoryview]:
    """A body sent as pieces of the caller's buffer (its length declared up front)."""
    return _pieces(data)


async def _pieces(data: bytes | bytearray | memoryview) -> AsyncIterator[memoryview]:
    view = memoryview(data)
    for start in range(0, len(view), BODY_PIECE):
        yield view[start : start + BODY_PIECE]


class _PacedBody(Body):
    """A body that waits for the bandwidth limit after each piece or fill."""

    def __init__(self, body: Body, take: Callable[[int], Awaitable[None]]) -> None:
        self._body = body
        self._take = take

    async def __anext__(self) -> bytes:
        piece = await anext(self._body)
        await self._take(len(piece))
        return piece

    async def fill(self, target: memoryview) -> int:
        got = await self._body.fill(target)
        await self._take(got)
        return got


async def _skipping(pieces: AsyncIterator[bytes], skip: int) -> AsyncIterator[bytes]:
    async for piece in pieces:
        if skip >= len(piece):
            skip -= len(piece)
            continue
        yield piece[skip:] if skip else piece
        skip = 0


def parse(model: type[M], content: bytes) -> M:
    try:
        return model.model_validate_json(content)
    except ValidationError:
        raise IntegrityError(
            ErrorCode.MALFORMED, f"server response is not a valid {model.__name__}"
        ) from None


async def _pieces_within(response: httpx.Response, limit: int, what: str) -> AsyncIterator[bytes]:
    """The body's pieces as they arrive; more than ``limit`` bytes in all is refused."""
    received = 0
    stated = response.headers.get("content-length", "")
    if stated.isdigit() and int(stated) > limit:
        raise _too_large(limit, what)
    async for piece in response.aiter_bytes():
        received += len(piece)
        if received > limit:
            raise _too_large(limit, what)
        yield piece


def _too_large(limit: int, what: str) -> IntegrityError:
    return IntegrityError(
        ErrorCode.MALFORMED,
        f"the server sent a reply larger than {_size(limit)} for {what}; refused",
    )


async def _read_within(response: StreamedResponse, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes ``limit`` bytes (the rest is never read)."""
    stated = response.headers.get("content-length", "")
    if stated.isdigit() and int(stated) > limit:
        return None
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) > limit:
            return None
    return bytes(body)


def _stated_length(response: StreamedResponse) -> int | None:
    """The whole object's length from ``Content-Range: bytes a-b/N`` (206) or the length of a
    whole-object answer (200); None when the server does not say."""
    if response.status_code == 206:
        total = response.headers.get("content-range", "").rpartition("/")[2]
    else:
        total = response.headers.get("content-length", "")
    return int(total) if total.isdigit() else None


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n} bytes"


def _api_error(status: int, body: bytes | None, retry_after: str | None = None) -> ApiError:
    try:
        error = m.ErrorBody.model_validate_json(body or b"")
    except ValidationError:
        return ApiError(status, "http_error", f"HTTP {status}")
    message = error.message
    if len(message) > SHOWN_MESSAGE:
        message = message[:SHOWN_MESSAGE] + "…"
    wait = int(retry_after) if retry_after and retry_after.isdecimal() else None
    return ApiError(
        status, error.error, message, min(wait, 86400) if wait else None,
        reason=_short(error.reason), decision=_short(error.decision),
    )  # fmt: skip


def _short(text: str | None) -> str | None:
    """A reason code or decision id from an error body, cut to a sane length."""
    return text[:64] if text else None
