"""CORS for reading the API: the bank's open data may be read by any site's JavaScript, anonymously.

Only reading is opened: GET and HEAD of the read views (and their preflight), without a token. A change, a request
with a token and every page outside /api/v1 get no CORS header, so a browser keeps other sites' scripts from them.
No credentials are ever allowed (no Access-Control-Allow-Credentials): ``*`` is not even valid with them, and the
API reads no cookie anyway, only a token a program sends on purpose (kb.api.auth).
"""

from __future__ import annotations

from flask import Response, request

READ_METHODS = ("GET", "HEAD")
# Request headers a reading script may send beyond the ones browsers always allow: If-None-Match, to ask again
# for a practice it keeps (304). Authorization is not among them: a token is not for other sites' pages.
ALLOWED_HEADERS = ("If-None-Match",)
# Response headers such a script may read besides the simple ones (Content-Type, Content-Language…).
EXPOSED_HEADERS = ("ETag", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                   "X-RateLimit-Retry-After")
PREFLIGHT_MAX_AGE = 86400  # seconds a browser may keep a preflight's answer (browsers cap it lower)
_SIMPLE_HEADERS = {"accept", "accept-language", "content-language"}  # CORS-safelisted, listed when oddly valued


def _reading_preflight() -> bool:
    """An OPTIONS asking whether another site may GET or HEAD this address with at most the allowed headers."""
    method = request.headers.get("Access-Control-Request-Method", "").strip().upper()
    asked = {name.strip().lower() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")}
    return method in READ_METHODS and asked - {""} <= _SIMPLE_HEADERS | {h.lower() for h in ALLOWED_HEADERS}


def allow_reading(response: Response) -> Response:
    """After a request to a read view: ``Access-Control-Allow-Origin: *`` on an anonymous GET or HEAD (its errors
    too: a script learns why, 404 or 410, not a network error) and on a preflight that asks for just that."""
    if "Authorization" in request.headers:
        return response
    if request.method in READ_METHODS:
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    elif request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        if not _reading_preflight():  # a change (a PATCH of the same address), a token: no answer is a refusal
            return response
        response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    elif request.method != "OPTIONS":
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
