"""The German-speaking demo network (``hub demo --locale de``): a co-working hub in Kiel and
its partners around the Baltic, writing as such a network writes, with "du"."""

from __future__ import annotations

DEMO_ADMIN = "jana.petersen@foerdewerk.example"

PEOPLE = [
    # name, organisation, domain, title, interests, location
    (
        "Jana Petersen",
        "Fördewerk Kiel",
        "foerdewerk.example",
        "Netzwerkkoordinatorin",
        "community, veranstaltungen",
        "Kiel",
    ),
    (
        "Lars Hansen",
        "Fördewerk Kiel",
        "foerdewerk.example",
        "Hardware-Entwickler",
        "sensorik, iot",
        "Kiel",
    ),
    (
        "Miriam Scholz",
        "Fördewerk Kiel",
        "foerdewerk.example",
        "UX-Forscherin",
        "design, forschung",
        "Kiel",
    ),
    (
        "Tobias Krüger",
        "Ostseestrom eG",
        "ostseestrom.example",
        "Gründer",
        "energie, speicher",
        "Rostock",
    ),
    (
        "Aylin Yıldız",
        "Ostseestrom eG",
        "ostseestrom.example",
        "Datenanalystin",
        "energie, daten",
        "Rostock",
    ),
    (
        "Henrik Sørensen",
        "Werkhaus Lübeck",
        "werkhaus.example",
        "Tischler",
        "holz, kreislaufwirtschaft",
        "Lübeck",
    ),
    (
        "Katrin Vogel",
        "Werkhaus Lübeck",
        "werkhaus.example",
        "Werkstattleiterin",
        "werkstatt, materialien",
        "Lübeck",
    ),
    (
        "Dr. Felix Brandt",
        "Fachhochschule Kiel",
        "fh-kiel.example",
        "Professor für Verfahrenstechnik",
        "recycling, kunststoffe",
        "Kiel",
    ),
    (
        "Paula Neumann",
        "Fachhochschule Kiel",
        "fh-kiel.example",
        "Doktorandin",
        "recycling, verpackung",
        "Kiel",
    ),
    (
        "Ole Jensen",
        "Hafenlabor Flensburg",
        "hafenlabor.example",
        "Meeresbiologe",
        "meer, sensorik",
        "Flensburg",
    ),
    (
        "Sabine Wendt",
        "Landeshauptstadt Kiel",
        "kiel.example",
        "Innovationsreferentin",
        "verwaltung, förderung",
        "Kiel",
    ),
    (
        "Mehmet Aydın",
        "Mobil an der Förde e. V.",
        "mobilfoerde.example",
        "Verkehrsplaner",
        "mobilität, offene daten",
        "Kiel",
    ),
    (
        "Greta Lorenz",
        "Mobil an der Förde e. V.",
        "mobilfoerde.example",
        "Community-Organisatorin",
        "mobilität, beteiligung",
        "Kiel",
    ),
    (
        "Jonas Albers",
        "Keramikwerkstatt Albers",
        "keramik-albers.example",
        "Keramiker",
        "keramik, glas",
        "Eckernförde",
    ),
]

UPDATES: dict[str, tuple[str, ...]] = {
    "Jana Petersen": (
        "Plane das Frühjahrstreffen: Raum im Fördewerk ist gebucht, ich suche noch zwei kurze Vorträge.",
        "Schreibe gerade einen Förderantrag für eine gemeinsame Materialbibliothek. Wer macht als Partner mit?",
    ),
    "Lars Hansen": (
        "Drei Gehäuse-Prototypen für die Pegelsensoren hängen jetzt im Hafen. Einer hat den Regen überlebt.",
        "Diese Woche ging es um den Strombedarf der `Firmware`: Im Schlafmodus sind wir bei 40 µA.",
    ),
    "Miriam Scholz": (
        "Interviews mit Fischern in Heikendorf, wie sie Wetter- und Pegeldaten nutzen. Sehr aufschlussreich.",
        "Erster Nutzertest des neuen Dashboards: Die Leute wollen weniger Diagramme und mehr Sätze.",
    ),
    "Tobias Krüger": (
        "Unser Batterie-Teststand ist in die neue Halle umgezogen. Kommt am Donnerstagnachmittag vorbei!",
        "Nächste Woche pitchen wir bei zwei Stadtwerken. Habt ihr Tipps zu Vergabefristen?",
    ),
    "Aylin Yıldız": (
        "Unser Prognosemodell schlägt die naive Vorhersage auf den Winterdaten jetzt um 12 %.",
        "Bereinige gerade fünf Jahre Smart-Meter-Daten. Überall Lücken durch die Zeitumstellung.",
    ),
    "Henrik Sørensen": (
        "Baue aus Bootsholz-Resten eine kleine Serie Hocker. Die ersten drei sind fertig.",
        "Wir haben Eichen- und Birkensperrholz-Reste in der Werkstatt, gratis für gute Ideen.",
    ),
    "Katrin Vogel": (
        "Die Lasercutter-Einweisung am Samstag ist voll, am 12. gibt es einen zweiten Termin.",
        "Suche jemanden, der im März eine kleine Schweißarbeit für Möbelgestelle übernimmt.",
    ),
    "Dr. Felix Brandt": (
        "Wir haben Platz für zwei Gastforschende im Sommer, Schwerpunkt **Kunststoffrecycling**.",
        "Notizen zu den neuen EU-Regeln zur Reparierbarkeit: https://example.org/notizen",
    ),
    "Paula Neumann": (
        "Sortiere für meine Doktorarbeit 200 kg gemischte Kunststoffe von Hand. Schickt Kekse.",
        "Mein erstes Paper über Rezyklat-Kennzeichnung ist eingereicht!",
    ),
    "Ole Jensen": (
        "Testen diese Woche einen neuen Sauerstoffsensor in der Flensburger Förde.",
        "Wer kennt sich mit LoRaWAN auf See aus? Unsere Reichweite endet an der Hafenmole.",
    ),
    "Sabine Wendt": (
        "Der Innovationsfonds der Stadt öffnet im April. Ich erkläre gern bei einem Kaffee die Kriterien.",
        "Suche Erfahrungen mit *öffentlicher Beschaffung* für ein Pilotprojekt.",
    ),
    "Mehmet Aydın": (
        "Die Daten der Radzählstellen sind jetzt als offene Daten online, stündlich aktualisiert.",
        "Unser Fahrplan-Tool kann jetzt auch Rufbusse. Testerinnen und Tester willkommen.",
    ),
    "Greta Lorenz": (
        "Am Samstag Beteiligungswerkstatt mit Anwohnenden zu den neuen Radwegen am Westring.",
        "Sammle Geschichten vom autofreien Pendeln für eine kleine Ausstellung im Fördewerk.",
    ),
    "Jonas Albers": (
        "Glasur-Experimente mit Altglasmehl: Die blauen sind wunderschön, die grünen reißen.",
        "Am Samstag brennt der große Ofen: Bringt eure Stücke bis Freitagmittag vorbei.",
    ),
}

