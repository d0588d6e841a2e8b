"""Common Belgian first names and surnames, by language, for the synthetic population.

Short lists of frequent names (the kind Statbel publishes as "most common first names and surnames"),
typed from general knowledge; they are combined at random with synthetic birth dates, numbers and
addresses, so no real person is described. Accented letters are kept on purpose: files are UTF-8 and
the ingestion gate must handle them.
"""

from __future__ import annotations

FIRST_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "M": (
            "Jan", "Peter", "Luc", "Marc", "Dirk", "Koen", "Bart", "Tom", "Wim", "Geert", "Kris", "Stijn",
            "Pieter", "Wouter", "Jeroen", "Thomas", "Jonas", "Lucas", "Arne", "Ruben", "Jef", "Ward", "Sander",
            "Jens", "Maarten", "Bram", "Niels", "Steven", "Frank", "Patrick", "Hendrik", "Joris",
        ),
        "F": (
            "An", "Els", "Katrien", "Sofie", "Lies", "Inge", "Veerle", "Griet", "Nele", "Hanne", "Lotte",
            "Eline", "Julie", "Sarah", "Annelies", "Liesbeth", "Marleen", "Hilde", "Kaat", "Ine", "Femke",
            "Lore", "Elke", "Ilse", "Tine", "Evi", "Charlotte", "Emma", "Marie", "Leen", "Nathalie", "Karolien",
        ),
    },
    "fr": {
        "M": (
            "Jean", "Pierre", "Michel", "Philippe", "Luc", "Nicolas", "Julien", "Maxime", "Antoine", "Thomas",
            "Olivier", "Christophe", "Benoît", "François", "Sébastien", "Laurent", "Gilles", "Didier", "Pascal",
            "Frédéric", "Jérôme", "Cédric", "Damien", "Hugo", "Louis", "Arnaud", "Vincent", "Grégory", "Alain",
            "Thierry", "Quentin", "Romain",
        ),
        "F": (
            "Marie", "Sophie", "Julie", "Isabelle", "Nathalie", "Catherine", "Camille", "Léa", "Chloé", "Manon",
            "Charlotte", "Céline", "Aurélie", "Véronique", "Anne", "Valérie", "Émilie", "Sarah", "Élise",
            "Hélène", "Caroline", "Stéphanie", "Christine", "Sandrine", "Audrey", "Laura", "Pauline", "Justine",
            "Mélanie", "Françoise", "Martine", "Gaëlle",
        ),
    },
    "de": {
        "M": (
            "Thomas", "Michael", "Stefan", "Andreas", "Jürgen", "Klaus", "Markus", "Christian", "Peter", "Jan",
            "Lukas", "Tobias", "Josef", "Manfred", "Dieter", "Bernd", "Rudolf", "Patrick", "Kevin", "Jonas",
        ),
        "F": (
            "Anna", "Maria", "Sabine", "Monika", "Claudia", "Petra", "Andrea", "Julia", "Laura", "Lea",
            "Katharina", "Sandra", "Brigitte", "Ursula", "Gisela", "Nadine", "Melanie", "Jessica", "Lena", "Sarah",
        ),
    },
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "nl": (
        "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
        "Desmedt", "Vermeulen", "Van den Broeck", "Hermans", "Michiels", "Aerts", "Lemmens", "Smets", "Martens",
        "De Clercq", "Verstraete", "Van Damme", "Stevens", "Claeys", "Hendrickx", "Pauwels", "Van de Velde",
        "Segers", "Vandenberghe", "Dewulf", "Verhoeven", "Cools", "Declercq", "Van Hecke", "Desmet", "Bogaerts",
        "Geerts", "Van Acker", "Coppens", "Vermeersch", "Verbeke", "De Backer", "Mahieu", "Vandamme", "Nijs",
        "Thys", "Bosmans", "Vos", "Moens", "Van Looy",
    ),
    "fr": (
        "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Dumont", "Renard", "Lejeune",
        "François", "Denis", "Lefèbvre", "Collard", "Mathieu", "Lemaire", "Gérard", "Fontaine", "Noël", "Henry",
        "Lambotte", "Marchal", "Piette", "Delvaux", "Mercier", "Thiry", "Dethier", "Jacquet", "Charlier",
        "Wauters", "Hubert", "Massart", "Leroy", "Gilson", "Lecomte", "Baudoux", "Maréchal", "Collignon",
        "Pirard", "Servais", "Englebert", "Hardy", "Lallemand", "Bertrand", "Rousseau", "Michaux", "Lhoest",
        "Dessart", "Goffin", "Lemoine",
    ),
    "de": (
        "Schmitz", "Müller", "Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Klein", "Lambertz",
        "Jansen", "Maraite", "Hilgers", "Kessler", "Hennen", "Mreyen", "Heinen", "Reuter", "Pauels", "Backes",
        "Kreusch", "Thelen", "Cremer", "Brüls", "Schröder",
    ),
}

#: Name pools used for a person of each language of correspondence (English: an even mix).
NAME_POOL_BY_LANGUAGE: dict[str, tuple[str, ...]] = {"nl": ("nl",), "fr": ("fr",), "de": ("de",), "en": ("fr", "nl")}
