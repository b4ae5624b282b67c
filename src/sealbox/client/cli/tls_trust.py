# SPDX-License-Identifier: AGPL-3.0-or-later
"""The TLS trust a command's HTTP client is made with."""

from __future__ import annotations

import ssl

import httpx

from sealbox.client.sdk.bulk_http import proxied


def tls_trust(server: str) -> ssl.SSLContext | bool:
    """TLS trust for a command's client: the system's (httpx's default) for an https server. A
    plain http server's client sends every request to it, so it never speaks TLS; httpx still
    makes its SSL context when the client is made, and loading the CA bundle cost every command
    about 20 ms. So it gets a context that trusts nothing and would refuse any certificate. A
    proxy from the environment keeps the default: it may speak TLS."""
    url = httpx.URL(server)
    if url.scheme != "http" or proxied(url):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA: fails closed
