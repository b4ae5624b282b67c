import pytest

from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


async def test_health(server: Server) -> None:
    response = await server.client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_signup_and_login(server: Server) -> None:
    account = await server.api.signup()
    response = await server.client.get("/v1/account", headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == account.username
