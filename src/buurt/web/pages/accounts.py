"""Signing up, confirming the address, and choosing a new password when it is forgotten.

What the pages say never tells whether an address has an account: asking for a reset, or
signing up again with an address that has one, answers "check your mail" either way.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from buurt.domain.accounts import AccountPurpose
from buurt.domain.errors import Conflict, InvalidInput
from buurt.services.community import accounts, members
from buurt.web import i18n
from buurt.web.i18n import _
from buurt.web.pages import mail
from buurt.web.pages.forms import read_form, signed_form
from buurt.web.pages.rendering import render
from buurt.web.pages.session import Viewer, services_of

router = APIRouter(include_in_schema=False)
MAX_NAME = 200
MAX_EMAIL = 320


def _refused(request: Request, who: Viewer) -> HTMLResponse:
    return render(request, "refused.html", {}, who, status_code=403)


def _message(
    request: Request, who: Viewer, title: str, text: str, status: int = 200
) -> HTMLResponse:
    return render(request, "message.html", {"title": title, "text": text}, who, status_code=status)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, who: Viewer) -> Response:
    if who is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "signup.html", {"name": "", "email": "", "error": ""}, who)


@router.post("/signup")
async def sign_up(request: Request, who: Viewer) -> Response:
    form = await read_form(request)
    if form is None:
        return _refused(request, who)
    name = form.get("name", "").strip()[:MAX_NAME]
    email = form.get("email", "").strip().lower()[:MAX_EMAIL]
    password = form.get("password", "")
    services = services_of(request)
    error = ""
    if not name or "@" not in email:
        error = _("Fill in your name and your email address.")
    else:
        try:
            await run_in_threadpool(
                lambda: members.register_member(
                    services,
                    name=name,
                    email=email,
                    password=password,
                    circle_id=None,
                    confirmed=False,
                    language=i18n.current(),
                )
            )
        except InvalidInput:
            error = _("Choose a password of 8 to 200 characters.")
        except Conflict:
            pass  # the same answer as for a new account: nothing tells the address has one
    if error:
        context = {"name": name, "email": email, "error": error}
        return render(request, "signup.html", context, who, status_code=422)
    mailable = await run_in_threadpool(
        accounts.issue, services, email, AccountPurpose.CONFIRM_EMAIL
    )
    if mailable is not None and not await mail.send(
        request, mailable, AccountPurpose.CONFIRM_EMAIL
    ):
        return _mail_down(request, who)
    return _message(
        request,
        who,
        _("Check your mail"),
        _(
            "We sent a link to %(email)s. Follow it to confirm your address, then log in.",
            email=email,
        ),
    )


def _mail_down(request: Request, who: Viewer) -> HTMLResponse:
    return _message(
        request,
        who,
        _("Not available right now"),
        _("We could not send the mail just now. Please try again in a few minutes."),
        status=503,
    )


@router.get("/confirm", response_class=HTMLResponse)
async def confirm(request: Request, who: Viewer, token: str = "") -> HTMLResponse:
    """Following the link confirms at once: the link is single-use and expires."""
    try:
        await run_in_threadpool(accounts.confirm_email, services_of(request), token[:200])
    except InvalidInput:
        return _message(
            request,
            who,
            _("This link does not work"),
            _("It is unknown, used already or expired. Log in and ask for a new one."),
            status=400,
        )
    return _message(
        request, who, _("Your address is confirmed"), _("Thank you. You can log in now.")
    )


@router.post("/confirm/resend")
async def resend(request: Request, who: Viewer) -> Response:
    _form, who = await signed_form(request, who)
    services = services_of(request)
    email = await run_in_threadpool(lambda: members.email_of(services, who))
    mailable = await run_in_threadpool(
        accounts.issue, services, email, AccountPurpose.CONFIRM_EMAIL
    )
    if mailable is not None and not await mail.send(
        request, mailable, AccountPurpose.CONFIRM_EMAIL
    ):
        return _mail_down(request, who)
    return _message(
        request,
        who,
        _("Check your mail"),
        _("If your address still needs confirming, a new link is on its way."),
    )


@router.get("/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, who: Viewer) -> HTMLResponse:
    return render(request, "forgot.html", {}, who)


@router.post("/forgot")
async def forgot(request: Request, who: Viewer) -> Response:
    form = await read_form(request)
    if form is None:
        return _refused(request, who)
    email = form.get("email", "").strip().lower()[:MAX_EMAIL]
    mailable = await run_in_threadpool(
        accounts.issue, services_of(request), email, AccountPurpose.RESET_PASSWORD
    )
    if mailable is not None and not await mail.send(
        request, mailable, AccountPurpose.RESET_PASSWORD
    ):
        return _mail_down(request, who)
    return _message(
        request,
        who,
        _("Check your mail"),
        _(
            "If %(email)s has an account, a link to choose a new password is on its way.",
            email=email,
        ),
    )


@router.get("/reset", response_class=HTMLResponse)
def reset_form(request: Request, who: Viewer, token: str = "") -> HTMLResponse:
    return render(request, "reset.html", {"token": token[:200], "error": ""}, who)


@router.post("/reset")
async def reset(request: Request, who: Viewer) -> Response:
    form = await read_form(request)
    if form is None:
        return _refused(request, who)
    token = form.get("token", "")[:200]
    password = form.get("password", "")
    if password != form.get("again", ""):
        error = _("The two passwords are not the same.")
        return render(request, "reset.html", {"token": token, "error": error}, who, status_code=422)
    try:
        await run_in_threadpool(accounts.reset_password, services_of(request), token, password)
    except InvalidInput as refused:
        error = (
            _("Choose a password of 8 to 200 characters.")
            if refused.field == "password"
            else _("This link does not work: it is unknown, used already or expired.")
        )
        return render(request, "reset.html", {"token": token, "error": error}, who, status_code=422)
    return _message(
        request,
        who,
        _("Your password is changed"),
        _("Every earlier session has ended. Log in with your new password."),
    )
