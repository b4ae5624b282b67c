# SPDX-License-Identifier: AGPL-3.0-or-later
"""The compliance services of one server process (spec/compliance.md), built together."""

import os
from dataclasses import dataclass

from sealbox.compliance.ids import Randomness
from sealbox.server.clock import Clock
from sealbox.server.db.engine import Engine
from sealbox.server.services.abuse import AbuseService
from sealbox.server.services.cases import CaseService
from sealbox.server.services.inspection_reads import InspectionReads
from sealbox.server.services.inspections import InspectionQueue
from sealbox.server.services.notices import NoticeIntake
from sealbox.server.services.operators import OperatorService
from sealbox.server.services.requests import RequestService, request_policy
from sealbox.server.services.transparency import LogSigner, TransparencyLog
from sealbox.server.services.transparency_jobs import LogSchedule
from sealbox.server.services.user_cases import UserCaseService
from sealbox.server.settings import ComplianceSettings


@dataclass(frozen=True, slots=True)
class Compliance:
    operators: OperatorService
    intake: NoticeIntake
    cases: CaseService
    users: UserCaseService
    abuse: AbuseService
    inspection: InspectionReads
    # The transparency log every action above is entered in, and its scheduled entries.
    log: TransparencyLog
    log_jobs: LogSchedule
    requests: RequestService


def build_compliance(
    engine: Engine,
    clock: Clock,
    policy: ComplianceSettings,
    random: Randomness = os.urandom,
    signer: LogSigner | None = None,
) -> Compliance:
    queue = InspectionQueue(clock, policy.inspection_ttl_seconds)
    operators = OperatorService(engine, clock, random)
    log = TransparencyLog(engine, clock, policy.transparency_origin, signer)
    decided = CaseService(engine, clock, policy, operators, random, log)
    return Compliance(
        operators=operators,
        intake=NoticeIntake(engine, clock, policy, queue, random, log),
        cases=decided,
        users=UserCaseService(engine, clock, decided, random),
        abuse=AbuseService(engine, clock, policy, decided, queue),
        inspection=InspectionReads(engine),
        log=log,
        log_jobs=LogSchedule(engine, clock, log, policy.canary_statement, policy.canary_days),
        requests=RequestService(
            engine, clock, request_policy(policy), operators, log.append, random
        ),
    )
