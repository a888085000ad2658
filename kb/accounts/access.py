"""View decorators for the roles: signed-in users of the right role, 403 for others, login for anonymous users."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from kb.accounts.models import User


def requires(check: Callable[[User], bool]):
    """A decorator letting through signed-in users for whom ``check(user)`` holds."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = requires(lambda user: user.is_admin)
moderator_required = requires(lambda user: user.is_moderator)
