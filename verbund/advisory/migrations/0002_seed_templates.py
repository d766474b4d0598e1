# ruff: noqa: E501  (the model texts are prose, one paragraph per line, as the office edits them)
# The model texts of the advisory office (templates of verbund.advisory.documents_render).
#
# Seeds the three model texts of the advisory office (only where a template of that slug is absent):
# a Zweckvereinbarung (§§ 12, 13 KomZG RLP), an öffentlich-rechtliche Vereinbarung
# (Verwaltungsvereinbarung, §§ 54 ff. VwVfG i. V. m. § 1 LVwVfG) and a Beschlussvorlage for the
# councils. The texts are written for this platform as models without legal advice; the placeholders
# are those of verbund.advisory.documents_render.
from django.db import migrations

NOTICE = (
    "Hinweis: Dies ist ein Mustertext der Beratungsstelle. Er ersetzt keine Rechtsberatung und muss "
    "im Einzelfall geprüft und angepasst werden."
)

ZWECKVEREINBARUNG = (
    """# Zweckvereinbarung über {{ aufgabe }}
Zweckvereinbarung nach §§ 12 und 13 des Landesgesetzes über die kommunale Zusammenarbeit (KomZG) zwischen den Beteiligten des Kooperationsverbunds „{{ verbund.name }}“:

{% für jedes mitglied %}
- {{ mitglied.name }} ({{ mitglied.art }}), vertreten durch die Bürgermeisterin oder den Bürgermeister bzw. die Landrätin oder den Landrat
{% ende %}

– nachfolgend „die Beteiligten“ –

Die Beteiligten schließen auf der Grundlage der Beschlüsse ihrer Vertretungskörperschaften folgende Zweckvereinbarung:

## § Gegenstand der Vereinbarung
(#) Die {{ federfuehrend.name }} (beauftragte Beteiligte) übernimmt die Aufgabe {{ aufgabe }} für die übrigen Beteiligten (§ 12 Abs. 1 Satz 1 KomZG). Das Recht und die Pflicht zur Erfüllung der Aufgabe gehen insoweit auf die beauftragte Beteiligte über.
(#) Soweit nicht die Aufgabe selbst übergeht, verpflichtet sich die beauftragte Beteiligte, die Aufgabe im Namen und im Auftrag der übrigen Beteiligten durchzuführen oder ihnen die Mitbenutzung ihrer Einrichtungen zu gestatten. Die Zuständigkeit der übrigen Beteiligten bleibt dann unberührt. (Nichtzutreffendes streichen.)
(#) Die Beteiligten arbeiten in der Rechtsform der {{ rechtsform }} zusammen.

## § Rechte und Pflichten der beauftragten Beteiligten
(#) Die beauftragte Beteiligte erfüllt die Aufgabe mit eigenem Personal und eigenen Sachmitteln nach den für sie geltenden Rechts- und Verwaltungsvorschriften. Sie stellt eine ordnungsgemäße, gleichwertige und wirtschaftliche Aufgabenerfüllung für das gesamte Gebiet der Beteiligten sicher.
(#) Sie unterrichtet die übrigen Beteiligten mindestens einmal jährlich über die Erfüllung der Aufgabe, die Fallzahlen und die Kosten und beantwortet Anfragen ihrer Verwaltungen in angemessener Frist.
(#) Sitz der Aufgabenerfüllung ist {{ federfuehrend.sitz }}. Für die Einwohnerinnen und Einwohner der übrigen Beteiligten werden bei Bedarf Sprechzeiten vor Ort angeboten.

## § Rechte und Pflichten der übrigen Beteiligten
(#) Die übrigen Beteiligten stellen der beauftragten Beteiligten die zur Erfüllung der Aufgabe erforderlichen Unterlagen und Auskünfte zur Verfügung und leiten bei ihnen eingehende Anträge unverzüglich weiter.
(#) Sie haben das Recht, sich über die Erfüllung der Aufgabe zu unterrichten; Weisungsrechte bestehen nur, soweit diese Vereinbarung sie ausdrücklich vorsieht.

## § Kostenerstattung
(#) Die übrigen Beteiligten erstatten der beauftragten Beteiligten die Kosten der Aufgabenerfüllung, soweit sie nicht durch Gebühren, Entgelte oder Zuwendungen Dritter gedeckt sind (§ 13 Abs. 1 KomZG).
(#) Die Kosten werden nach folgendem Schlüssel verteilt: {{ kostenschluessel }}
(#) Die Erstattung darf die ordnungsgemäß ermittelten Kosten nicht übersteigen. Die beauftragte Beteiligte erhebt vierteljährliche Abschläge auf der Grundlage des Haushaltsansatzes und rechnet nach Ablauf des Haushaltsjahres bis zum 30. Juni des Folgejahres ab.
(#) Zuwendungen aus dem Förderprogramm zur interkommunalen Zusammenarbeit werden vor der Verteilung von den Kosten abgesetzt.

## § Laufzeit und Kündigung
(#) Die Vereinbarung wird auf unbestimmte Zeit geschlossen. Sie beginnt am {{ beginn }}.
(#) Jede Beteiligte kann die Vereinbarung mit einer Frist von zwölf Monaten zum Ende eines Haushaltsjahres schriftlich kündigen, erstmals zum Ende des fünften vollen Haushaltsjahres nach ihrem Inkrafttreten. Das Recht zur Kündigung aus wichtigem Grund bleibt unberührt.
(#) Scheidet eine Beteiligte aus, gilt die Vereinbarung zwischen den übrigen Beteiligten fort. Die Abwicklung, insbesondere die Übernahme von Personal und Sachmitteln, regeln die Beteiligten in einer gesonderten Vereinbarung.

## § Streitigkeiten
Bei Streitigkeiten aus dieser Vereinbarung ist vor Anrufung der Gerichte die Aufsichtsbehörde zur Schlichtung anzurufen.

## § Genehmigung und Inkrafttreten
(#) Die Vereinbarung bedarf der Genehmigung der Aufsichtsbehörde (§ 12 Abs. 2 KomZG). Zuständig ist die niedrigste gemeinsame Aufsichtsbehörde der Beteiligten: {{ aufsichtsbehoerde }}.
(#) Die Vereinbarung tritt am Tag nach ihrer öffentlichen Bekanntmachung durch die Aufsichtsbehörde in Kraft, frühestens am {{ beginn }}.

## § Schlussbestimmungen
(#) Änderungen und Ergänzungen bedürfen der Schriftform und der Zustimmung aller Beteiligten.
(#) Sollte eine Bestimmung dieser Vereinbarung unwirksam sein, bleibt die Wirksamkeit der übrigen Bestimmungen unberührt. Die Beteiligten verpflichten sich, die unwirksame Bestimmung durch eine wirksame zu ersetzen, die ihrem Zweck am nächsten kommt.

Stand des Entwurfs: {{ datum }}

{{ unterschriften }}

"""
    + NOTICE
)

