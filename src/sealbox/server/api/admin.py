# SPDX-License-Identifier: AGPL-3.0-or-later
"""Operator routes (spec/http-api.md §14.3). They take ``Authorization: Operator <token>``, a
token separate from user accounts; the inspector's token opens only its three calls."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from sealbox.protocol import compliance as w
from sealbox.protocol import routes
from sealbox.protocol.errors import ErrorCode
from sealbox.server.api.auth import ServicesDep, registry_of
from sealbox.server.api.errors import ERROR_RESPONSES
from sealbox.server.api.ids import path_id
from sealbox.server.api.transfers import serve_content
from sealbox.server.errors import ServiceError
from sealbox.server.services.operators import Operator

router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)


def _token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "operator" or not token.strip():
        raise ServiceError(
            ErrorCode.UNAUTHORIZED,
            "missing or invalid operator token",
            headers={"WWW-Authenticate": "Operator"},
        )
    return token


async def operator(request: Request) -> Operator:
    ops = registry_of(request).compliance.operators
    return await run_in_threadpool(ops.authenticate, _token(request), ("operator",))


async def inspector(request: Request) -> Operator:
    ops = registry_of(request).compliance.operators
    return await run_in_threadpool(ops.authenticate, _token(request), ("operator", "inspector"))


OperatorDep = Annotated[Operator, Depends(operator)]
InspectorDep = Annotated[Operator, Depends(inspector)]


@router.get(routes.ADMIN_CASES)
async def list_cases(op: OperatorDep, svc: ServicesDep, state: str | None = None) -> w.CaseList:
    return await run_in_threadpool(svc.compliance.cases.listing, state)


@router.get(routes.ADMIN_CASE)
async def show_case(case_id: str, op: OperatorDep, svc: ServicesDep) -> w.CaseView:
    return await run_in_threadpool(svc.compliance.cases.show, path_id(case_id, "case id"))


@router.post(routes.ADMIN_CASE_STEP)
async def case_step(
    case_id: str,
    step: Literal["act", "reject", "court-action"],
    op: OperatorDep,
    svc: ServicesDep,
) -> w.CaseView:
    found = path_id(case_id, "case id")
    decided = svc.compliance.cases
    if step == "reject":
        return await run_in_threadpool(decided.reject, found, op.name)
    if step == "court-action":
        return await run_in_threadpool(decided.court_action, found, op.name)
    gone: set[bytes] = set()
    result = await run_in_threadpool(decided.act, found, op.name, gone.update)
    await svc.collector.release(gone)
    return result


@router.post(routes.ADMIN_RESTORATIONS)
async def run_restorations(op: OperatorDep, svc: ServicesDep) -> w.RestoreRun:
    done = await run_in_threadpool(svc.compliance.cases.restore_due, op.name)
    return w.RestoreRun(restored=done)


@router.get(routes.ADMIN_STRIKES)
async def strikes(user_id: str, op: OperatorDep, svc: ServicesDep) -> w.StrikeReport:
    found = path_id(user_id, "user id")
    return await run_in_threadpool(svc.compliance.cases.strike_report, found)


@router.get(routes.ADMIN_APPEALS)
async def list_appeals(op: OperatorDep, svc: ServicesDep, state: str | None = None) -> w.AppealList:
    return await run_in_threadpool(svc.compliance.users.appeals, state)


@router.post(routes.ADMIN_APPEAL_DECIDE)
async def decide_appeal(
    appeal_id: str, req: w.AppealDecision, op: OperatorDep, svc: ServicesDep
) -> w.AppealView:
    found = path_id(appeal_id, "appeal id")
    return await run_in_threadpool(svc.compliance.users.decide, found, req, op.name)


@router.get(routes.ADMIN_FLAGGERS)
async def list_flaggers(op: OperatorDep, svc: ServicesDep) -> w.NameList:
    names = await run_in_threadpool(svc.compliance.operators.names, "flagger")
    return w.NameList(names=names)


@router.post(routes.ADMIN_FLAGGERS, status_code=201)
async def add_flagger(req: w.FlaggerCreate, op: OperatorDep, svc: ServicesDep) -> w.TokenIssued:
    ops = svc.compliance.operators
    token = await run_in_threadpool(ops.issue, req.name, "flagger", op.name)
    return w.TokenIssued(name=req.name, token=token)


@router.delete(routes.ADMIN_FLAGGER, status_code=204)
async def revoke_flagger(name: str, op: OperatorDep, svc: ServicesDep) -> Response:
    await run_in_threadpool(svc.compliance.operators.revoke, name, "flagger", op.name)
    return Response(status_code=204)


@router.get(routes.ADMIN_AUDIT)
async def audit(op: OperatorDep, svc: ServicesDep) -> w.AuditList:
    rows = await run_in_threadpool(svc.compliance.operators.audit_entries)
    return w.AuditList(entries=[w.AuditEntry.model_validate(r, from_attributes=True) for r in rows])


@router.post(routes.ADMIN_INSPECTIONS_NEXT, responses={204: {"description": "no job waiting"}})
async def next_inspection(op: InspectorDep, svc: ServicesDep) -> Response:
    job = await run_in_threadpool(svc.compliance.abuse.next_job, op.name)
    if job is None:
        return Response(status_code=204)
    return Response(
        job.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get(routes.ADMIN_INSPECT_OPEN)
async def inspect_link(report_id: str, op: InspectorDep, svc: ServicesDep) -> Response:
    found = path_id(report_id, "report id")
    opened = await run_in_threadpool(svc.compliance.inspection.open, found)
    return Response(
        opened.model_dump_json(),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get(routes.ADMIN_INSPECT_CONTENT, response_class=StreamingResponse)
async def inspect_content(
    report_id: str, content_id: str, request: Request, op: InspectorDep, svc: ServicesDep
) -> Response:
    reads = svc.compliance.inspection
    found = path_id(report_id, "report id"), path_id(content_id, "content id")
    info = await run_in_threadpool(reads.content, *found)
    return serve_content(info, request, svc)


@router.post(routes.ADMIN_INSPECTION)
async def inspection_result(
    report_id: str, req: w.InspectionResult, op: InspectorDep, svc: ServicesDep
) -> w.CaseView:
    found = path_id(report_id, "report id")
    gone: set[bytes] = set()
    result = await run_in_threadpool(
        svc.compliance.abuse.inspected, found, req, op.name, gone.update
    )
    await svc.collector.release(gone)
    return result


@router.post(routes.ADMIN_ABUSE_STEP)
async def abuse_step(
    report_id: str, step: Literal["uphold", "reject"], op: OperatorDep, svc: ServicesDep
) -> w.CaseView:
    found = path_id(report_id, "report id")
    if step == "reject":
        return await run_in_threadpool(svc.compliance.abuse.reject, found, op.name)
    gone: set[bytes] = set()
    result = await run_in_threadpool(svc.compliance.abuse.uphold, found, op.name, gone.update)
    await svc.collector.release(gone)
    return result
