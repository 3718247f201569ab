"""Moderation: members report what breaks the circle's rules; its moderators (the circle's
admins) hide it, or show it again, always saying why. The log of what they did is public to
the circle, so moderation is seen to be done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TargetKind(StrEnum):
    PROPOSAL = "proposal"
    COMMENT = "comment"
    REVIEW = "review"


class ModerationAction(StrEnum):
    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"  # the reports of an item were looked at, and it stays


@dataclass
class Report:
    """A member's report of a proposal, comment or review (one per member and target)."""

    id: str
    circle_id: str
    target_kind: TargetKind
    target_id: str
    reporter_id: str | None  # None once the reporter erased their account
    reason: str
    created_at: datetime


@dataclass
class ModerationEntry:
    """One act of a moderator, in the circle's public moderation log."""

    id: str
    circle_id: str
    target_kind: TargetKind
    target_id: str
    action: ModerationAction
    reason: str
    moderator_id: str | None
    created_at: datetime
