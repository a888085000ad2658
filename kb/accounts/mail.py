"""Optional e-mail: sent only when SMTP_HOST is configured (a default install has no mail server)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


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
