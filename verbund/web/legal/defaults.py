# ruff: noqa: E501  (a placeholder [[…]] must stay on one line)
"""The default legal texts: templates the operator completes before going live.

They are shown until the operator saves a text of their own (nothing is written to the database
for them). Every gap is a placeholder ``[[BITTE AUSFÜLLEN: …]]`` that the page shows highlighted
and that the edit page counts, so an unfinished text cannot go unnoticed. The texts are legal
documents of a German authority and stay German whatever the interface language (like grant
notices); the surrounding page is translated.

* **Impressum**: § 5 Digitale-Dienste-Gesetz (DDG) and § 18 Abs. 2 Medienstaatsvertrag (MStV).
* **Datenschutzerklärung**: the information of Art. 13 DSGVO for what Verbund itself processes
  (server logs, the session and language cookies, accounts, the audit log, the feedback form).
* **Erklärung zur Barrierefreiheit**: the structure of the EU model statement
  (Durchführungsbeschluss (EU) 2018/1523) as BITV 2.0 § 7 requires it — Stand der Vereinbarkeit,
  nicht barrierefreie Inhalte, Erstellung der Erklärung, Feedback und Kontaktangaben,
  Durchsetzungsverfahren.
"""

from __future__ import annotations

IMPRESSUM = """\
## Anbieter

[[BITTE AUSFÜLLEN: Name der Behörde oder Einrichtung, die Verbund betreibt]]
[[BITTE AUSFÜLLEN: Straße und Hausnummer]]
[[BITTE AUSFÜLLEN: Postleitzahl und Ort]]

Die Behörde ist eine Körperschaft/Anstalt des öffentlichen Rechts. Sie wird vertreten durch
[[BITTE AUSFÜLLEN: Name und Funktion der vertretungsberechtigten Person]].

## Kontakt

- Telefon: [[BITTE AUSFÜLLEN: Telefonnummer]]
- E-Mail: [[BITTE AUSFÜLLEN: E-Mail-Adresse, z. B. ein Funktionspostfach]]

## Aufsichtsbehörde

[[BITTE AUSFÜLLEN: zuständige Aufsichtsbehörde mit Anschrift]]

## Umsatzsteuer-Identifikationsnummer

[[BITTE AUSFÜLLEN: Umsatzsteuer-Identifikationsnummer nach § 27a UStG, falls vorhanden; sonst diesen Abschnitt löschen]]

## Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV

[[BITTE AUSFÜLLEN: Name und Anschrift der verantwortlichen Person]]

## Inhalte der Verbünde

Die Angaben zu den Kooperationsverbünden (Beschreibungen, Mitglieder, Vereinbarungen) stellen die
Verbünde selbst ein; verantwortlich ist jeweils die Verbundkoordination.

## Datenquellen

Das Register der Gebietskörperschaften beruht auf dem Gemeindeverzeichnis GV100AD des
Statistischen Bundesamtes (Destatis). Offene Daten von Verbund stehen unter der im
[Datenkatalog](/opendata/) genannten Lizenz.

## Software

Verbund ist freie Software unter der Europäischen Open-Source-Lizenz (EUPL-1.2).
"""

DATENSCHUTZ = """\
## Verantwortliche Stelle

[[BITTE AUSFÜLLEN: Name und Anschrift der verantwortlichen Behörde]]
E-Mail: [[BITTE AUSFÜLLEN: E-Mail-Adresse]]

## Datenschutzbeauftragte oder Datenschutzbeauftragter

[[BITTE AUSFÜLLEN: Kontaktdaten der oder des behördlichen Datenschutzbeauftragten]]

## Zwecke und Rechtsgrundlagen

Verbund unterstützt Kommunen bei der interkommunalen Zusammenarbeit: Verzeichnis der
Kooperationsverbünde, Förderverfahren, geteilte Dienste und Planung. Personenbezogene Daten werden
verarbeitet, soweit das zur Erfüllung dieser Aufgaben im öffentlichen Interesse erforderlich ist
(Art. 6 Abs. 1 Buchst. e DSGVO in Verbindung mit [[BITTE AUSFÜLLEN: Landesrecht, z. B. § 3 Landesdatenschutzgesetz Rheinland-Pfalz]]).

## Beim Besuch der Website

- **Server-Protokolle:** Bei jedem Abruf werden Datum und Uhrzeit, die aufgerufene Adresse, der
  Statuscode, die übertragene Datenmenge, der Browser und die IP-Adresse verarbeitet, um den Betrieb
  und die Sicherheit zu gewährleisten. Die Protokolle werden nach [[BITTE AUSFÜLLEN: Speicherdauer, z. B. 7 Tagen]] gelöscht.
- **Cookies:** Verbund setzt nur technisch notwendige Cookies: die Sitzung (nach der Anmeldung und
  für das Rückmeldeformular), den Schutz gegen Cross-Site-Request-Forgery und die gewählte Sprache.
  Es gibt keine Reichweitenmessung und keine Cookies Dritter.
- **Karten:** Die Karten werden ohne Kartendienst Dritter gezeichnet. [[BITTE AUSFÜLLEN: Falls ein Kachelserver eingerichtet ist (VERBUND_MAP_TILE_URL), hier Anbieter und Zweck nennen; sonst diesen Satz löschen]]

## Benutzerkonten

Für die Anmeldung werden Name, Benutzername, E-Mail-Adresse, die Rollen in Körperschaften und
fehlgeschlagene Anmeldeversuche verarbeitet. Änderungen an Verbünden, Anträgen und Diensten werden
mit dem Namen der handelnden Person im Änderungsprotokoll festgehalten, damit Verwaltungshandeln
nachvollziehbar bleibt.

## Rückmeldungen zur Barrierefreiheit

Das Formular auf der Seite [Erklärung zur Barrierefreiheit](/barrierefreiheit/) speichert die
Nachricht und – freiwillig – Name und E-Mail-Adresse, um die Rückmeldung zu bearbeiten und zu
beantworten. Sie werden nach [[BITTE AUSFÜLLEN: Speicherdauer nach Erledigung]] gelöscht.

## Empfänger

[[BITTE AUSFÜLLEN: Auftragsverarbeiter, z. B. das Rechenzentrum, das Verbund betreibt]]

## Ihre Rechte

Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), Löschung (Art. 17),
Einschränkung der Verarbeitung (Art. 18) und Widerspruch (Art. 21). Wenden Sie sich dazu an die
verantwortliche Stelle.

## Beschwerderecht

Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren, für Stellen des Landes
Rheinland-Pfalz beim Landesbeauftragten für den Datenschutz und die Informationsfreiheit
Rheinland-Pfalz: [[BITTE AUSFÜLLEN: Anschrift der zuständigen Aufsichtsbehörde prüfen und eintragen]]

Stand: [[BITTE AUSFÜLLEN: Datum]]
"""

