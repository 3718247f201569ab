"""What a demo seed leaves behind, and the panel ``buurt demo`` prints about it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from buurt.config import Settings


@dataclass(frozen=True)
class DemoSummary:
    """Counts of the demo neighbourhood and the credentials to explore it with."""

    circle_id: str
    circle_name: str
    created: bool  # False when an earlier run had seeded it already
    seconds: float
    members: int
    businesses: int
    sites: int
    things: int
    thing_kinds: int
    events: int
    intents: int
    offers: int
    subscriptions: int
    consents: int
    proposals: int
    campaigns: int
    pledges: int
    reviews: int
    demo_email: str
    demo_password: str
    demo_token: str
    admin_email: str
    admin_password: str
    neighbour_password: str
    shopkeeper_email: str  # a neighbour who owns a business, to try the business side
    shopkeeper_business: str

    def counts(self) -> str:
        return (
            f"{self.members} members · {self.businesses} businesses ({self.sites} sites) · "
            f"{self.things} things of {self.thing_kinds} kinds · {self.events:,} events · "
            f"{self.intents} intents · {self.offers} offers · "
            f"{self.subscriptions} subscriptions · {self.consents} consent grants · "
            f"{self.proposals} proposals · {self.campaigns} campaign ({self.pledges} pledges) · "
            f"{self.reviews} reviews"
        )

    def render(self, settings: Settings) -> RenderableType:
        """A Rich panel: where the API is, who to log in as, and a request to try."""
        url = api_url(settings)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row("Pages", f"[link={url}/]{url}/[/link]  (log in at {url}/login)")
        grid.add_row("API", f"[link={url}]{url}[/link]")
        grid.add_row("Docs", f"[link={url}/docs]{url}/docs[/link]")
        grid.add_row("Circle", f"{self.circle_name} ({self.circle_id})")
        grid.add_row("Seeded", self.counts())
        grid.add_row("Demo member", f"{self.demo_email}  password [cyan]{self.demo_password}[/]")
        grid.add_row("Admin", f"{self.admin_email}  password [cyan]{self.admin_password}[/]")
        grid.add_row(
            "Neighbours",
            f"{self.shopkeeper_email} (owns {self.shopkeeper_business}) and every other "
            f"…@example.org account  password [cyan]{self.neighbour_password}[/]",
        )
        grid.add_row("Bearer token", Text(self.demo_token, style="green", no_wrap=True))
        alive = (
            f"every {settings.demo_life_seconds:g} s a thing reports; neighbours ask, shops offer"
            if settings.demo_life_seconds
            else "kept still (BUURT_DEMO_LIFE_SECONDS=0)"
        )
        grid.add_row("Alive", alive)
        mail = settings.mail_url or f"written to {settings.mail_folder.resolve()}"
        grid.add_row("Mail", f"{mail} (sign-up confirmations, password resets)")
        when = (
            f"seeded in {self.seconds:.1f} s"
            if self.created
            else "already seeded: a new token was issued"
        )
        return Panel(
            Group(
                grid,
                Text(""),
                Text("Try it (the demo member's profile):", style="bold"),
                _command(self.curl_me(settings)),
                Text("Log in for a token of your own:", style="bold"),
                _command(self.curl_log_in(settings)),
            ),
            title=f"Buurt demo: {self.circle_name}, Amsterdam-Oost",
            subtitle=when,
            expand=False,
        )

    def curl_me(self, settings: Settings) -> str:
        return (
            f"curl -s {api_url(settings)}/v1/members/me \\\n"
            f'  -H "Authorization: Bearer {self.demo_token}"'
        )

    def curl_log_in(self, settings: Settings) -> str:
        body = json.dumps({"email": self.demo_email, "password": self.demo_password})
        return (
            f"curl -s -X POST {api_url(settings)}/v1/auth/tokens \\\n"
            f"  -H 'Content-Type: application/json' \\\n"
            f"  -d '{body}'"
        )


def api_url(settings: Settings) -> str:
    """The URL a browser on this machine reaches the API at (wildcard hosts become loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _command(text: str) -> Text:
    # No wrapping: a wrapped line would not paste back into a shell.
    return Text(text, style="yellow", no_wrap=True, overflow="ignore")
