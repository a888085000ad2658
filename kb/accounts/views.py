"""Log in and out, register, profile and password, reset links; administration of users and the audit log."""

import smtplib
import threading

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, or_, select
from wtforms import SelectChoice

from kb.accounts import audit as audit_log
from kb.accounts import services, tokens
from kb.accounts.access import admin_required
from kb.accounts.deletion import delete_account, deletion_effects
from kb.accounts.deletion import refusal as deletion_refusal
from kb.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
)
from kb.accounts.mail import NO_SITE_ADDRESS, mail_configured, mailed_url, reset_by_mail, send_mail, support_address
from kb.accounts.models import ROLES, AuditEvent, User
from kb.extensions import db, limiter
from kb.practices.models import Practice
from kb.routing import bounded_int, filter_arg, last_page_redirect, local_path, page_arg
from kb.search.saved import saved_searches
from kb.textclean import contains
from kb.vocabularies.data import fold
from kb.vocabularies.models import Region

bp = Blueprint("accounts", __name__)

LOGIN_FAILED = "Неверный адрес электронной почты или пароль."
REGISTERED_EMAIL = "registered_email"  # the session's key of the address just registered, for the login form


def _region_choices(empty: str) -> list[SelectChoice]:
    regions = db.session.scalars(select(Region).order_by(Region.sort_order))
    return [SelectChoice("", empty)] + [SelectChoice(r.code, r.name) for r in regions]


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    return local_path(target) or url_for("main.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _login_account_key() -> str:
    """The limit key of the account a login is for (its e-mail as the bank compares it), from whatever address."""
    return "login:" + services.normalise_email(request.form.get("email", ""))[:254]


def _login_failed(response) -> bool:
    return response.status_code != 302  # a successful login (a redirect) is not counted against the account


def _greeting(user: User) -> str:
    """«Здравствуйте, Анна Ивановна!», or without a name for an account that has none (not «…, Методист!»)."""
    return f"Здравствуйте, {user.name.strip()}!" if user.has_name else "Здравствуйте!"


def _mail_reset_link(user: User, link: str) -> bool:
    """Mail a reset link to its user; False (and a line in the log) when the mail server refused."""
    try:
        send_mail(user.email, "Смена пароля в банке практик",
                  f"{_greeting(user)}\n\nЧтобы задать новый пароль, откройте ссылку (она действует "
                  f"48 часов и срабатывает один раз):\n{link}\n")
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("Reset link mail to %s failed: %s", user.email, exc)
        return False
    return True


RESET_TOKEN_SLOT = "kb-reset-token-slot"  # where the reset link built in the request takes the token issued after it
_reset_requests: list[threading.Thread] = []  # those still running (tests wait for them: wait_for_reset_requests)


def _issue_in_background(email: str, link: str) -> None:
    """Issue and mail a reset link for ``email`` after the answer: the answer took the time of a database write and
    an SMTP conversation only when the address had an account, which timing it would tell."""
    app = current_app._get_current_object()

    def issue() -> None:
        with app.app_context():
            try:
                issued = services.reset_token_on_request(email)
                db.session.commit()
                if issued is not None:
                    user, token = issued
                    _mail_reset_link(user, link.replace(RESET_TOKEN_SLOT, token))
            except Exception:  # noqa: BLE001 - nobody waits for this answer: the log says what went wrong
                app.logger.exception("A reset link asked for on «Забыли пароль?» was not issued")
            finally:
                db.session.remove()

    _reset_requests[:] = [thread for thread in _reset_requests if thread.is_alive()]
    thread = threading.Thread(target=issue, name="kb-reset-link", daemon=True)
    _reset_requests.append(thread)
    thread.start()


def wait_for_reset_requests(timeout: float = 10.0) -> None:
    for thread in list(_reset_requests):
        thread.join(timeout)


def _forgot_page_context() -> dict:
    """What the login and «Забыли пароль?» pages say about a forgotten password."""
    return {"reset_by_mail": reset_by_mail(), "support_email": support_address()}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="Слишком много попыток входа. Подождите минуту.")
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_login_account_key, deduct_when=_login_failed,
               error_message="Слишком много попыток входа в эту учётную запись. Подождите и попробуйте позже.")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    # Just registered: the form holds the address given there (kept in the session, not in the address bar)
    registered = session.pop(REGISTERED_EMAIL, None)
    if request.method == "GET" and registered:
        form.email.data = registered
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            unread = len(services.unread_notifications(user))
            flash(_greeting(user) + (f" Новых уведомлений: {unread}." if unread else ""), "success")
            return redirect(_safe_next(request.args.get("next")))
        # beside the fields it is about, and said with them (a flash at the top was tied to neither)
        form.form_errors.append(LOGIN_FAILED)
    return render_template("accounts/login.html", form=form, **_forgot_page_context())


