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

REPLIES = [
    "Klingt super, das würde ich gern sehen!",
    "Ich kann dir jemanden aus der Vergabestelle vorstellen.",
    "Das Problem hatten wir letztes Jahr auch, lass uns mal austauschen.",
    "Donnerstag bin ich dabei.",
    "Hast du einen Link zu den Daten?",
    "Tolles Ergebnis, herzlichen Glückwunsch!",
    "Lass uns beim nächsten Treffen darüber reden.",
    "Wir haben noch Reste in der Werkstatt, frag Henrik.",
]


def bio(title: str, organisation: str, location: str) -> str:
    return f"{title} bei {organisation}, in {location}."