VERWALTUNGSVEREINBARUNG = (
    """# Öffentlich-rechtliche Vereinbarung (Verwaltungsvereinbarung)
über die Zusammenarbeit im Kooperationsverbund „{{ verbund.name }}“

zwischen {{ verbund.mitglieder }}

– nachfolgend „die Partner“ –

## § Zweck der Vereinbarung
(#) Die Partner arbeiten auf dem Gebiet {{ verbund.handlungsfelder }} zusammen, um ihre Aufgaben wirtschaftlicher und in gleichbleibender Qualität zu erfüllen.
(#) Diese Vereinbarung ist ein öffentlich-rechtlicher Vertrag im Sinne der §§ 54 ff. des Verwaltungsverfahrensgesetzes in Verbindung mit § 1 des Landesverwaltungsverfahrensgesetzes. Die Zuständigkeiten der Partner bleiben unberührt; eine Aufgabe geht nicht über.

## § Gegenstand der Zusammenarbeit
(#) Gegenstand der Zusammenarbeit ist: {{ aufgabe }}.
(#) Die {{ federfuehrend.name }} übernimmt die Federführung. Sie koordiniert die gemeinsame Arbeit, bereitet Abstimmungen vor und vertritt den Verbund gegenüber Dritten, soweit die Partner sie dazu bevollmächtigen.

## § Pflichten der Partner
(#) Jeder Partner benennt eine verantwortliche Ansprechperson und deren Vertretung.
(#) Die Partner stellen einander die für die Zusammenarbeit erforderlichen Informationen zur Verfügung. Personenbezogene Daten werden nur im Rahmen der datenschutzrechtlichen Vorschriften verarbeitet; soweit erforderlich, schließen die Partner eine Vereinbarung nach Art. 26 oder Art. 28 DSGVO.
(#) Die Partner stimmen sich vor Entscheidungen ab, die die gemeinsame Arbeit berühren.

## § Lenkungskreis
(#) Die Partner bilden einen Lenkungskreis aus den Verwaltungsleitungen oder von ihnen benannten Vertretungen. Er tagt mindestens zweimal im Jahr.
(#) Der Lenkungskreis entscheidet einstimmig, soweit diese Vereinbarung nichts anderes bestimmt.

## § Kosten
(#) Gemeinsame Kosten, die nicht durch Zuwendungen oder Entgelte gedeckt sind, tragen die Partner nach folgendem Schlüssel: {{ kostenschluessel }}
(#) Eigene Personal- und Sachkosten trägt jeder Partner selbst, soweit nichts anderes vereinbart ist.

## § Laufzeit und Kündigung
(#) Die Vereinbarung gilt ab dem {{ beginn }} auf unbestimmte Zeit.
(#) Jeder Partner kann sie mit einer Frist von sechs Monaten zum Ende eines Haushaltsjahres schriftlich kündigen. Bereits eingegangene gemeinsame Verpflichtungen bleiben unberührt.

## § Schlussbestimmungen
(#) Änderungen bedürfen der Schriftform (§ 57 VwVfG).
(#) Die Vereinbarung wird der Kommunalaufsicht ({{ aufsichtsbehoerde }}) zur Kenntnis gegeben. Ist nach dem Inhalt doch eine Aufgabe übertragen, ist stattdessen eine Zweckvereinbarung mit Genehmigung nach § 12 Abs. 2 KomZG zu schließen.
(#) Sollte eine Bestimmung unwirksam sein, bleibt die Wirksamkeit der übrigen Bestimmungen unberührt.

Stand des Entwurfs: {{ datum }}

{{ unterschriften }}

"""
    + NOTICE
)

