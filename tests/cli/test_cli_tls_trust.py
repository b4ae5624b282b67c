# SPDX-License-Identifier: AGPL-3.0-or-later
"""The TLS trust of a command's HTTP client (cli/context.py, http_client): the system's for an
https server; for a plain http server, whose client never speaks TLS, a context that loads no CA
bundle (about 20 ms a command) and would refuse every certificate rather than accept one."""

from __future__ import annotations

import ssl

import pytest

from sealbox.client.cli.context import http_client


def client_context(server: str) -> ssl.SSLContext:
    http = http_client(server)
    context = http._transport._pool._ssl_context  # type: ignore[attr-defined]  # httpcore's pool
    assert isinstance(context, ssl.SSLContext)
    return context


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_an_https_servers_client_trusts_the_systems_authorities() -> None:
    context = client_context("https://drive.example")
    assert context.cert_store_stats()["x509_ca"] > 0
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_plain_http_servers_client_loads_no_authorities_and_fails_closed() -> None:
    context = client_context("http://127.0.0.1:8000")
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_proxy_from_the_environment_keeps_the_systems_trust(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "https://proxy.example:3128")
    assert client_context("http://drive.example").cert_store_stats()["x509_ca"] > 0
