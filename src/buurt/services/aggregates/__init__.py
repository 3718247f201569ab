"""Aggregates for businesses: k-anonymous counts instead of profiles.

Counts per H3 cell, category and hour, with optional differential privacy (OpenDP).
"""
