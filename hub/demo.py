"""A believable demo network: members from several organisations, three weeks of updates.

Seeding is idempotent: if the demo admin exists, nothing is added.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from hub.clock import utcnow
from hub.extensions import db
from hub.members import create_member, find_member
from hub.models import Interest, Member, MemberRole
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

UPDATES = [
    "Testing a new soil-moisture sensor housing in the field this week. Three prototypes, one survived the rain.",
    "Writing the final report for our **circular packaging** pilot. Happy to share the draft with anyone interested.",
    "Looking for someone who has worked with *municipal procurement*: we want to pitch a pilot to the city.",
    "We moved our battery test rig into the new workshop. Come and see it on Thursday afternoon.",
    "Cleaning up the open bus-stop dataset: 1,400 stops, 80 with wrong coordinates. Fixes welcome!",
    "Prototyping a recycled-felt acoustic panel. First sample absorbs better than expected.",
    "Preparing the next meetup on open data in public services. Ideas for speakers?",
    "Spent the week on `firmware` power budgets: we are down to 40 µA in sleep.",
    "Interviewing farmers about how they decide when to irrigate. Surprising amount of WhatsApp involved.",
    "Reading up on EU repairability rules for small appliances. Notes at https://example.org/notes",
    "Glaze experiments with recycled glass powder. The blue ones are lovely, the green ones crack.",
    "Our forecasting model now beats the naive baseline by 12% on the winter data.",
    "Drafting a funding application for a shared materials library. Who wants to be a partner?",
    "Fixed the flaky CI in our routing engine: it was a time zone bug, of course.",
    "Running a co-design session with residents on Saturday about the new cycle lanes.",
    "Sourcing offcuts from two furniture makers for a student project. Any other leads?",
    "First user test of the new dashboard went well. People want fewer charts and more sentences.",
    "Learning KiCad properly at last. The autorouter is not my friend.",
    "Mapping who in the network does what with textiles: reply if you want to be on the map.",
    "Visited the recycling centre with Jonas: we now understand why the sorting line jams.",
]

REPLIES = [
    "Nice! Would love to see it.",
    "I can introduce you to someone at the procurement office.",
    "We had the same problem last year, happy to compare notes.",
    "Count me in for Thursday.",
    "Do you have a link to the data?",
    "That is a great result, congratulations.",
    "Let's talk at the next meetup.",
    "We have some offcuts in the workshop, ask Hiro.",
]


def _add_people(rng: random.Random, now) -> list[Member]:
    members = []
    for index, (name, org, domain, title, interests, location) in enumerate(PEOPLE):
        local = name.lower().replace(" ", ".").replace("é", "e").replace("í", "i")
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
            bio=f"{title} at {org}, based in {location}.",
            commit=False,
        )
        member.joined_at = now - timedelta(days=30 + rng.randint(0, 200))
        member.interests = [Interest(tag=t.strip()) for t in interests.split(",")]
        members.append(member)
    db.session.flush()
    return members


def seed_demo(
    *, now=None, progress: Callable[[str], None] = lambda _text: None
) -> tuple[Member, bool]:
    """Seed the demo network unless it is there; return the demo admin and whether it was added."""
    existing = find_member(DEMO_ADMIN)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    rng = random.Random(20261122)
    members = _add_people(rng, now)
    progress(f"Added {len(members)} members.")
    updates = []
    for day in range(21, 0, -1):
        for _ in range(rng.randint(1, 3)):
            author = rng.choice(members)
            when = now - timedelta(days=day, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
            body = rng.choice(UPDATES)
            updates.append(create_post(author, body, source="demo", now=when, commit=False))
    db.session.flush()
    replies = 0
    for update in updates:
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            author = rng.choice([m for m in members if m.id != update.author_id])
            when = update.created_at + timedelta(hours=rng.randint(1, 20))
            if when < now:
                create_post(
                    author,
                    rng.choice(REPLIES),
                    parent=update,
                    source="demo",
                    now=when,
                    commit=False,
                )
                replies += 1
    db.session.commit()
    progress(f"Added {len(updates)} updates and {replies} replies over three weeks.")
    return members[0], True
