"""Mailing survey links, only when an SMTP server is configured.

servicecraft sends no mail by default: links are exported for the organisation's own
mailer. With ``SERVICECRAFT_SMTP_HOST`` (and ``SERVICECRAFT_SMTP_FROM``) set, it mails
each link to the conversation's customer where the source gave an email address.
"""

from __future__ import annotations

import os
import re
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from servicecraft.service.surveys import CreatedLink, link_url

ENV_PREFIX = "SERVICECRAFT_SMTP_"
ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
SUBJECT = "How did we do?"
BODY = """Hello,

You were recently in touch with us. Would you tell us how it went? It takes a minute:

{link}

The link works once and for {days} days.

Thank you.
"""


class MailNotConfigured(Exception):
    """No SMTP server is configured: export the links instead."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        host = env.get(ENV_PREFIX + "HOST")
        if not host:
            raise MailNotConfigured(f"no SMTP server configured: set {ENV_PREFIX}HOST")
        sender = env.get(ENV_PREFIX + "FROM")
        if not sender or not ADDRESS.match(sender):
            raise MailNotConfigured(f"set {ENV_PREFIX}FROM to the address surveys come from")
        return cls(
            host=host,
            sender=sender,
            port=int(env.get(ENV_PREFIX + "PORT", "25")),
            username=env.get(ENV_PREFIX + "USER") or None,
            password=env.get(ENV_PREFIX + "PASSWORD") or None,
            starttls=env.get(ENV_PREFIX + "STARTTLS", "").lower() in ("1", "true", "yes"),
        )


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)  # conversation ids
    not_sent: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)


def send_links(
    settings: SmtpSettings, links: Sequence[CreatedLink], base_url: str, days: int
) -> MailReport:
    """Mail every link whose customer is an email address; one failure loses no other."""
    report = MailReport()
    addressed = []
    for link in links:
        if link.customer and ADDRESS.match(link.customer):
            addressed.append(link)
        else:
            report.not_sent.append((link.conversation_id, "no email address for the customer"))
    if not addressed:
        return report
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=30)
    except OSError as exc:
        for link in addressed:
            report.not_sent.append((link.conversation_id, f"SMTP server unreachable: {exc}"))
        return report
    with smtp:
        try:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            for link in addressed:
                report.not_sent.append((link.conversation_id, f"SMTP server refused us: {exc}"))
            return report
        for link in addressed:
            message = EmailMessage()
            message["From"] = settings.sender
            message["To"] = link.customer
            message["Subject"] = SUBJECT
            message.set_content(BODY.format(link=link_url(base_url, link.token), days=days))
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                report.not_sent.append((link.conversation_id, f"refused: {exc}"))
            else:
                report.sent.append(link.conversation_id)
    return report
