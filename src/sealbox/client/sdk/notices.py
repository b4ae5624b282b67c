# SPDX-License-Identifier: AGPL-3.0-or-later
"""The affected user's side of notice and action (spec/http-api.md §14.2): the cases that
concern this account with their statements of reasons, counter-notices and appeals. Ids and
metadata only: nothing here is sealed, and nothing sealed is sent."""

from sealbox.client.sdk.api import Api
from sealbox.protocol import compliance as w
from sealbox.protocol import routes
from sealbox.protocol.models import b64encode


async def my_cases(api: Api) -> w.CaseList:
    return await api._call("GET", routes.NOTICES_MINE, w.CaseList)


async def my_case(api: Api, case_id: bytes) -> w.CaseView:
    path = routes.NOTICE_MINE.format(case_id=b64encode(case_id))
    return await api._call("GET", path, w.CaseView)


async def counter(api: Api, case_id: bytes, notice: w.CounterNoticeRequest) -> w.RestoreWindowView:
    path = routes.NOTICE_COUNTER.format(case_id=b64encode(case_id))
    return await api._call("POST", path, w.RestoreWindowView, notice)


async def appeal(api: Api, case_id: bytes, reason: str) -> w.AppealView:
    request = w.AppealRequest(case_id=case_id, reason=reason)
    return await api._call("POST", routes.APPEALS, w.AppealView, request)