@bp.post("/logout")
def logout():
    everywhere = current_user.is_authenticated
    if everywhere:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash("Вы вышли из банка практик на всех устройствах." if everywhere else "Вы вышли из банка практик.", "info")
    return redirect(url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="Слишком много попыток. Подождите минуту.")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.region.choices = _region_choices("— не указан —")
    if form.validate_on_submit():
        try:
            # None for a taken address: the same answer, after the same work, as for a new one
            services.register(form.email.data, form.name.data, form.password.data,
                              organisation=form.organisation.data or "", region_code=form.region.data or None)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            return _to_login(form.email.data)
    return render_template("accounts/register.html", form=form)


def _to_login(email: str):
    """After registration, the same answer whether the address was free or not (no one learns who has an account);
    the login form then holds the address."""
    session[REGISTERED_EMAIL] = email
    flash("Если адрес свободен, учётная запись создана — войдите с этим адресом и паролем.", "info")
    return redirect(url_for(".login"))


@bp.get("/profile")
@login_required
def profile():
    return _profile_page()


def _profile_page(new_secret: str | None = None):
    notes = services.unread_notifications(current_user)
    counts = dict(db.session.execute(
        select(Practice.status, func.count()).where(Practice.owner_id == current_user.id).group_by(Practice.status)
    ).all())
    return render_template("accounts/profile.html", notifications=notes, counts=counts,
                           read_notifications=services.read_notifications(current_user),
                           api_tokens=tokens.active_tokens(current_user), new_secret=new_secret,
                           searches=saved_searches(current_user))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    services.mark_notifications_read(current_user, bounded_int(request.form, "up_to"))
    db.session.commit()
    return redirect(url_for(".profile"))


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm(data={"name": current_user.name, "organisation": current_user.organisation,
                             "region": current_user.region_code or ""} if request.method == "GET" else None)
    form.region.choices = _region_choices("— не указан —")
    if form.validate_on_submit():
        try:
            changed = services.update_profile(current_user, form.name.data, form.organisation.data or "",
                                              form.region.data or None)
        except services.AccountError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Профиль сохранён." if changed else "Изменений нет.", "success" if changed else "info")
            return redirect(url_for(".profile"))
    return render_template("accounts/profile_edit.html", form=form)


def _account_key() -> str:
    """A limit key per signed-in account, wherever its requests come from (a password asked again inside a
    session must not be guessed faster than at the login form); the address for anyone else."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return "address:" + (get_remote_address() or "")


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key,
               error_message="Слишком много попыток. Подождите минуту.")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            db.session.commit()  # the failed attempt's audit event
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user)  # the session token changed: keep this session, end the others
            flash("Пароль изменён. На других устройствах потребуется войти снова.", "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/password.html", form=form, title="Смена пароля")


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key,
               error_message="Слишком много попыток. Подождите минуту.")
def delete_own_account():
    """«Удалить учётную запись» (152-ФЗ): what it does, then the password; the account is gone, the session ends."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    refused = deletion_refusal(user)
    if refused is None and form.validate_on_submit():
        if not services.password_matches(user, form.password.data):
            services.record("user_delete_failed", user, "user", user.id)  # as «Смена пароля» does: guessing shows
            db.session.commit()
            form.password.errors.append("Пароль указан неверно.")
        else:
            delete_account(user, user)
            db.session.commit()
            logout_user()
            flash("Учётная запись удалена.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/delete.html", form=form, user=user, effects=deletion_effects(user),
                           refusal=refused, own=True)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="Слишком много попыток. Подождите минуту.")
