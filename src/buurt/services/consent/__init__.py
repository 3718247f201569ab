"""A member's data under their consent.

The one decision (``decision``), grants, the access log, export and erasure.
"""
