"""Optional e-mail: sent only when SMTP_HOST is configured (a default install has no mail server)."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def site_address() -> str | None:
    """The address links sent by mail start with ("https://bank.example.ru"): SITE_URL, else the first entry of
    SITE_HOSTS (https when SESSION_COOKIE_SECURE or PREFERRED_URL_SCHEME say the site is served so); None when
    neither is set. A mailed link is never made from the Host of the request that asked for it: anyone can send
    «Host: attacker.example», and the one-time reset link mailed to the account's owner led to that host."""
    config = current_app.config
    url = (config.get("SITE_URL") or "").strip().rstrip("/")
    if url:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{_idna(parts.netloc)}{parts.path}"
    hosts = [entry.strip() for entry in config.get("SITE_HOSTS") or () if entry.strip()]
    if not hosts:
        return None
    secure = config.get("SESSION_COOKIE_SECURE") or config.get("PREFERRED_URL_SCHEME") == "https"
    return f"{'https' if secure else 'http'}://{_idna(hosts[0].removeprefix('.'))}"


def _idna(netloc: str) -> str:
    """«Банк.рф:8443» → «xn--80abe5a.xn--p1ai:8443», the form every mail program makes a link of."""
    name, colon, port = netloc.rpartition(":")
    if not colon or not port.isdigit():  # no port («[::1]» has none either)
        name, colon, port = netloc, "", ""
    with contextlib.suppress(UnicodeError):
        name = name.encode("idna").decode("ascii")
    return f"{name.lower()}{colon}{port}"


def mailed_url(endpoint: str, **values) -> str | None:
    """The absolute URL of ``endpoint`` at the site's own address (site_address), for a link sent by mail; None
    when no address is configured."""
    address = site_address()
    if address is None:
        return None
    parts = urlsplit(address)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


# For the operator (init, the log of a start): mail is set up, but a mailed link would have no address to go to.
NO_SITE_ADDRESS = ("SMTP_HOST is set but neither SITE_URL nor SITE_HOSTS names the site's address: reset links "
                   "are not mailed («Забыли пароль?» is off). Set SITE_URL = \"https://<the site's name>\" in "
                   "instance/config.py.")
NO_SITE_ADDRESS_RU = ("Почта настроена (SMTP_HOST), но адрес сайта не задан: ссылки для смены пароля по почте не "
                      "отправляются, «Забыли пароль?» выключено. Укажите в instance/config.py "
                      "SITE_URL = \"https://имя-сайта\" (или SITE_HOSTS).")


def reset_by_mail() -> bool:
    """Whether «Забыли пароль?» mails links: a mail server and the site's own address to make them from."""
    return mail_configured() and site_address() is not None


DEFAULT_MAIL_FROM = "bank@localhost"


def support_address() -> str:
    """The address the login page names for a forgotten password when mail is not configured: SUPPORT_EMAIL, else
    MAIL_FROM unless it is still the default; "" when neither is set."""
    config = current_app.config
    support = (config.get("SUPPORT_EMAIL") or "").strip()
    sender = (config.get("MAIL_FROM") or "").strip()
    return support or (sender if sender != DEFAULT_MAIL_FROM else "")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message through the configured SMTP server; raises OSError/SMTPException on failure."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
