"""Due dates and late penalties.

Due dates are nbgrader's: the `duedate` of each assignment in the gradebook (set with `nncourse
duedate`, `nbgrader db assignment add ID --duedate=...` or formgrader's Manage Assignments). A
submission's time comes from nbgrader's `timestamp.txt`, the LMS download, or the file itself.

The late policy is one line, read from nbgrader_config.py (`c.LatePenalty.policy`), so that
`nncourse` and nbgrader's own `autograde` apply the same rule:

    none                    no penalty (the default)
    zero                    a late notebook scores 0
    10%/day                 10% of the score per started day late
    2%/hour, max 50%        2% per started hour, never more than 50% of the score

The penalty is a share of the score the notebook earned (so it never exceeds it); nbgrader stores
it as the notebook's `late_submission_penalty`. Exports recompute it from the current score, so a
written answer graded after the autograde run is penalised the same way.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from traitlets import Unicode

try:
    from nbgrader.plugins import LateSubmissionPlugin
except ImportError:  # pragma: no cover - nbgrader is a dependency; this keeps the parser importable
    LateSubmissionPlugin = object

_POLICY = re.compile(r"^\s*(?P<rate>\d+(?:\.\d+)?)\s*%\s*(?:/|per)\s*(?P<unit>day|hour)s?\s*"
                     r"(?:,?\s*(?:max(?:imum)?|cap)\s*(?P<cap>\d+(?:\.\d+)?)\s*%)?\s*$", re.IGNORECASE)
_SECONDS = {"day": 86400, "hour": 3600}


class PolicyError(ValueError):
    """A late policy that cannot be read."""


@dataclass(frozen=True)
class LatePolicy:
    method: str = "none"        # none, zero, rate
    rate: float = 0.0           # percent per unit
    unit: str = "day"
    cap: float = 100.0          # percent

    @classmethod
    def parse(cls, text: str | None) -> LatePolicy:
        text = (text or "none").strip()
        if text.lower() in ("", "none"):
            return cls()
        if text.lower() == "zero":
            return cls("zero", cap=100.0)
        match = _POLICY.match(text)
        if not match:
            raise PolicyError(f"cannot read the late policy {text!r}: write none, zero, 10%/day, 2%/hour "
                              "or 10%/day max 50%")
        rate, cap = float(match["rate"]), float(match["cap"]) if match["cap"] else 100.0
        if not 0 < rate <= 100 or not 0 < cap <= 100:
            raise PolicyError(f"late policy {text!r}: percentages must lie between 0 and 100")
        return cls("rate", rate, match["unit"].lower(), cap)

    def fraction(self, seconds_late: float) -> float:
        """The share of the score taken away for a submission `seconds_late` seconds late."""
        if seconds_late <= 0 or self.method == "none":
            return 0.0
        if self.method == "zero":
            return 1.0
        periods = math.ceil(seconds_late / _SECONDS[self.unit])
        return min(self.cap, self.rate * periods) / 100.0

    def penalty(self, score: float, seconds_late: float) -> float:
        return round(score * self.fraction(seconds_late), 6)

    def describe(self) -> str:
        if self.method == "none":
            return "no late penalty"
        if self.method == "zero":
            return "late work scores 0"
        text = f"{self.rate:g}% of the score per started {self.unit} late"
        return text + (f", at most {self.cap:g}%" if self.cap < 100 else "")


def policy_from_config(config) -> LatePolicy:
    """The policy of a traitlets Config (nbgrader_config.py): `c.LatePenalty.policy`."""
    section = config.get("LatePenalty", {}) if config is not None else {}
    return LatePolicy.parse(section.get("policy", "none") if hasattr(section, "get") else "none")


# ---- times ---------------------------------------------------------------------------------------

def parse_time(text: str | None) -> datetime | None:
    """A time as nbgrader writes and reads them (timestamp.txt, due dates) -> naive UTC datetime."""
    if not text or not str(text).strip():
        return None
    from nbgrader.utils import parse_utc
    return parse_utc(str(text).strip())


def utc_text(moment: datetime | None) -> str | None:
    """nbgrader's timestamp.txt format (UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def display_time(text: str | None) -> str:
    """A stored time for people: '2027-01-15 23:59 UTC'."""
    moment = parse_time(text) if text else None
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def seconds_late(submitted: str | None, due: str | datetime | None) -> float:
    """How late `submitted` is for `due` (0 when either is unknown or it was on time)."""
    when = parse_time(submitted)
    deadline = parse_time(due) if isinstance(due, str) else due
    if when is None or deadline is None:
        return 0.0
    return max(0.0, (when - deadline).total_seconds())


def describe_lateness(seconds: float) -> str:
    if seconds <= 0:
        return "on time"
    days, rest = divmod(int(math.ceil(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = max(1, rest // 60) if not (days or hours) else rest // 60
    parts = [f"{days} day{'s' * (days != 1)}"] if days else []
    if hours:
        parts.append(f"{hours} hour{'s' * (hours != 1)}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts) + " late"


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin with nncourse's policies (per day or hour, capped).

    In nbgrader_config.py:  c.AssignLatePenalties.plugin_class = "nncourse.grading.late.LatePenalty"
                            c.LatePenalty.policy = "10%/day max 50%"
    """

    policy = Unicode("none", help="none, zero, 10%/day, 2%/hour, 10%/day max 50%").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        penalty = LatePolicy.parse(self.policy).penalty(float(score or 0.0), float(total_seconds_late or 0.0))
        return penalty or None
