"""The scheduled jobs by name and when each runs: standard library only, so `prevent-bot jobs list` stays light."""

from __future__ import annotations

SCHEDULE: dict[str, str] = {
    "training-nudge": "weekly at nudge_time (default 08:30) on the first school day from nudge_weekday (Monday)",
    "dsl-digest": "weekly at digest_time (default 08:00) on the first school day from nudge_weekday (Monday)",
    "policy-review": "daily at policy_time (default 09:00) on school days: 30 days before, then weekly",
    "escalation": "every 5 minutes, day and night: urgent concerns unacknowledged after escalate_after_minutes "
                  "(default 30) on the clock, at any hour; others after that many minutes of school time",
    "half-told": "every 10 minutes: concerns left half-told for 2 hours (once)",
    "half-told-dsl": "every 10 minutes: the DSL team is told of concerns still half-told after 24 hours (once "
                     "each; who started it, never what it says): in school hours, or at any hour for an urgent one",
}
OUTBOX_SENDER = ("outbox-sender", "continuously inside `prevent-bot serve` (Slack/Teams delivery)")
