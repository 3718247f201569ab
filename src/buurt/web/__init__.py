"""The HTTP edge: the JSON API under ``/v1`` (``web.api``) and, later, the pages.

Routers are thin: they validate input with Pydantic, call a service, and shape the answer.
Errors become RFC 9457 problem+json in one place (``web.problems``).
"""