def forgot():
    """«Забыли пароль?»: with mail configured, the reset link the administrator can give, mailed on request; the
    same answer whether the address has an account or not. Without mail, whom to ask."""
    if current_user.is_authenticated:
        return redirect(url_for(".change_password"))
    form = ForgotPasswordForm()
    if mail_configured() and form.validate_on_submit():
        link = mailed_url("accounts.reset", token=RESET_TOKEN_SLOT)
        if link is None:  # no site address: a link made from this request's Host would lead wherever it names
            current_app.logger.warning("«Забыли пароль?»: no reset link mailed. %s", NO_SITE_ADDRESS)
            flash("Ссылку для смены пароля по почте сейчас получить нельзя.", "error")
            return redirect(url_for(".forgot"))
        _issue_in_background(form.email.data, link)
        flash("Если этот адрес зарегистрирован, на него отправлена ссылка для смены пароля (она действует 48 часов). "
              "Письма нет — проверьте папку «Спам» или запросите ссылку ещё раз через несколько минут.", "info")
        return redirect(url_for(".login"))
    return render_template("accounts/forgot.html", form=form, **_forgot_page_context())


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset(token: str):
    if services.user_for_reset_token(token) is None:
        return render_template("errors/error.html", status=404, title="Ссылка недействительна",
                               detail="Ссылка для смены пароля устарела или уже использована. "
                                      + ("Запросите новую на странице входа: «Забыли пароль?»." if reset_by_mail()
                                         else "Попросите администратора выдать новую.")), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        flash("Пароль установлен. Войдите с новым паролем.", "success")
        return redirect(url_for(".login"))
    return render_template("accounts/password.html", form=form, title="Новый пароль")


@bp.get("/admin/users")
@admin_required
def users():
    q = filter_arg(request.args)
    role = request.args.get("role", "")
    query = select(User).order_by(User.created_at.desc())
    if q:
        # case and «ё» aside («Семина» finds «Сёмина»); «%» and «_» are letters here, not LIKE's wildcards
        like = contains(fold(q))
        query = query.where(or_(*(func.replace(func.lower(column), "ё", "е").like(like, escape="\\")
                                   for column in (User.email, User.name))))
    if role in ROLES:
        query = query.where(User.role == role)
    pagination = db.paginate(query, page=page_arg(request.args), per_page=50, error_out=False)
    if back := last_page_redirect(pagination):
        return back
    return render_template("admin/users.html", pagination=pagination, q=q, role=role)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm(obj=None, data={"role": user.role, "scope_region": user.scope_region_code or "",
                                    "scope_organisation": user.scope_organisation or ""})
    form.scope_region.choices = _region_choices("— не задан —")
    reset_link = None
    if request.method == "POST" and request.form.get("action") == "reset-link" and not user.is_active_account:
        flash("Учётная запись заблокирована: сначала разблокируйте её.", "error")
    elif request.method == "POST" and request.form.get("action") == "reset-link":  # CSRF checked by CSRFProtect
        token = services.issue_reset_token(user, current_user)
        db.session.commit()
        mailed = mailed_url("accounts.reset", token=token)
        reset_link = mailed or url_for(".reset", token=token, _external=True)  # the latter shown to the admin only
        if mail_configured() and mailed is None:
            current_app.logger.warning("Reset link for user %s not mailed. %s", user.id, NO_SITE_ADDRESS)
            flash("Письмо не отправлено: не задан адрес сайта для ссылок в письмах (SITE_URL) — передайте ссылку "
                  "пользователю сами.", "error")
        elif mail_configured():
            if _mail_reset_link(user, reset_link):
                flash(f"Ссылка отправлена на {user.email}.", "success")
            else:
                flash("Письмо отправить не удалось — передайте ссылку пользователю сами.", "error")
    elif form.validate_on_submit():
        if user.id == current_user.id and form.role.data != "admin":
            flash("Нельзя снять роль администратора с самого себя.", "error")
        else:
            try:
                services.change_role(user, form.role.data, current_user, form.scope_region.data or None,
                                     form.scope_organisation.data)
            except services.AccountError as exc:
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash("Роль сохранена.", "success")
                return redirect(url_for(".user_detail", user_id=user.id))
    response = make_response(render_template("admin/user.html", user=user, form=form, reset_link=reset_link,
                                             api_tokens=tokens.active_tokens(user)))
    if reset_link:  # a one-time secret, as a new API token: never kept by the browser
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/admin/users/<int:user_id>/block")
@admin_required
def block_user(user_id: int):
    return _set_blocked(user_id, blocked=True)