BESCHLUSSVORLAGE = (
    """# Beschlussvorlage: Beteiligung am Kooperationsverbund „{{ verbund.name }}“
{% für jedes mitglied %}
## Vorlage für {{ mitglied.name }}
Gremium: {{ mitglied.gremium }}
Sitzung am: {{ sitzungsdatum }}
Beratungsfolge: Haupt- und Finanzausschuss (Vorberatung), {{ mitglied.gremium }} (Entscheidung)
{% ende %}

## Sachverhalt
Die Gemeinden und Gemeindeverbände {{ verbund.mitglieder }} beabsichtigen, im Kooperationsverbund „{{ verbund.name }}“ die Aufgabe {{ aufgabe }} gemeinsam zu erfüllen. Die Mitglieder haben zusammen {{ verbund.einwohner }} Einwohnerinnen und Einwohner. Die Federführung soll bei der {{ federfuehrend.name }} liegen.

Vorgesehen ist als Rechtsform: {{ rechtsform }}. Eine Zweckvereinbarung nach §§ 12 und 13 KomZG bedarf der Genehmigung der Aufsichtsbehörde; zuständig ist {{ aufsichtsbehoerde }}.

Ziel der Zusammenarbeit ist, die Aufgabe wirtschaftlicher, mit verlässlicher Vertretung und in gleichbleibender Qualität zu erfüllen. Der Entwurf der Vereinbarung liegt der Vorlage als Anlage bei.

## Beschlussvorschlag
(#) Der Rat stimmt der Beteiligung am Kooperationsverbund „{{ verbund.name }}“ zu.
(#) Der Rat stimmt dem als Anlage beigefügten Entwurf der Vereinbarung zu und ermächtigt die Verwaltungsleitung, die Vereinbarung abzuschließen und redaktionelle Änderungen vorzunehmen, die den wesentlichen Inhalt nicht berühren.
(#) Die Verwaltung wird beauftragt, die erforderliche Genehmigung der Aufsichtsbehörde einzuholen und eine Förderung aus dem Programm zur interkommunalen Zusammenarbeit zu beantragen.

## Finanzielle Auswirkungen
Die Kosten der gemeinsamen Aufgabenerfüllung werden nach folgendem Schlüssel verteilt: {{ kostenschluessel }}

Der auf die Kommune entfallende Anteil ist im Haushalt [Haushaltsjahr und Produkt eintragen] zu veranschlagen. Zuwendungen des Landes werden vor der Verteilung abgesetzt. Eine Gegenüberstellung der Kosten bisher und künftig ist beigefügt.

## Anlagen
- Entwurf der Vereinbarung
- Kostenschätzung und Verteilung nach dem Schlüssel

Verbund-Stand vom {{ datum }}

"""
    + NOTICE
)

