# SPDX-License-Identifier: AGPL-3.0-or-later
"""The repeat-infringer policy: three strikes within six months suspend."""

from sealbox.compliance.strikes import DAY, StrikePolicy, Verdict

NOW = 1_800_000_000.0


def test_third_strike_in_window_suspends() -> None:
    policy = StrikePolicy()
    times = [NOW - 100 * DAY, NOW - 10 * DAY]
    assert policy.verdict(times, NOW) is Verdict.NONE
    assert policy.verdict([*times, NOW], NOW) is Verdict.SUSPEND


def test_one_outside_the_window_does_not_count() -> None:
    policy = StrikePolicy()
    assert policy.verdict([NOW - 200 * DAY, NOW - 10 * DAY, NOW], NOW) is Verdict.NONE


def test_configurable_limit_window_and_warning() -> None:
    policy = StrikePolicy(limit=2, window_days=30, warning=True)
    assert policy.verdict([NOW], NOW) is Verdict.WARN
    assert policy.verdict([NOW - 31 * DAY, NOW], NOW) is Verdict.WARN
    assert policy.verdict([NOW - 29 * DAY, NOW], NOW) is Verdict.SUSPEND
