"""Bearer-token authentication and rate limits for the API (the session cookie is never used there)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from flask_limiter.util import get_remote_address

from kb.accounts.models import User
from kb.accounts.tokens import token_owner
from kb.errors import error_response
from kb.extensions import csrf, db, limiter

BAD_TOKEN = "Токен API недействителен или отозван. Создайте новый на странице профиля."
# A blocked account's tokens stop working with it; its owner cannot sign in to make another.
BLOCKED_ACCOUNT = ("Учётная запись заблокирована: её токены API не действуют. Обратитесь к "
                   "администратору банка.")
NO_TOKEN = "Для этого действия нужен токен API: заголовок Authorization: Bearer kb_… (создаётся в профиле)."
NOT_BEARER = "API принимает только токены Bearer: заголовок Authorization: Bearer kb_… (токен создаётся в профиле)."


def _bearer() -> str | None:
    """The token of an ``Authorization: Bearer …`` header; an empty string for another scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _token() -> tuple[str | None, User | None]:
    """(the bearer token, its active user or None) of this request, looked up in the database once.

    The rate limit's key needs it before ``authenticate`` runs (Flask-Limiter checks in the app's
    before_request), so both read it from here and the request costs one lookup. (``g.api_token_blocked``: the
    token is valid, but its account is blocked.)
    """
    if "api_token" not in g:
        secret = _bearer()
        owner = token_owner(secret) if secret else None
        g.api_token_blocked = owner is not None and not owner.is_active_account
        g.api_token = (secret, None if g.api_token_blocked else owner)
    return g.api_token


def authenticate() -> Response | None:
    """Before each API request: resolve the bearer token to its user; a bad token is refused, not ignored."""
    g.api_user = None
    secret, user = _token()
    if secret is None:
        return None
    if user is None:
        if not secret and request.headers.get("Authorization", "").strip().partition(" ")[0].lower() != "bearer":
            return error_response(401, NOT_BEARER)  # «Basic …»: not a bad token, another scheme
        return error_response(401, BLOCKED_ACCOUNT if g.api_token_blocked else BAD_TOKEN)
    if db.session.dirty:
        db.session.commit()  # last_used_at, written at most once a minute
    g.api_user = user
    return None


def api_user() -> User | None:
    """The user of this API request's token, or None for an anonymous request."""
    return g.get("api_user")


def rate_limit() -> str:
    """The API limit from the configuration (per account, or per address without a token)."""
    return current_app.config["API_RATE_LIMIT"]


def rate_limit_key() -> str:
    """The requests of all of an account's valid tokens count together, wherever they come from; anything else
    by address.

    Per account, not per token: otherwise 20 tokens would get 20 times the limit, and revoking a spent token
    for a new one would start a fresh day. A token that does not authenticate gets no bucket of its own:
    otherwise a new made-up token on each request would never meet the limit.
    """
    secret, user = _token()
    if secret and user is not None:
        return f"api-account:{user.id}"
    return "api-ip:" + (get_remote_address() or "")


def vary_on_token(response: Response) -> Response:
    """After each API request: ``Vary: Authorization``, added to the Vary values already there. The same address
    answers a token's owner more (a draft, a private collection, a file of a practice not public) and a bad token
    401, so a cache must not give one's answer for the other's request."""
    response.vary.add("Authorization")
    return response


def protect(bp: Blueprint) -> None:
    """Set up an API blueprint: token authentication, one rate limit shared by all API blueprints, no CSRF, and
    answers that vary on the token.

    CSRF protection is not needed here because the API never reads the session cookie: only a token
    a program sends on purpose authenticates a request.
    """
    csrf.exempt(bp)
    bp.before_request(authenticate)
    bp.after_request(vary_on_token)
    limiter.shared_limit(rate_limit, scope="api", key_func=rate_limit_key)(bp)
