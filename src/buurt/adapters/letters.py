"""Address letters as a PDF ready to post: one A4 page per address, the address where a
windowed DL envelope shows it, and the one-time code in large type.

Uses fpdf2's built-in Helvetica, which covers Latin-1: a character outside it (rare in Dutch
addresses) is printed as ``?``, so check such an address by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF


@dataclass(frozen=True)
class Letter:
    address: str  # lines separated by ", " or newlines
    code: str  # as printed, in groups
    expires_at: datetime


def _latin(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def render(circle_name: str, redeem_at: str, letters: list[Letter]) -> bytes:
    """The letters of one circle; ``redeem_at`` is where a neighbour enters the code."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(_latin(f"Address letters for {circle_name}"))
    for letter in letters:
        pdf.add_page()
        # A DL window envelope shows 20-110 mm from the left, 45-90 mm from the top.
        pdf.set_xy(22, 48)
        pdf.set_font("Helvetica", size=11)
        lines = [p.strip() for p in letter.address.replace("\n", ",").split(",") if p.strip()]
        pdf.multi_cell(85, 5.5, _latin("To the residents of\n" + "\n".join(lines)))
        pdf.set_xy(20, 105)
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.cell(0, 10, _latin(f"Welcome to {circle_name}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(20)
        pdf.set_font("Helvetica", size=11)
        body = (
            "This letter proves that someone at this address lives in the neighbourhood. "
            "With the code below, one member of your household becomes a verified neighbour "
            "of the circle: able to vote on its charter, support proposals, pledge and "
            "review. The code works once, and only for this address."
        )
        pdf.multi_cell(170, 6, _latin(body))
        pdf.set_xy(20, 150)
        pdf.set_font("Courier", style="B", size=28)
        pdf.cell(170, 18, letter.code, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(20, 175)
        pdf.set_font("Helvetica", size=11)
        until = letter.expires_at.date().isoformat()
        pdf.multi_cell(170, 6, _latin(f"Enter it before {until} at:\n{redeem_at}"))
    return bytes(pdf.output())
