# SPDX-License-Identifier: AGPL-3.0-or-later
"""Routes for notices (spec/http-api.md §14.1–§14.2): the public notice and abuse forms, and the
affected user's view, counter-notice and appeal."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import compliance as w
from sealbox.protocol import routes
from sealbox.server.api.auth import CallerDep, ServicesDep
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id

router = APIRouter(tags=["compliance"], responses=ERROR_RESPONSES)


def _host(request: Request) -> str:
    return request.headers.get("host", "").lower()


def _flagger(svc: ServicesDep, authorization: str | None) -> str | None:
    """The trusted flagger's name for ``Authorization: Flagger <token>``; None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "flagger" or not token.strip():
        return None
    return svc.compliance.operators.authenticate(token, ("flagger",)).name


@router.post(routes.NOTICES, status_code=201)
async def submit_notice(
    req: w.NoticeRequest,
    request: Request,
    svc: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> w.NoticeReceipt:
    flagger = await run_in_threadpool(_flagger, svc, authorization)
    return await run_in_threadpool(svc.compliance.intake.notice, req, _host(request), flagger)


@router.post(routes.ABUSE_REPORTS, status_code=201)
async def submit_abuse_report(
    req: w.AbuseReportRequest, request: Request, svc: ServicesDep
) -> w.AbuseReceipt:
    return await run_in_threadpool(svc.compliance.intake.abuse, req, _host(request))


@router.get(routes.DECISION)
async def public_decision(
    puid: Annotated[str, Path(min_length=36, max_length=36)], svc: ServicesDep
) -> w.PublicDecision:
    return await run_in_threadpool(svc.compliance.users.statement, puid.lower())


@router.get(routes.NOTICES_MINE)
async def my_notices(caller: CallerDep, svc: ServicesDep) -> w.CaseList:
    return await run_in_threadpool(svc.compliance.users.mine, caller.user_id)


@router.get(routes.NOTICE_MINE)
async def my_notice(case_id: str, caller: CallerDep, svc: ServicesDep) -> w.CaseView:
    found = path_id(case_id, "case id")
    return await run_in_threadpool(svc.compliance.users.show, caller.user_id, found)


@router.post(routes.NOTICE_COUNTER, status_code=201)
async def counter_notice(
    case_id: str, req: w.CounterNoticeRequest, caller: CallerDep, svc: ServicesDep
) -> w.RestoreWindowView:
    found = path_id(case_id, "case id")
    return await run_in_threadpool(svc.compliance.users.counter, caller.user_id, found, req)


@router.post(routes.APPEALS, status_code=201)
async def appeal(req: w.AppealRequest, caller: CallerDep, svc: ServicesDep) -> w.AppealView:
    return await run_in_threadpool(svc.compliance.users.appeal, caller.user_id, req)
