"""A believable demo network: members from several organisations, three weeks of updates.

Seeding is idempotent: if the demo admin exists, nothing is added. ``locale="de"`` seeds
the German-speaking network of ``hub.demo_de`` instead, its members reading Hub in German.

Over 350 lines because most of it is data: the demo's people and what they write.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update

from hub import demo_de
from hub.clock import utcnow
from hub.extensions import db
from hub.members import create_member, find_member
from hub.models import DeliveryStatus, Interest, Member, MemberRole, Post, ReplyNotice
from hub.posts import create_post

DEMO_ADMIN = "ada.osei@northwind.example"

PEOPLE = [
    # name, organisation, domain, title, interests, location
    (
        "Ada Osei",
        "Northwind Labs",
        "northwind.example",
        "Network coordinator",
        "community, events",
        "Leipzig",
    ),
    (
        "Ben Hartmann",
        "Northwind Labs",
        "northwind.example",
        "Hardware engineer",
        "sensors, iot",
        "Leipzig",
    ),
    (
        "Chiara Rossi",
        "Northwind Labs",
        "northwind.example",
        "UX researcher",
        "design, research",
        "Leipzig",
    ),
    (
        "Dev Patel",
        "Greenfield Energy",
        "greenfield.example",
        "Founder",
        "energy, batteries",
        "Dresden",
    ),
    (
        "Elena Novak",
        "Greenfield Energy",
        "greenfield.example",
        "Data scientist",
        "forecasting, python",
        "Dresden",
    ),
    (
        "Femi Adeyemi",
        "Greenfield Energy",
        "greenfield.example",
        "Grid analyst",
        "energy, policy",
        "Berlin",
    ),
    (
        "Greta Lindqvist",
        "Atelier Nord",
        "ateliernord.example",
        "Industrial designer",
        "design, materials",
        "Halle",
    ),
    (
        "Hiro Tanaka",
        "Atelier Nord",
        "ateliernord.example",
        "Maker in residence",
        "3d printing, materials",
        "Halle",
    ),
    (
        "Ines Duarte",
        "University Lab for Circular Design",
        "ulcd.example",
        "Researcher",
        "circular economy, materials",
        "Leipzig",
    ),
    (
        "Jonas Weber",
        "University Lab for Circular Design",
        "ulcd.example",
        "PhD candidate",
        "recycling, research",
        "Leipzig",
    ),
    (
        "Kamala Iyer",
        "University Lab for Circular Design",
        "ulcd.example",
        "Professor",
        "circular economy, policy",
        "Leipzig",
    ),
    ("Lukas Brandt", "FieldSense", "fieldsense.example", "CTO", "agritech, sensors", "Jena"),
    ("Maya Cohen", "FieldSense", "fieldsense.example", "Product lead", "agritech, design", "Jena"),
    (
        "Nils Berg",
        "FieldSense",
        "fieldsense.example",
        "Firmware developer",
        "embedded, rust",
        "Jena",
    ),
    (
        "Olivia Mensah",
        "City of Leipzig Innovation Office",
        "leipzig-innovation.example",
        "Programme manager",
        "public sector, funding",
        "Leipzig",
    ),
    (
        "Paul Schreiber",
        "City of Leipzig Innovation Office",
        "leipzig-innovation.example",
        "Open data lead",
        "open data, python",
        "Leipzig",
    ),
    ("Qi Zhang", "Kiln & Co", "kiln.example", "Ceramicist", "materials, craft", "Weimar"),
    ("Rosa Jiménez", "Kiln & Co", "kiln.example", "Studio manager", "craft, events", "Weimar"),
    (
        "Samir Haddad",
        "Open Mobility Collective",
        "openmobility.example",
        "Software engineer",
        "mobility, open source",
        "Berlin",
    ),
    (
        "Tove Andersen",
        "Open Mobility Collective",
        "openmobility.example",
        "Community organiser",
        "mobility, community",
        "Berlin",
    ),
    (
        "Umar Farouk",
        "Open Mobility Collective",
        "openmobility.example",
        "Data engineer",
        "open data, mobility",
        "Berlin",
    ),
    (
        "Vera Kowalski",
        "Greenfield Energy",
        "greenfield.example",
        "Operations",
        "batteries, logistics",
        "Dresden",
    ),
    (
        "Wen Li",
        "Atelier Nord",
        "ateliernord.example",
        "Textile designer",
        "textiles, materials",
        "Halle",
    ),
    (
        "Yusuf Demir",
        "Northwind Labs",
        "northwind.example",
        "Embedded developer",
        "iot, embedded",
        "Leipzig",
    ),
]

# Each person's own updates, oldest first, so the board reads like a real network.
UPDATES: dict[str, tuple[str, ...]] = {
    "Ada Osei": (
        "Planning the spring meetup: venue booked, looking for two short talks.",
        "Drafting a funding application for a shared materials library. Who wants to be a partner?",
    ),
    "Ben Hartmann": (
        "Three sensor housing prototypes went into the field. One survived the rain.",
        "Spent the week on `firmware` power budgets: we are down to 40 µA in sleep.",
    ),
    "Chiara Rossi": (
        "Interviewing farmers with Maya about how they decide when to irrigate.",
        "First user test of the new dashboard: people want fewer charts and more sentences.",
    ),
    "Dev Patel": (
        "Moved our battery test rig into the new workshop. Come and see it on Thursday afternoon.",
        "Pitching to two regional utilities next week. Any tips on procurement timelines?",
    ),
    "Elena Novak": (
        "Our forecasting model now beats the naive baseline by 12% on the winter data.",
        "Cleaning five years of smart-meter data. Daylight-saving gaps everywhere.",
    ),
    "Femi Adeyemi": (
        "Reading the new grid connection rules so you don't have to. Summary coming Friday.",
        "Mapping where small batteries could relieve the local grid in summer.",
    ),
    "Greta Lindqvist": (
        "Prototyping a recycled-felt acoustic panel. First sample absorbs better than expected.",
        "Looking for a welder for a small furniture run in March.",
    ),
    "Hiro Tanaka": (
        "Printing test pieces from recycled PETG. Layer adhesion is the hard part.",
        "We have offcuts of oak and birch ply in the workshop, free to a good home.",
    ),
    "Ines Duarte": (
        "Writing the final report for our **circular packaging** pilot. Happy to share the draft.",
        "Visited the recycling centre with Jonas: now we know why the sorting line jams.",
    ),
    "Jonas Weber": (
        "Sorting 200 kg of mixed plastics by hand for my thesis. Send snacks.",
        "Submitted my first paper on recycled-content labels!",
    ),
    "Kamala Iyer": (
        "Reading up on EU repairability rules for small appliances. Notes at https://example.org/notes",
        "Our lab has space for two visiting researchers this summer.",
    ),
    "Lukas Brandt": (
        "Testing a new soil-moisture sensor in the field this week.",
        "We are hiring a firmware developer: ask me or Nils.",
    ),
    "Maya Cohen": (
        "Field visits in Thuringia all week. Surprising amount of WhatsApp involved in irrigation.",
        "Redesigning the onboarding for farmers who have never used an app.",
    ),
    "Nils Berg": (
        "Porting our sensor firmware to Rust. The borrow checker found two real bugs already.",
        "Learning KiCad properly at last. The autorouter is not my friend.",
    ),
    "Olivia Mensah": (
        "The city's innovation fund opens in April. Happy to explain the criteria over coffee.",
        "Looking for someone who has worked with *municipal procurement* for a pilot.",
    ),
    "Paul Schreiber": (
        "Preparing the next meetup on open data in public services. Ideas for speakers?",
        "Published the city's cycle-counter data as open data, updated hourly.",
    ),
    "Qi Zhang": (
        "Glaze experiments with recycled glass powder. The blue ones are lovely, the green ones crack.",
        "Firing the big kiln on Saturday: bring your pieces by Friday noon.",
    ),
    "Rosa Jiménez": (
        "Running a pottery evening for the network on the 14th. Ten places left.",
        "Sourcing offcuts from two furniture makers for a student project. Any other leads?",
    ),
    "Samir Haddad": (
        "Fixed the flaky CI in our routing engine: it was a time zone bug, of course.",
        "Our trip planner now handles on-demand buses. Testers welcome.",
    ),
    "Tove Andersen": (
        "Running a co-design session with residents on Saturday about the new cycle lanes.",
        "Collecting stories of car-free commutes for a small exhibition.",
    ),
    "Umar Farouk": (
        "Cleaning up the open bus-stop dataset: 1,400 stops, 80 with wrong coordinates. Fixes welcome!",
        "Built a small tool that checks GTFS feeds for common errors.",
    ),
    "Vera Kowalski": (
        "Untangling battery logistics: shipping rules for used cells are a maze.",
        "Setting up a take-back scheme for old e-bike batteries with two shops.",
    ),
    "Wen Li": (
        "Mapping who in the network works with textiles: reply if you want to be on the map.",
        "Weaving samples from recycled denim for Greta's panels.",
    ),
    "Yusuf Demir": (
        "Bringing up a new LoRa board. First packet received across the river.",
        "Writing a short guide to over-the-air updates for small devices.",
    ),
}

# Replies that belong to their updates: (the update's first words, who answers, what).
# An update not listed here gets no reply; each reply is written once, by someone whose
# work fits it.
REPLIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Planning the spring meetup": (
        ("Paul Schreiber", "I could give ten minutes on the cycle-counter open data."),
        ("Rosa Jiménez", "Happy to bring pottery for the tables if that helps."),
    ),
    "Drafting a funding application": (
        ("Hiro Tanaka", "The workshop would join: we have shelves of offcuts to catalogue."),
    ),
    "Three sensor housing prototypes": (
        ("Lukas Brandt", "Which seal did the survivor have? Ours fail at the cable gland."),
    ),
    "Spent the week on `firmware` power budgets": (
        ("Yusuf Demir", "40 µA is great. Are you gating the radio or the whole regulator?"),
    ),
    "First user test of the new dashboard": (
        ("Maya Cohen", "Same with the farmers: one sentence a day beats any chart."),
    ),
    "Moved our battery test rig": (
        ("Vera Kowalski", "I'll come by on Thursday, I want to see how you store the cells."),
    ),
    "Pitching to two regional utilities": (
        ("Olivia Mensah", "Expect six months from first meeting to contract; ask about pilots."),
    ),
    "Cleaning five years of smart-meter data": (
        ("Samir Haddad", "Store everything in UTC and convert at the edges. Ask me how I know."),
        ("Femi Adeyemi", "Could I use the cleaned set for the summer grid map?"),
    ),
    "Reading the new grid connection rules": (
        ("Dev Patel", "Yes please, especially the part on small storage."),
    ),
    "Prototyping a recycled-felt acoustic panel": (
        ("Wen Li", "Would denim work as a face fabric? I have samples."),
    ),
    "Looking for a welder": (("Hiro Tanaka", "Ask Jakob at the makerspace, he did our frames."),),
    "Printing test pieces from recycled PETG": (
        ("Ines Duarte", "Does drying the flakes longer help with adhesion?"),
    ),
    "We have offcuts of oak and birch ply": (
        ("Rosa Jiménez", "Could I take some for the student project? I'll come Friday."),
    ),
    "Writing the final report": (("Kamala Iyer", "I'd love to read the draft."),),
    "Sorting 200 kg of mixed plastics": (("Ines Duarte", "Snacks are on their way. And gloves."),),
    "Submitted my first paper": (("Kamala Iyer", "Congratulations, Jonas!"),),
    "Our lab has space for two visiting researchers": (
        ("Jonas Weber", "Could a master's student apply?"),
    ),
    "We are hiring a firmware developer": (
        ("Nils Berg", "Yes, and we are happy to hear from people new to embedded work."),
    ),
    "Porting our sensor firmware to Rust": (
        ("Yusuf Demir", "Which HAL crate are you using for the radio?"),
    ),
    "The city's innovation fund opens in April": (
        ("Tove Andersen", "Coffee next week? We have an idea for the cycle lanes."),
    ),
    "Preparing the next meetup on open data": (
        ("Umar Farouk", "I could show the bus-stop clean-up, warts and all."),
    ),
    "Firing the big kiln on Saturday": (("Rosa Jiménez", "Two bowls coming on Friday morning."),),
    "Running a pottery evening": (("Qi Zhang", "I'll bring the recycled-glass glazes."),),
    "Fixed the flaky CI": (
        ("Elena Novak", "Of course it was. Daylight saving found us too this week."),
    ),
    "Running a co-design session": (("Paul Schreiber", "Can I share the counter data there?"),),
    "Cleaning up the open bus-stop dataset": (
        ("Samir Haddad", "Our planner uses that dataset: sending you our fix list."),
    ),
    "Setting up a take-back scheme": (
        ("Dev Patel", "Our rig could grade the returned cells for second use."),
    ),
    "Mapping who in the network works with textiles": (
        ("Greta Lindqvist", "Put us on the map: felt panels, and soon denim ones."),
    ),
    "Bringing up a new LoRa board": (
        ("Ben Hartmann", "Across the river is a good range. Which antenna?"),
    ),
}


def replies_for(
    body: str, table: dict[str, tuple[tuple[str, str], ...]] | None = None
) -> tuple[tuple[str, str], ...]:
    """The demo replies written for the update ``body`` (none for most), from ``table`` (the
    English network's by default)."""
    written = REPLIES if table is None else table
    return next((found for start, found in written.items() if body.startswith(start)), ())


def _local_part(name: str) -> str:
    """'Aylin Yıldız' -> 'aylin.yildiz', 'Dr. Felix Brandt' -> 'felix.brandt'."""
    name = name.removeprefix("Dr. ")
    table = str.maketrans({"é": "e", "í": "i", "ı": "i", "ö": "oe", "ü": "ue", "ä": "ae",
                           "ø": "oe", "ß": "ss"})  # fmt: skip
    return name.lower().translate(table).replace(" ", ".")


def _add_people(rng: random.Random, now, data, locale: str) -> list[Member]:
    members = []
    for index, (name, org, domain, title, interests, location) in enumerate(data.PEOPLE):
        local = _local_part(name)
        role = (
            MemberRole.ADMIN
            if index == 0
            else (MemberRole.MODERATOR if index in (6, 14) else MemberRole.MEMBER)
        )
        member = create_member(
            f"{local}@{domain}",
            name,
            organisation=org,
            role=role,
            title=title,
            location=location,
            bio=data.bio(title, org, location),
            commit=False,
            locale=locale,
        )
        member.joined_at = now - timedelta(days=30 + rng.randint(0, 200))
        member.interests = [Interest(tag=t.strip()) for t in interests.split(",")]
        members.append(member)
    db.session.flush()
    return members


def _settle_reply_notices() -> None:
    """The demo's replies are history: nobody is notified of them weeks later."""
    db.session.flush()
    db.session.execute(
        update(ReplyNotice)
        .where(ReplyNotice.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SKIPPED)
    )


def bio(title: str, organisation: str, location: str) -> str:
    return f"{title} at {organisation}, based in {location}."


def _demo_replies(rng: random.Random, data, original: Post, members: list[Member]) -> list:
    """(when, author, text) of the replies to ``original``: the ones written for that update
    in the network's language (``replies_for``), a few hours after it."""
    by_name = {m.name: m for m in members}
    return [
        (original.created_at + timedelta(hours=hours + rng.randint(0, 8)), by_name[name], text)
        for hours, (name, text) in enumerate(replies_for(original.body, data.REPLIES), start=2)
    ]


def seed_demo(
    *, now=None, progress: Callable[[str], None] = lambda _text: None, locale: str = "en"
) -> tuple[Member, bool]:
    """Seed the demo network unless it is there; return the demo admin and whether it was added."""
    data = demo_de if locale == "de" else sys.modules[__name__]
    existing = find_member(data.DEMO_ADMIN)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    rng = random.Random(20261122)
    members = _add_people(rng, now, data, locale)
    progress(f"Added {len(members)} members.")
    updates = []
    for author in members:
        days = sorted(rng.sample(range(1, 22), len(data.UPDATES[author.name])), reverse=True)
        for day, body in zip(days, data.UPDATES[author.name], strict=True):
            when = now - timedelta(days=day, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
            updates.append(create_post(author, body, source="demo", now=when, commit=False))
    db.session.flush()
    replies = 0
    for original in updates:
        for when, author, text in _demo_replies(rng, data, original, members):
            if when < now:
                create_post(author, text, parent=original, source="demo", now=when, commit=False)
                replies += 1
    _settle_reply_notices()
    db.session.commit()
    progress(f"Added {len(updates)} updates and {replies} replies over three weeks.")
    return members[0], True
