"""Who lives in the demo neighbourhood: generated neighbours and the two known accounts.

The names mix the Dutch, Moroccan-, Turkish-, Surinamese- and Indonesian-Dutch and
international families of Amsterdam-Oost. Every email is at example.org (reserved for
examples, so no mail ever reaches a real person).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from buurt.demo.places import Address, random_address

# Known demo credentials, printed by ``buurt demo``: not secrets.
DEMO_NAME = "Sanne de Vries"
DEMO_EMAIL = "demo@example.org"
DEMO_PASSWORD = "welkom-in-de-buurt"  # noqa: S105
ADMIN_NAME = "Karim El Idrissi"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "beheer-van-de-buurt"  # noqa: S105
NEIGHBOUR_PASSWORD = "buren-zijn-goud"  # noqa: S105 - shared by every generated neighbour
NEIGHBOURS = 50

# Given and family names by background, with a rough share of the neighbourhood each.
# fmt: off
ORIGINS: tuple[tuple[float, tuple[str, ...], tuple[str, ...]], ...] = (
    (0.34,
     ("Anouk", "Bram", "Daan", "Emma", "Fleur", "Guus", "Iris", "Jesse", "Julia", "Lars",
      "Lieke", "Maarten", "Noor", "Pieter", "Roos", "Ruben", "Sem", "Tess", "Thijs", "Wout",
      "Marieke", "Joost", "Gerda", "Hendrik"),
     ("de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
      "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van der Linden", "Kok")),
    (0.18,
     ("Yasmina", "Mohamed", "Fatima", "Youssef", "Soufiane", "Khadija", "Bilal", "Zineb",
      "Nadia", "Hamza"),
     ("El Amrani", "Bouzid", "Ait Taleb", "Benali", "Ouali", "Chaouch", "Azzouzi")),
    (0.12,
     ("Emre", "Elif", "Mehmet", "Zeynep", "Can", "Ayşe", "Burak", "Selin"),
     ("Yılmaz", "Demir", "Kaya", "Çelik", "Öztürk", "Arslan")),  # noqa: RUF001 - dotless i
    (0.12,
     ("Shanti", "Romano", "Wiwin", "Dewi", "Glenn", "Sharon", "Anand", "Reshma"),
     ("Pinas", "Kromo", "Doelwijt", "Sardjoe", "Tan", "Sutanto", "Wijaya", "Ramdin")),
    (0.06,
     ("Giulia", "Marco", "Lucía", "Javier", "Sofia", "Pablo"),
     ("Rossi", "García", "Bianchi", "Fernández")),
    (0.05,
     ("Agnieszka", "Tomasz", "Katarzyna", "Lukas", "Petra"),
     ("Kowalski", "Nowak", "Novák", "Wiśniewska")),
    (0.05,
     ("Linh", "Minh", "Hana", "Kenji", "Wei"),
     ("Nguyen", "Tran", "Sato", "Chen")),
    (0.04,
     ("Chidi", "Amara", "Kwame", "Ama", "Tunde"),
     ("Okafor", "Mensah", "Adeyemi", "Boateng")),
    (0.04,
     ("Ingrid", "Siobhan", "Erik", "Liam", "Freya"),
     ("Andersson", "O'Brien", "Murphy", "Lindqvist")),
)
# fmt: on


@dataclass(frozen=True)
class Neighbour:
    """A generated member: who they are and where they live (their home is not stored)."""

    name: str
    email: str
    home: Address


def email_local_part(name: str) -> str:
    """``"Ayşe van der Linden"`` -> ``"ayse.vanderlinden"``: ASCII letters, one dot."""
    # The dotless i has no decomposition: spell it as a plain i first.
    plain = unicodedata.normalize("NFKD", name.replace("\u0131", "i"))
    ascii_name = plain.encode("ascii", "ignore").decode()
    given, _, family = ascii_name.lower().partition(" ")
    family = "".join(ch for ch in family if ch.isalnum())
    return f"{given}.{family}"


def neighbours(rng: random.Random, count: int = NEIGHBOURS) -> list[Neighbour]:
    """``count`` distinct neighbours, the same for the same generator state."""
    taken = {DEMO_NAME, ADMIN_NAME}
    found: list[Neighbour] = []
    while len(found) < count:
        weights = [share for share, _, _ in ORIGINS]
        _, given, family = rng.choices(ORIGINS, weights)[0]
        if rng.random() < 0.1:  # mixed families: a family name from another background
            family = rng.choices(ORIGINS, weights)[0][2]
        name = f"{rng.choice(given)} {rng.choice(family)}"
        if name in taken:
            continue
        taken.add(name)
        found.append(Neighbour(name, f"{email_local_part(name)}@example.org", random_address(rng)))
    return found