BARRIEREFREIHEIT = """\
[[BITTE AUSFÜLLEN: Name der Behörde]] ist bemüht, Verbund im Einklang mit der
Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) und [[BITTE AUSFÜLLEN: Landesrecht, z. B. dem Landesinklusionsgesetz Rheinland-Pfalz]]
barrierefrei zugänglich zu machen. Diese Erklärung gilt für [[BITTE AUSFÜLLEN: Adresse der Website]].

## Stand der Vereinbarkeit mit den Anforderungen

Diese Website ist [[BITTE AUSFÜLLEN: vollständig / teilweise / nicht]] mit den Anforderungen der
BITV 2.0 und der europäischen Norm EN 301 549 (WCAG 2.1, Stufe AA) vereinbar.

## Nicht barrierefreie Inhalte

Die nachstehend aufgeführten Inhalte sind aus folgenden Gründen nicht barrierefrei:

- **Karten:** Die Karten der Verbünde, Körperschaften und Förderungen sind mit der Tastatur nur
  eingeschränkt bedienbar. Dieselben Angaben stehen jeweils in Tabellen und Listen auf derselben
  Seite.
- [[BITTE AUSFÜLLEN: weitere bekannte Mängel, z. B. PDF-Dokumente, die Verbünde hochgeladen haben, mit Begründung und barrierefreier Alternative]]

## Erstellung dieser Erklärung

Diese Erklärung wurde am [[BITTE AUSFÜLLEN: Datum]] erstellt. Grundlage ist
[[BITTE AUSFÜLLEN: eine Selbstbewertung / eine Prüfung durch eine beauftragte Stelle]].
Die Erklärung wurde zuletzt am [[BITTE AUSFÜLLEN: Datum]] überprüft.

## Feedback und Kontaktangaben

Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten von Verbund aufgefallen? Dann können Sie
sich über das Formular auf dieser Seite oder direkt an uns wenden:

- E-Mail: [[BITTE AUSFÜLLEN: E-Mail-Adresse]]
- Telefon: [[BITTE AUSFÜLLEN: Telefonnummer]]

Wir antworten innerhalb von [[BITTE AUSFÜLLEN: Frist, z. B. sechs Wochen]].

## Durchsetzungsverfahren

Wenn Sie auf Ihre Rückmeldung keine oder keine zufriedenstellende Antwort erhalten, können Sie
sich an die zuständige Durchsetzungs- oder Schlichtungsstelle wenden. Für Stellen des Landes
Rheinland-Pfalz ist das [[BITTE AUSFÜLLEN: die Durchsetzungsstelle beim Landesbeauftragten für die Belange behinderter Menschen Rheinland-Pfalz mit Anschrift und E-Mail; für Bundesbehörden die Schlichtungsstelle nach § 16 BGG]].
Das Verfahren ist kostenlos, und Sie brauchen keinen Rechtsbeistand.
"""

#: kind → (title, body)
DEFAULTS: dict[str, tuple[str, str]] = {
    "impressum": ("Impressum", IMPRESSUM),
    "datenschutz": ("Datenschutzerklärung", DATENSCHUTZ),
    "barrierefreiheit": ("Erklärung zur Barrierefreiheit", BARRIEREFREIHEIT),
}

#: The sections the EU model statement requires (checked by the tests against the default text).
ACCESSIBILITY_SECTIONS = (
    "Stand der Vereinbarkeit mit den Anforderungen",
    "Nicht barrierefreie Inhalte",
    "Erstellung dieser Erklärung",
    "Feedback und Kontaktangaben",
    "Durchsetzungsverfahren",
)