SEEDS = [
    {
        "slug": "zweckvereinbarung",
        "title": "Zweckvereinbarung nach §§ 12, 13 KomZG",
        "kind": "zweckvereinbarung",
        "description": (
            "Mustertext einer Zweckvereinbarung: eine Beteiligte erfüllt eine Aufgabe für die anderen, "
            "mit Kostenschlüssel, Laufzeit, Kündigung und Genehmigung der Aufsichtsbehörde. Ohne "
            "Rechtsberatung."
        ),
        "body": ZWECKVEREINBARUNG,
        "source": "§§ 12, 13 Landesgesetz über die kommunale Zusammenarbeit (KomZG) Rheinland-Pfalz",
    },
    {
        "slug": "verwaltungsvereinbarung",
        "title": "Öffentlich-rechtliche Vereinbarung (Verwaltungsvereinbarung)",
        "kind": "oeffentlich_rechtliche_vereinbarung",
        "description": (
            "Mustertext einer Verwaltungsvereinbarung: Zusammenarbeit ohne Übergang der Aufgabe, mit "
            "Federführung, Lenkungskreis und Kostenteilung. Ohne Rechtsberatung."
        ),
        "body": VERWALTUNGSVEREINBARUNG,
        "source": "§§ 54 ff. Verwaltungsverfahrensgesetz (VwVfG) i. V. m. § 1 Landesverwaltungsverfahrensgesetz",
    },
    {
        "slug": "beschlussvorlage-rat",
        "title": "Beschlussvorlage für den Rat",
        "kind": "ratsbeschluss",
        "description": (
            "Mustertext einer Beschlussvorlage mit Sachverhalt, Beschlussvorschlag und finanziellen "
            "Auswirkungen, je Mitglied und Gremium. Ohne Rechtsberatung."
        ),
        "body": BESCHLUSSVORLAGE,
        "source": "§ 32 Gemeindeordnung (GemO) Rheinland-Pfalz; §§ 12, 13 KomZG",
    },
]


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("advisory", "DocumentTemplate")
    TemplateVersion = apps.get_model("advisory", "TemplateVersion")
    for item in SEEDS:
        if DocumentTemplate.objects.filter(slug=item["slug"]).exists():
            continue
        template = DocumentTemplate.objects.create(
            slug=item["slug"], title=item["title"], kind=item["kind"], description=item["description"]
        )
        TemplateVersion.objects.create(
            template=template,
            number=1,
            body=item["body"],
            note="Erste Fassung des Mustertextes der Beratungsstelle",
            source=item["source"],
        )


class Migration(migrations.Migration):
    dependencies = [("advisory", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
