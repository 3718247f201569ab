"""The circle charter.

Proposals and votes that change it, and the retention it sets.
"""
