"""Regions, municipalities, postal codes and street names for synthetic addresses.

Municipalities are real Belgian municipalities with their (public, non-personal) postal codes, so that
postal-code checks behave as on real data; streets are generic names found in most towns, combined
with random house numbers. Postal-code ranges (bpost): Brussels 1000-1210, Wallonia 1300-1499 and
4000-7999, Flanders 1500-3999 and 8000-9999, the German-speaking Community 4700-4791.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    share: float  # share of resident self-employed people (synthetic assumption, population-weighted)
    languages: tuple[tuple[str, float], ...]  # language of correspondence and its share in the region
    municipalities: tuple[tuple[str, str, float], ...]  # postal code, municipality, weight


REGIONS: tuple[Region, ...] = (
    Region(
        "flanders",
        0.610,
        (("nl", 0.98), ("fr", 0.02)),
        (
            ("2000", "Antwerpen", 8),
            ("2018", "Antwerpen", 4),
            ("2100", "Deurne", 3),
            ("2300", "Turnhout", 2),
            ("2400", "Mol", 1.5),
            ("2500", "Lier", 1.5),
            ("2800", "Mechelen", 3),
            ("2900", "Schoten", 1.5),
            ("2640", "Mortsel", 1),
            ("3000", "Leuven", 4),
            ("3200", "Aarschot", 1.5),
            ("3300", "Tienen", 1.5),
            ("3500", "Hasselt", 3),
            ("3600", "Genk", 2.5),
            ("3700", "Tongeren", 1.5),
            ("3920", "Lommel", 1.5),
            ("1500", "Halle", 1.5),
            ("1700", "Dilbeek", 2),
            ("1800", "Vilvoorde", 2),
            ("1930", "Zaventem", 1.5),
            ("8000", "Brugge", 4),
            ("8400", "Oostende", 3),
            ("8500", "Kortrijk", 3),
            ("8800", "Roeselare", 2.5),
            ("8900", "Ieper", 1.5),
            ("9000", "Gent", 7),
            ("9100", "Sint-Niklaas", 3),
            ("9200", "Dendermonde", 2),
            ("9300", "Aalst", 3),
            ("9400", "Ninove", 1.5),
            ("9700", "Oudenaarde", 1.5),
            ("9800", "Deinze", 1.5),
        ),
    ),
    Region(
        "wallonia",
        0.275,
        (("fr", 0.98), ("nl", 0.01), ("de", 0.01)),
        (
            ("1300", "Wavre", 2),
            ("1348", "Ottignies-Louvain-la-Neuve", 2),
            ("1400", "Nivelles", 2),
            ("1410", "Waterloo", 2),
            ("1420", "Braine-l'Alleud", 2),
            ("4000", "Liège", 6),
            ("4020", "Liège", 2),
            ("4100", "Seraing", 2.5),
            ("4300", "Waremme", 1),
            ("4500", "Huy", 1.5),
            ("4800", "Verviers", 2.5),
            ("4900", "Spa", 1),
            ("5000", "Namur", 5),
            ("5100", "Jambes", 1.5),
            ("5300", "Andenne", 1.5),
            ("5500", "Dinant", 1),
            ("6000", "Charleroi", 6),
            ("6200", "Châtelet", 1.5),
            ("6700", "Arlon", 1.5),
            ("6800", "Libramont-Chevigny", 1),
            ("6900", "Marche-en-Famenne", 1.5),
            ("7000", "Mons", 4),
            ("7100", "La Louvière", 3),
            ("7500", "Tournai", 3),
            ("7700", "Mouscron", 2.5),
            ("7800", "Ath", 1.5),
        ),
    ),
    Region(
        "brussels",
        0.105,
        (("fr", 0.80), ("nl", 0.15), ("en", 0.05)),
        (
            ("1000", "Bruxelles", 6),
            ("1020", "Laeken", 2),
            ("1030", "Schaerbeek", 5),
            ("1040", "Etterbeek", 2.5),
            ("1050", "Ixelles", 4.5),
            ("1060", "Saint-Gilles", 2.5),
            ("1070", "Anderlecht", 5),
            ("1080", "Molenbeek-Saint-Jean", 4),
            ("1081", "Koekelberg", 1),
            ("1083", "Ganshoren", 1),
            ("1090", "Jette", 2),
            ("1140", "Evere", 2),
            ("1150", "Woluwe-Saint-Pierre", 2),
            ("1160", "Auderghem", 1.5),
            ("1170", "Watermael-Boitsfort", 1.2),
            ("1180", "Uccle", 4),
            ("1190", "Forest", 2.5),
            ("1200", "Woluwe-Saint-Lambert", 2.5),
            ("1210", "Saint-Josse-ten-Noode", 1.5),
        ),
    ),
    Region(
        "east_belgium",
        0.010,
        (("de", 0.88), ("fr", 0.12)),
        (
            ("4700", "Eupen", 5),
            ("4701", "Kettenis", 1),
            ("4710", "Lontzen", 1),
            ("4720", "Kelmis", 2),
            ("4730", "Raeren", 2),
            ("4731", "Eynatten", 1),
            ("4750", "Bütgenbach", 1.5),
            ("4760", "Büllingen", 1.5),
            ("4770", "Amel", 1),
            ("4780", "Sankt Vith", 2.5),
            ("4790", "Burg-Reuland", 1),
        ),
    ),
)

#: People with a BIS number live abroad (not in the National Register): no Belgian address.
ABROAD_LANGUAGES: tuple[tuple[str, float], ...] = (("fr", 0.35), ("nl", 0.30), ("de", 0.25), ("en", 0.10))

STREETS: dict[str, tuple[str, ...]] = {
    "nl": (
        "Stationsstraat",
        "Kerkstraat",
        "Dorpsstraat",
        "Nieuwstraat",
        "Molenstraat",
        "Schoolstraat",
        "Kapelstraat",
        "Beekstraat",
        "Hoogstraat",
        "Lindenlaan",
        "Kastanjelaan",
        "Veldstraat",
        "Bergstraat",
        "Kouter",
        "Markt",
        "Weverstraat",
        "Brugstraat",
        "Meersstraat",
        "Populierenlaan",
        "Zandstraat",
    ),
    "fr": (
        "Rue de la Station",
        "Rue de l'Église",
        "Rue du Moulin",
        "Rue Haute",
        "Rue Neuve",
        "Place communale",
        "Avenue des Tilleuls",
        "Rue des Écoles",
        "Chaussée de Bruxelles",
        "Rue du Château",
        "Rue de la Gare",
        "Avenue de la Forêt",
        "Rue des Champs",
        "Rue du Centre",
        "Rue Saint-Jean",
        "Rue de la Fontaine",
        "Rue des Prés",
        "Avenue Albert Ier",
        "Rue du Pont",
        "Clos des Lilas",
    ),
    "de": (
        "Bahnhofstraße",
        "Kirchstraße",
        "Hauptstraße",
        "Schulstraße",
        "Mühlenweg",
        "Lindenallee",
        "Am Markt",
        "Bergstraße",
        "Gartenstraße",
        "Talstraße",
        "Feldweg",
        "Neustraße",
    ),
}

#: Street names follow the place, not the person: Brussels streets carry their French name here.
STREET_LANGUAGE_BY_REGION = {"flanders": "nl", "wallonia": "fr", "brussels": "fr", "east_belgium": "de"}

#: The box-number word used after a house number, per language ("12 bus 3", "12 bte 3").
BOX_WORD = {"nl": "bus", "fr": "bte", "de": "Bfk"}
