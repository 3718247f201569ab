"""Domain errors, mapped once at the edge (HTTP problem+json, CLI messages).

DomainError
├── InvalidInput            a value breaks a domain rule (422)
│   ├── InvalidRows         rows of an import break rules (422, one entry per problem)
│   ├── IdempotencyKeyReused  an Idempotency-Key sent again with a different request (422)
│   ├── TooLarge            an upload over its size limit (413)
│   └── UnsupportedType     an upload of a content type not taken (415)
├── AuthenticationFailed    missing, unknown, expired or revoked credentials (401)
├── NotFound                no such entity, or not visible to the caller (404)
├── PermissionDenied        visible, but the caller may not do this (403)
├── Conflict                the request clashes with the current state (409)
│   ├── InvalidTransition   a lifecycle step not allowed from the current state (409)
│   └── RequestInProgress   a request with the same Idempotency-Key is being answered (409)
├── TooManyAttempts         too many attempts for now; wait ``retry_after`` seconds (429)
└── Unavailable             a part Buurt depends on is not there now; try again (503)
    └── ThingLinkDown       the link to things (the MQTT broker) is not configured or down
"""


class DomainError(Exception):
    """Base of every error the domain and the services raise on purpose."""

    title = "Domain error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError, ValueError):
    title = "Invalid input"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class InvalidRows(InvalidInput):
    """Rows of an import break rules: ``problems`` holds ``(where, why)`` pairs, such as
    ``("row 3: quantity", "quantity must be between 0 and 1000000")``."""

    def __init__(self, detail: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(detail)
        self.problems = problems


class TooLarge(InvalidInput):
    title = "Request body too large"


class UnsupportedType(InvalidInput):
    title = "Unsupported media type"


class AuthenticationFailed(DomainError):
    title = "Unauthorized"


class NotFound(DomainError):
    title = "Not found"

    def __init__(self, kind: str, ident: str, detail: str | None = None) -> None:
        # ``detail`` for a lookup by something other than an id (an email address, say).
        super().__init__(detail or f"No {kind} with id {ident!r}.")
        self.kind = kind
        self.ident = ident


class PermissionDenied(DomainError):
    title = "Forbidden"


class Conflict(DomainError):
    title = "Conflict"


class InvalidTransition(Conflict):
    title = "Invalid transition"


class IdempotencyKeyReused(InvalidInput):
    title = "Idempotency-Key reused"


class RequestInProgress(Conflict):
    title = "Request in progress"


class TooManyAttempts(DomainError):
    """Refused for a while after too many attempts (failed logins, admission requests, codes);
    ``retry_after`` is in whole seconds."""

    title = "Too many attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class Unavailable(DomainError):
    title = "Service unavailable"


class ThingLinkDown(Unavailable):
    """The link to things (the MQTT broker) is not configured or not reachable now."""