@bp.post("/admin/users/<int:user_id>/unblock")
@admin_required
def unblock_user(user_id: int):
    return _set_blocked(user_id, blocked=False)


def _set_blocked(user_id: int, blocked: bool):
    user = db.get_or_404(User, user_id)
    try:
        changed = services.set_blocked(user, blocked, current_user)
    except services.AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        if not changed:
            flash("Учётная запись уже заблокирована." if blocked else "Учётная запись не заблокирована.", "info")
        elif blocked:
            flash(f"Учётная запись {user.email} заблокирована: войти нельзя, её сеансы завершены, токены API и ссылка "
                  "для смены пароля не действуют.", "success")
        else:
            flash(f"Учётная запись {user.email} разблокирована.", "success")
    return redirect(url_for(".user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/delete", methods=["GET", "POST"])
@admin_required
def admin_delete_user(user_id: int):
    """An administrator deletes an account (the same as the person's own deletion; the audit names the
    administrator). His own account he deletes from his profile, with his password."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        return redirect(url_for(".delete_own_account"))
    refused = deletion_refusal(user)
    if request.method == "POST" and refused is None:  # CSRF checked by CSRFProtect
        delete_account(user, current_user)
        db.session.commit()
        flash(f"Учётная запись пользователя №{user_id} удалена.", "success")
        return redirect(url_for(".users"))
    if request.method == "POST":
        flash(refused, "error")
    return render_template("accounts/delete.html", form=None, user=user, effects=deletion_effects(user),
                           refusal=refused, own=False)


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@admin_required
def admin_revoke_api_token(user_id: int, token_id: int):
    user = db.get_or_404(User, user_id)
    back = url_for(".user_detail", user_id=user.id, _anchor="api-tokens")
    if request.method == "GET":  # the question first: the programs using the token lose their access for good
        return _revoke_question(user, token_id, back)
    try:
        token = tokens.revoke_token(user, token_id, actor=current_user)
    except services.AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Токен «{token.name}» отозван.", "success")
    return redirect(url_for(".user_detail", user_id=user.id, _anchor="api-tokens"))


def _revoke_question(user: User, token_id: int, back: str):
    """«Отозвать токен …?»: the page whose form's POST (to the page's own address) revokes it."""
    token = tokens.active_token(user, token_id)
    if token is None:
        flash("Такого действующего токена нет.", "error")
        return redirect(back)
    return render_template("accounts/revoke_token.html", token=token, owner=user, own=user.id == current_user.id,
                           back=back)


@bp.get("/admin/audit")
@admin_required
def audit():
    action = request.args.get("action", "")
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    pagination = db.paginate(query, page=page_arg(request.args), per_page=50, error_out=False)
    if back := last_page_redirect(pagination):
        return back
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    return render_template("admin/audit.html", pagination=pagination, action=action, actions=actions,
                           action_label=audit_log.action_label, target_label=audit_log.target_label,
                           details_html=audit_log.details_html)


@bp.post("/profile/tokens")
@login_required
def create_api_token():
    try:
        _token, secret = tokens.create_token(current_user, request.form.get("name", ""))
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".profile", _anchor="api-tokens"))
    db.session.commit()
    # The secret is shown in this response only: never flashed (the session cookie is readable) nor cached.
    response = make_response(_profile_page(new_secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_api_token(token_id: int):
    if request.method == "GET":  # the question first: the programs using the token lose their access for good
        return _revoke_question(current_user, token_id, url_for(".profile", _anchor="api-tokens"))
    try:
        token = tokens.revoke_token(current_user, token_id)
    except services.AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Токен «{token.name}» отозван: программы, которые им пользовались, больше не получат доступ.", "success")
    return redirect(url_for(".profile", _anchor="api-tokens"))
