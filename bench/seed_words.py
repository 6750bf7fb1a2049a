"""The words and names the benchmarks seed their networks with, in one place.

``bench/board.py``, ``bench/search.py`` and ``bench/board_ceiling.py`` draw from these
lists with fixed random seeds, so a list's order is part of the seeded data: an entry
moved, added or dropped changes every run's text, and runs before and after would no
longer measure the same network. Each benchmark's own selection is therefore spelled out
here, not reordered into one list.
"""

from __future__ import annotations

#: Real words of the trades on a network: the search benchmark mixes them with made-up
#: words, and its queries look for several of them.
WORDS = [
    "kiln",
    "controller",
    "heat",
    "treatment",
    "laser",
    "cutter",
    "prototype",
    "funding",
    "sensor",
    "calibration",
    "workshop",
    "ceramics",
    "glaze",
    "solder",
    "firmware",
    "robot",
    "arm",
    "welding",
    "lathe",
    "milling",
    "grant",
    "partner",
    "pilot",
    "customer",
    "hydrogen",
    "battery",
    "textile",
    "printing",
    "resin",
    "mould",
    "injection",
    "sawdust",
    "timber",
    "lab",
    "spectrometer",
    "drone",
    "antenna",
    "modem",
    "bakery",
    "coffee",
    "pottery",
]
_NOT_ON_THE_BOARD = {"injection", "sawdust", "spectrometer", "modem", "bakery", "coffee", "pottery"}
#: The board's updates: the same words without the rarer ones, in the same order.
BOARD_WORDS = [word for word in WORDS if word not in _NOT_ON_THE_BOARD]
#: The ceiling's in-memory posts: a handful of the words.
CEILING_WORDS = [*WORDS[:9], "glaze"]

#: First and last names, with and without umlauts.
FIRST = [
    "Anna",
    "Jörg",
    "Maria",
    "Lukas",
    "Sofia",
    "Jonas",
    "Lena",
    "Paul",
    "Mia",
    "Felix",
    "Ines",
    "Hanna",
    "Ola",
    "Kim",
    "Noah",
    "Zoë",
]
LAST = [
    "Müller",
    "Hoffmann",
    "Schäfer",
    "Köhler",
    "Weiß",
    "Jäger",
    "Groß",
    "Krüger",
    "Meyer",
    "Schmidt",
    "Fischer",
    "Wagner",
    "Becker",
    "Hofer",
    "Nordmann",
    "Dubois",
    "Martín",
    "Öztürk",
    "Lindqvist",
    "Kowalski",
]
#: The board's members: fewer names (Lindqvist before Öztürk, as the board was first seeded).
BOARD_FIRST = FIRST[:10]
BOARD_LAST = [*LAST[:5], "Meyer", "Lindqvist", "Öztürk"]

#: Organisations, job titles and places on members' profiles.
ORGANISATIONS = ["Lehmwerk", "Fjord Robotics", "Hof & Söhne", "Lab 4"]
#: The board's members: some have no organisation.
BOARD_ORGANISATIONS = [*ORGANISATIONS, ""]
TITLES = ["Engineer", "Founder", "Potter", "Researcher", ""]
PLACES = ["Berlin", "Köln", "Bergen", "Lyon", ""]