# Replies that belong to their updates: (the update's first words, who answers, what),
# each written once, by someone whose work fits it.
REPLIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Plane das Frühjahrstreffen": (
        ("Mehmet Aydın", "Ich könnte zehn Minuten über die offenen Radzähldaten erzählen."),
        ("Sabine Wendt", "Und ich stelle kurz den Innovationsfonds vor, wenn das passt."),
    ),
    "Schreibe gerade einen Förderantrag": (
        ("Henrik Sørensen", "Die Werkstatt ist dabei, wir bringen unsere Holzreste ein."),
    ),
    "Drei Gehäuse-Prototypen": (
        ("Ole Jensen", "Welche Dichtung hat der überlebende? Unsere Sonden laufen immer voll."),
    ),
    "Interviews mit Fischern": (
        ("Lars Hansen", "Magst du die Notizen teilen? Das hilft uns bei den Messintervallen."),
    ),
    "Erster Nutzertest des neuen Dashboards": (
        ("Aylin Yıldız", "Das deckt sich mit unseren Tests: ein Satz pro Kennzahl reicht."),
    ),
    "Unser Batterie-Teststand": (
        ("Paula Neumann", "Donnerstag bin ich dabei und bringe Kekse mit."),
    ),
    "Nächste Woche pitchen wir": (
        ("Sabine Wendt", "Ich kann dir jemanden aus der Vergabestelle vorstellen."),
    ),
    "Bereinige gerade fünf Jahre Smart-Meter-Daten": (
        ("Mehmet Aydın", "Bei den Zählstellen hatten wir dieselben Lücken: Rechne alles in UTC."),
    ),
    "Wir haben Eichen- und Birkensperrholz-Reste": (
        ("Jonas Albers", "Ich hätte gern ein paar Birkenreste für Regale im Trockenraum."),
    ),
    "Suche jemanden, der im März": (
        ("Tobias Krüger", "Unser Mechaniker schweißt nebenbei. Ich frage ihn für dich."),
    ),
    "Wir haben Platz für zwei Gastforschende": (
        ("Paula Neumann", "Ich leite das gern an zwei Kolleginnen in Tallinn weiter."),
    ),
    "Mein erstes Paper über Rezyklat-Kennzeichnung": (
        ("Dr. Felix Brandt", "Herzlichen Glückwunsch, das hast du dir verdient!"),
    ),
    "Wer kennt sich mit LoRaWAN auf See aus?": (
        ("Lars Hansen", "Mit einer Antenne am Mast kamen wir acht Kilometer weit. Frag mich."),
    ),
    "Suche Erfahrungen mit *öffentlicher Beschaffung*": (
        ("Tobias Krüger", "Das Problem hatten wir letztes Jahr auch, lass uns mal austauschen."),
    ),
    "Die Daten der Radzählstellen": (
        ("Greta Lorenz", "Die nehmen wir für die Beteiligungswerkstatt am Westring."),
    ),
    "Am Samstag Beteiligungswerkstatt": (
        ("Katrin Vogel", "Wir können euch Stellwände aus der Werkstatt leihen."),
    ),
    "Am Samstag brennt der große Ofen": (
        ("Katrin Vogel", "Ich bringe zwei Schalen aus dem Kurs am Freitagvormittag vorbei."),
    ),
}


def bio(title: str, organisation: str, location: str) -> str:
    return f"{title} bei {organisation}, in {location}."
