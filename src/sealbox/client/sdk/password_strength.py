# SPDX-License-Identifier: AGPL-3.0-or-later
"""How hard a new password is to guess, with zxcvbn, and why, in plain words.

The password protects the account's keys: whoever copies the server's data may try guesses
offline, each costing one Argon2id (spec/keys.md). A guessable password is the one weakness the
encryption cannot make up for, so signup and ``passwd`` refuse one unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zxcvbn import zxcvbn

MIN_SCORE = 3  # zxcvbn's scale: 0 (too guessable) to 4 (very unguessable)
_CHECKED_LENGTH = 100  # zxcvbn's time grows with length; a longer password is long enough anyway


@dataclass(frozen=True)
class Strength:
    score: int
    warning: str
    suggestions: tuple[str, ...]
    guess_time: str  # at 10,000 guesses a second: offline, against a slow hash

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_SCORE

    def explanation(self) -> str:
        """Why the password was refused, and what to do."""
        parts = [
            f"this password is too easy to guess (strength {self.score} of 4, at least "
            f"{MIN_SCORE} needed): someone who copies the server's data could find it in "
            f"{self.guess_time} of guessing, and with it open your files."
        ]
        if self.warning:
            parts.append(self.warning.rstrip(".") + ".")
        parts.extend(s.rstrip(".") + "." for s in self.suggestions)
        parts.append("Choose a longer one (a few uncommon words work well), or pass "
                     "--weak-password to use it anyway.")  # fmt: skip
        return " ".join(parts)


def assess(password: str, hints: Iterable[str] = ()) -> Strength:
    """The strength of ``password``; ``hints`` are words an attacker would try first (the
    username, the email address)."""
    result = zxcvbn(
        password[:_CHECKED_LENGTH], user_inputs=[h for h in hints if h], max_length=_CHECKED_LENGTH
    )
    feedback = result.get("feedback", {})
    return Strength(
        score=int(result["score"]),
        warning=str(feedback.get("warning") or ""),
        suggestions=tuple(str(s) for s in feedback.get("suggestions") or ()),
        guess_time=str(result["crack_times_display"]["offline_slow_hashing_1e4_per_second"]),
    )
