"""The matching engine: which standings (subscriptions, offers, open intents) a publication
(an event, a new intent or offer) matches, by place, category, time and attributes; and the
relevance gate (deduplication, rate limits, quiet hours) that decides which of the matches the
caller may deliver become moments. Consent is not decided here: the caller (the services'
consent decision) filters the pairs before the gate sees them.

Pure, synchronous and deterministic: no I/O, no clocks, no framework imports. It may import the
standard library, numpy, h3 and shapely; services and adapters import it, never the reverse.
"""

from buurt.engine.index import MatchIndex
from buurt.engine.model import (
    Absolute,
    Area,
    CellsArea,
    CircleArea,
    PolygonArea,
    Predicate,
    Publication,
    Standing,
    WeeklyHours,
)
from buurt.engine.predicates import parse_predicate
from buurt.engine.reference import reference_match
from buurt.engine.rules import RelevanceGate

__all__ = [
    "Absolute",
    "Area",
    "CellsArea",
    "CircleArea",
    "MatchIndex",
    "PolygonArea",
    "Predicate",
    "Publication",
    "RelevanceGate",
    "Standing",
    "WeeklyHours",
    "parse_predicate",
    "reference_match",
]
