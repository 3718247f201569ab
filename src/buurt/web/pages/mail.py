"""The mails the pages send, in the reader's language: a link to confirm an address, and one
to choose a new password. Sent off the event loop; a mail server that is away is logged, and
the person is told to try again (the account and its token are kept)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from buurt.domain.accounts import LIFETIME, AccountPurpose
from buurt.services.community.accounts import Mailable
from buurt.web import i18n
from buurt.web.i18n import _

log = logging.getLogger("buurt.web")


def _link(request: Request, path: str, secret: str) -> str:
    return f"{request.app.state.instance.settings.base_url()}{path}?token={secret}"


def compose(request: Request, mailable: Mailable, purpose: AccountPurpose) -> EmailMessage:
    settings = request.app.state.instance.settings
    token = i18n.use(mailable.member.language or i18n.current())
    try:
        hours = int(LIFETIME[purpose].total_seconds() // 3600)
        if purpose is AccountPurpose.CONFIRM_EMAIL:
            subject = _("Confirm your address for Buurt")
            link = _link(request, "/confirm", mailable.secret)
            body = _(
                "Hello %(name)s,\n\nWelcome to Buurt. Follow this link to confirm that this "
                "address is yours:\n\n%(link)s\n\nThe link works once, for %(hours)s hours. "
                "If you did not sign up, you can ignore this mail.\n",
                name=mailable.member.name,
                link=link,
                hours=hours,
            )
        else:
            subject = _("Choose a new password for Buurt")
            link = _link(request, "/reset", mailable.secret)
            body = _(
                "Hello %(name)s,\n\nSomeone asked to reset the password of your Buurt account. "
                "Follow this link to choose a new one:\n\n%(link)s\n\nThe link works once, for "
                "%(hours)s hours. If it was not you, ignore this mail: your password stays as "
                "it is.\n",
                name=mailable.member.name,
                link=link,
                hours=hours,
            )
    finally:
        i18n.reset(token)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = f"{mailable.member.name} <{mailable.member.email}>"
    message["Message-ID"] = make_msgid(domain="buurt")
    message.set_content(body)
    return message


async def send(request: Request, mailable: Mailable, purpose: AccountPurpose) -> bool:
    """Send the mail; ``False`` (logged) when the mail server could not take it now."""
    message = compose(request, mailable, purpose)
    try:
        await run_in_threadpool(request.app.state.instance.mailer.send, message)
    except OSError:
        log.exception("could not send the %s mail to %s", purpose, mailable.member.id)
        return False
    return True
