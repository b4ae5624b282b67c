# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading a reported file into memory through the server's inspection routes, which reach only
the reported link (spec/http-api.md §14.3). The link secret and every chunk are authenticated
exactly as a visitor's client checks them: a server that lies is refused (IntegrityError)."""

import httpx

from sealbox.client.sdk.addresses import split_url
from sealbox.client.sdk.api import Api, _id
from sealbox.crypto import content
from sealbox.crypto import links as crypto_links
from sealbox.crypto.keys import FileKey, LinkKey
from sealbox.crypto.tree import FileMetadata
from sealbox.protocol import models as m
from sealbox.protocol import routes


class InspectionApi(Api):
    """The inspector's calls: operator-token authorised, confined to one report."""

    def __init__(self, http: httpx.AsyncClient, token: str, report_id: bytes) -> None:
        super().__init__(http, None)
        self._operator_token = token
        self.report_id = report_id

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Operator {self._operator_token}"}

    def _content_path(self, content_id: bytes) -> str:
        return routes.ADMIN_INSPECT_CONTENT.format(
            report_id=_id(self.report_id), content_id=_id(content_id)
        )

    async def reported_link(self) -> m.LinkOpened:
        path = routes.ADMIN_INSPECT_OPEN.format(report_id=_id(self.report_id))
        return await self._call("GET", path, m.LinkOpened)


class NotAFile(Exception):
    """The report names a folder link: the inspector hashes single files only."""


async def read_reported_file(api: InspectionApi, url: str) -> bytearray:
    """The reported file's plaintext, in memory."""
    _, link_id, fragment = split_url(url, "/l/", "link", "<server>/l/<id>#<key>")
    key_of_link = crypto_links.parse_fragment(fragment)
    if not isinstance(key_of_link, LinkKey):
        raise NotAFile("the reported link is password-protected; review it by hand")
    opened = await api.reported_link()
    secret = crypto_links.open_link_secret(key_of_link, opened.secret, link_id, opened.node_id)
    key, metadata = secret.node_key, secret.metadata
    if not isinstance(key, FileKey) or not isinstance(metadata, FileMetadata):
        raise NotAFile("the reported link opens a folder; review it by hand")
    whole = await api.content_range(metadata.content_id, 0, 1 << 62)
    decryptor = content.ContentDecryptor(
        key, whole[: content.HEADER_BYTES], metadata.content_id, metadata.header_hash,
        metadata.size,
    )  # fmt: skip
    plaintext = bytearray()
    for index in range(decryptor.chunks):
        start, end = decryptor.chunk_range(index)
        plaintext += decryptor.decrypt_chunk(index, memoryview(whole)[start:end])
    return plaintext
