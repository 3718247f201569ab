"""The shops, makers and connected things of the demo neighbourhood, as plain data.

Owners are named by a *who* key, resolved while seeding: ``"demo"`` (the demo member),
``"admin"``, ``"n7"`` (the 8th generated neighbour), ``"circle"`` (the circle itself) or a
business key such as ``"bakery"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurt.domain.community import ThingKind, Visibility


@dataclass(frozen=True)
class SiteSpec:
    name: str
    street: str
    number: int


@dataclass(frozen=True)
class BusinessSpec:
    key: str
    name: str
    kind: str
    owner: str
    description: str
    sites: tuple[SiteSpec, ...]


@dataclass(frozen=True)
class ThingSpec:
    kind: ThingKind
    name: str
    owner: str
    street: str
    number: int
    visibility: Visibility
    size: float = 1.0  # kWp for solar, kW for chargers, a scale for meters and air


DEMO_HOME = ("Sumatrastraat", 118)
# The sunny-noon scene (see ``sunny_noon``): this neighbour's private inverter, 240 m from the
# demo home, shares its data with the demo member, whose charger its surplus starts.
SCENE_NEIGHBOUR = "n14"
SCENE_INVERTER = "Zonnepanelen Borneostraat 62"

BUSINESSES: tuple[BusinessSpec, ...] = (
    BusinessSpec(
        "bakery", "Bakkerij Javaplein", "bakery", "n0",
        "Sourdough, rye and croissants, baked on the square since 1962; first loaves at 7:00.",
        (SiteSpec("Bakkerij Javaplein", "Javaplein", 12),
         SiteSpec("Broodkiosk Molukkenstraat", "Molukkenstraat", 37)),
    ),
    BusinessSpec(
        "greengrocer", "Groenteboer Celebes", "greengrocer", "n1",
        "Seasonal vegetables and fruit from farms around Amsterdam, organic boxes on Fridays.",
        (SiteSpec("Groenteboer Celebes", "Celebesstraat", 48),),
    ),
    BusinessSpec(
        "bikes", "Fietsmaker Sumatra", "bike_repair", "n2",
        "Bike repair while you wait, cargo bike service, second-hand city bikes.",
        (SiteSpec("Werkplaats Sumatrastraat", "Sumatrastraat", 102),
         SiteSpec("Pop-up on Javaplein (Saturdays)", "Javaplein", 3)),
    ),
    BusinessSpec(
        "printhub", "PrintHub Oost", "3d_print_hub", "n3",
        "3D printing of spare parts and small series in PLA, PETG and TPU; scan-and-print service.",
        (SiteSpec("PrintHub Borneostraat", "Borneostraat", 17),
         SiteSpec("PrintHub studio Makassarplein", "Makassarplein", 4)),
    ),
    BusinessSpec(
        "cafe", "Café Timor", "cafe", "n4",
        "Neighbourhood café with coffee, apple pie and a surplus-food fridge at the door.",
        (SiteSpec("Café Timor", "Timorplein", 21),),
    ),
    BusinessSpec(
        "pharmacy", "Apotheek Javastraat", "pharmacy", "n5",
        "Community pharmacy: prescriptions, advice, flu jabs; pick-up lockers open until 22:00.",
        (SiteSpec("Apotheek Javastraat", "Javastraat", 94),),
    ),
    BusinessSpec(
        "cheese", "Kaashuis Molukken", "cheese_shop", "n6",
        "Dutch farmhouse cheese, young to extra-aged, and goat cheese from Waterland.",
        (SiteSpec("Kaashuis Molukken", "Molukkenstraat", 151),),
    ),
    BusinessSpec(
        "makers", "Makerspace De Meevaart", "maker_space", "n7",
        "Open workshop with laser cutter, sewing machines and a repair café every Thursday.",
        (SiteSpec("Makerspace De Meevaart", "Balistraat", 48),),
    ),
    BusinessSpec(
        "hardware", "IJzerwaren Van den Berg", "hardware_store", "n8",
        "Screws by the piece, paint, keys cut while you wait, tools to rent by the day.",
        (SiteSpec("IJzerwaren Van den Berg", "Javastraat", 140),
         SiteSpec("Gereedschapsuitleen Insulindeweg", "Insulindeweg", 280)),
    ),
    BusinessSpec(
        "florist", "Bloemen aan de Dijk", "florist", "n9",
        "Seasonal bouquets, plants for balconies and delivery by cargo bike.",
        (SiteSpec("Bloemen aan de Dijk", "Zeeburgerdijk", 85),),
    ),
    BusinessSpec(
        "toko", "Toko Sumatra", "grocery", "n10",
        "Indonesian and Surinamese groceries, fresh tempeh and takeaway rijsttafel.",
        (SiteSpec("Toko Sumatra", "Sumatrastraat", 55),),
    ),
    BusinessSpec(
        "coffee", "Koffiebranderij Ambon", "coffee_roaster", "n11",
        "Small-batch roastery: beans roasted on Tuesdays and Fridays, espresso bar.",
        (SiteSpec("Koffiebranderij Ambon", "Ambonplein", 6),),
    ),
)  # fmt: skip

_S, _M, _E = ThingKind.SOLAR_INVERTER, ThingKind.SMART_METER, ThingKind.EV_CHARGER
_P, _F, _B = ThingKind.PARKING_SENSOR, ThingKind.FRIDGE, ThingKind.CARGO_BIKE
_A = ThingKind.AIR_QUALITY
_PUBLIC, _CIRCLE, _PRIVATE = Visibility.PUBLIC, Visibility.CIRCLE, Visibility.PRIVATE

THINGS: tuple[ThingSpec, ...] = (
    ThingSpec(_S, "Buurtdak solar, Badhuis Javaplein", "circle", "Javaplein", 21, _PUBLIC, 18.0),
    ThingSpec(_S, "Solar roof Bakkerij Javaplein", "bakery", "Javaplein", 12, _CIRCLE, 9.5),
    ThingSpec(_S, "Solar roof Makerspace De Meevaart", "makers", "Balistraat", 48, _PUBLIC, 12.0),
    ThingSpec(_S, "Zonnepanelen Sumatrastraat 118", "demo", *DEMO_HOME, _CIRCLE, 5.2),
    ThingSpec(_S, "Zonnepanelen Tidorestraat 41", "n12", "Tidorestraat", 41, _CIRCLE, 4.1),
    ThingSpec(_S, "Rooftop solar Valentijnkade 96", "n13", "Valentijnkade", 96, _CIRCLE, 6.4),
    ThingSpec(_S, SCENE_INVERTER, SCENE_NEIGHBOUR, "Borneostraat", 62, _PRIVATE, 3.3),
    ThingSpec(_S, "Balkon-solar Madurastraat 15", "n15", "Madurastraat", 15, _CIRCLE, 0.8),
    ThingSpec(_M, "Slimme meter Sumatrastraat 118", "demo", *DEMO_HOME, _PRIVATE, 1.0),
    ThingSpec(_M, "Slimme meter Tidorestraat 41", "n12", "Tidorestraat", 41, _PRIVATE, 1.3),
    ThingSpec(_M, "Smart meter Riouwstraat 77", "n16", "Riouwstraat", 77, _PRIVATE, 0.8),
    ThingSpec(_E, "Laadpaal Molukkenstraat 12", "circle", "Molukkenstraat", 12, _PUBLIC, 11.0),
    ThingSpec(_E, "Laadpaal Insulindeweg 230", "circle", "Insulindeweg", 230, _PUBLIC, 22.0),
    ThingSpec(_E, "Charger IJzerwaren Van den Berg", "hardware", "Javastraat", 140, _CIRCLE, 11.0),
    ThingSpec(_E, "Laadpaal Sumatrastraat 118", "demo", *DEMO_HOME, _PRIVATE, 11.0),
    ThingSpec(_P, "Parking bay Celebesstraat 12", "circle", "Celebesstraat", 12, _PUBLIC),
    ThingSpec(_P, "Loading bay Javaplein (laden en lossen)", "circle", "Javaplein", 30, _PUBLIC),
    ThingSpec(_P, "Disabled bay Balistraat 60", "circle", "Balistraat", 60, _PUBLIC),
    ThingSpec(_P, "Parking bay Sumatrastraat 120", "circle", "Sumatrastraat", 120, _PUBLIC),
    ThingSpec(_P, "Parking bay Borneostraat 40", "circle", "Borneostraat", 40, _PUBLIC),
    ThingSpec(_P, "Parking bay Molukkenstraat 101", "circle", "Molukkenstraat", 101, _PUBLIC),
    ThingSpec(_P, "Parking bay Zeeburgerdijk 30", "circle", "Zeeburgerdijk", 30, _PUBLIC),
    ThingSpec(_P, "Parking bay Timorplein 8", "circle", "Timorplein", 8, _PUBLIC),
    ThingSpec(_F, "Buurtkoelkast Javaplein", "circle", "Javaplein", 25, _PUBLIC),
    ThingSpec(_F, "Community fridge De Meevaart", "makers", "Balistraat", 48, _PUBLIC),
    ThingSpec(_F, "Surplus fridge Café Timor", "cafe", "Timorplein", 21, _PUBLIC),
    ThingSpec(_B, "Bakfiets Bram (shared)", "circle", "Javaplein", 20, _CIRCLE),
    ThingSpec(_B, "Bakfiets Bella (shared)", "circle", "Ambonplein", 40, _CIRCLE),
    ThingSpec(_B, "Bakfiets Groenteboer Celebes", "greengrocer", "Celebesstraat", 48, _CIRCLE),
    ThingSpec(_B, "Family cargo bike Tidorestraat 33", "n17", "Tidorestraat", 33, _CIRCLE),
    ThingSpec(_A, "Luchtmeter Javaplein", "circle", "Javaplein", 36, _PUBLIC, 1.0),
    ThingSpec(_A, "Luchtmeter Insulindeweg", "circle", "Insulindeweg", 150, _PUBLIC, 1.6),
    ThingSpec(_A, "Luchtmeter Zeeburgerdijk", "circle", "Zeeburgerdijk", 110, _PUBLIC, 1.3),
    ThingSpec(_A, "Balcony air sensor Valentijnkade", "n18", "Valentijnkade", 80, _PUBLIC, 0.8),
)  # fmt: skip
