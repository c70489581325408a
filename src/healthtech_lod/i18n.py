"""The pages' own words in English, French and German.

Templates mark their text with ``_()`` and ``ngettext()`` (Jinja's i18n
extension, new-style: ``_("page %(page)d", page=2)``); the message is its
English text and the French and German catalogues below translate it (the
German addresses the reader as "Sie", as Luxembourg's administration does). A
page is in the language that negotiation chose (``?lang``, else
``Accept-Language``); a message without a translation stays in English.
tests/test_i18n.py extracts every message of every template and checks that
each catalogue has it.
"""

from __future__ import annotations

from flask import Flask

from .negotiation import language

FRENCH: dict[str, str] = {
    # every page
    "Luxembourg HealthTech linked data": "Données liées de la HealthTech luxembourgeoise",
    "Browse": "Parcourir",
    "Dataset": "Jeu de données",
    "SPARQL": "SPARQL",
    "Vocabulary": "Vocabulaire",
    "Downloads": "Téléchargements",
    "Data quality": "Qualité des données",
    "Search by name": "Rechercher par nom",
    "Search": "Rechercher",
    "Language": "Langue",
    "Main": "Principal",
    "Data under": "Données sous licence",
    "Also as:": "Aussi en :",
    "Sources": "Sources",
    # home and dataset
    "What is here": "Ce que l'on trouve ici",
    "Find an organisation, a programme or a place by its name.": (
        "Trouver une organisation, un programme ou un lieu par son nom."
    ),
    "Every kind of thing the data describes, with its members.": (
        "Chaque sorte de chose que décrivent les données, avec ses membres."
    ),
    "Ask your own questions in SPARQL, or run one of the example queries.": (
        "Poser ses propres questions en SPARQL, ou lancer une des requêtes d'exemple."
    ),
    "The classes and properties the data uses, with their definitions.": (
        "Les classes et propriétés qu'utilisent les données, avec leurs définitions."
    ),
    "The whole dataset as files: Turtle, N-Triples, N-Quads, TriG, JSON-LD.": (
        "Le jeu de données entier en fichiers : Turtle, N-Triples, N-Quads, TriG, JSON-LD."
    ),
    "The data checked against its SHACL shapes.": (
        "Les données vérifiées par rapport à leurs formes SHACL."
    ),
    "The sector year after year": "Le secteur année après année",
    "Each point is one source's claim, linked to that source. Where sources give different "
    "figures for the same year, every claim is shown and marked as conflicting.": (
        "Chaque point est l'affirmation d'une source, avec un lien vers cette source. Quand "
        "des sources donnent des chiffres différents pour une même année, toutes les "
        "affirmations sont montrées et marquées comme divergentes."
    ),
    "%(measure)s by year": "%(measure)s par année",
    "conflicting claim": "affirmation divergente",
    "conflicting": "divergent",
    "Year": "Année",
    "Source": "Source",
    "License": "Licence",
    "SPARQL endpoint": "Point d'accès SPARQL",
    "Triples": "Triplets",
    "Entities": "Entités",
    "Examples": "Exemples",
    "Vocabularies": "Vocabulaires",
    "File": "Fichier",
    "Contents": "Contenu",
    "Bytes": "Octets",
    "Size": "Taille",
    "bytes": "octets",
    "Named graphs": "Graphes nommés",
    "%(num)d triple": "%(num)d triplet",
    "%(num)d triples": "%(num)d triplets",
    "Classes": "Classes",
    "Class": "Classe",
    "Properties": "Propriétés",
    "Property": "Propriété",
    # browse
    "Browse by kind": "Parcourir par sorte",
    "Every kind of thing the data describes, with how many there are. Open one to list "
    "its members.": (
        "Chaque sorte de chose que décrivent les données, avec leur nombre. Ouvrez-en une "
        "pour en lister les membres."
    ),
    "Kind": "Sorte",
    "%(num)d entity of this kind": "%(num)d entité de cette sorte",
    "%(num)d entities of this kind": "%(num)d entités de cette sorte",
    "page %(page)d of %(pages)d": "page %(page)d sur %(pages)d",
    "Previous page": "Page précédente",
    "Next page": "Page suivante",
    # entity pages
    "Statements": "Affirmations",
    "Referenced by": "Cité par",
    "Used by": "Utilisé par",
    "The entities that use this concept, or a narrower one.": (
        "Les entités qui utilisent ce concept, ou un concept plus étroit."
    ),
    "Entity": "Entité",
    "As": "En tant que",
    "Concept": "Concept",
    # search
    "Name (case and accents do not matter)": "Nom (majuscules et accents indifférents)",
    "%(num)d entity matches “%(query)s”": "%(num)d entité correspond à « %(query)s »",
    "%(num)d entities match “%(query)s”": "%(num)d entités correspondent à « %(query)s »",
    "; the first %(shown)d are shown": " ; les %(shown)d premières sont affichées",
    "named “%(name)s”": "nommée « %(name)s »",
    # the query page
    "SPARQL query": "Requête SPARQL",
    "A read-only SPARQL 1.1 Query endpoint. Without GRAPH, a query sees the union of all "
    "named graphs; each source document's facts are in its own graph.": (
        "Un point d'accès SPARQL 1.1 en lecture seule. Sans GRAPH, une requête voit l'union "
        "de tous les graphes nommés ; les faits de chaque document source sont dans leur "
        "propre graphe."
    ),
    "Query": "Requête",
    "The query was not run.": "La requête n'a pas été exécutée.",
    "Results as": "Résultats en",
    "a table on this page": "un tableau sur cette page",
    "Run": "Exécuter",
    "Results": "Résultats",
    "The answer is": "La réponse est",
    "yes (true)": "oui (vrai)",
    "no (false)": "non (faux)",
    "%(num)d row": "%(num)d ligne",
    "%(num)d rows": "%(num)d lignes",
    ": the table stops here; the downloads hold every row": (
        " : le tableau s'arrête ici ; les téléchargements ont toutes les lignes"
    ),
    "Download:": "Télécharger :",
    "Example queries": "Requêtes d'exemple",
    "Each is a sh:SPARQLExecutable in the dataset (graph queries), so a client can find "
    "them with SPARQL too.": (
        "Chacune est un sh:SPARQLExecutable du jeu de données (graphe queries) : un client "
        "peut donc aussi les trouver en SPARQL."
    ),
    "(description)": "(description)",
    # vocabulary
    "Classes:": "Classes :",
    "Properties:": "Propriétés :",
    "%(num)d entity of this class in the data": "%(num)d entité de cette classe dans les données",
    "%(num)d entities of this class in the data": (
        "%(num)d entités de cette classe dans les données"
    ),
    "Used in %(num)d statement of the data": "Utilisée dans %(num)d affirmation des données",
    "Used in %(num)d statements of the data": "Utilisée dans %(num)d affirmations des données",
    # downloads
    "The whole dataset and its parts, prepared once per version of the data. Check a "
    "download with": (
        "Le jeu de données entier et ses parties, préparés une fois par version des données. "
        "Pour vérifier un téléchargement :"
    ),
    # the files' titles (downloads.py)
    "Whole dataset, union of all graphs (Turtle)": (
        "Jeu de données entier, union de tous les graphes (Turtle)"
    ),
    "Whole dataset, union of all graphs (Turtle, gzipped)": (
        "Jeu de données entier, union de tous les graphes (Turtle, compressé avec gzip)"
    ),
    "Whole dataset with its named graphs (TriG, gzipped)": (
        "Jeu de données entier avec ses graphes nommés (TriG, compressé avec gzip)"
    ),
    "Whole dataset with its named graphs (N-Quads, gzipped)": (
        "Jeu de données entier avec ses graphes nommés (N-Quads, compressé avec gzip)"
    ),
    "Whole dataset with its named graphs (JSON-LD)": (
        "Jeu de données entier avec ses graphes nommés (JSON-LD)"
    ),
    "The vocabulary (Turtle)": "Le vocabulaire (Turtle)",
    "The SHACL shapes (Turtle)": "Les formes SHACL (Turtle)",
    "SHA-256 checksums of the files above (sha256sum format)": (
        "Sommes de contrôle SHA-256 des fichiers ci-dessus (format de sha256sum)"
    ),
    # data quality
    "The data served here, every named graph including the vocabulary, checked against the "
    "SHACL shapes with pySHACL (no inference). This is the SHACL validation report of that "
    "run.": (
        "Les données servies ici, tous les graphes nommés y compris le vocabulaire, vérifiées "
        "par pySHACL (sans inférence) par rapport aux formes SHACL. Voici le rapport de "
        "validation SHACL de cette vérification."
    ),
    "The shapes": "Les formes",
    "Conforms:": "Conformes :",
    "yes": "oui",
    "no": "non",
    "Counts": "Décomptes",
    "Triples checked": "Triplets vérifiés",
    "Shapes": "Formes",
    "%(num)d node shape": "%(num)d forme de nœud",
    "%(num)d node shapes": "%(num)d formes de nœud",
    "%(num)d property shape": "%(num)d forme de propriété",
    "%(num)d property shapes": "%(num)d formes de propriété",
    "Focus nodes with results": "Nœuds cibles avec résultats",
    "Violation": "Violation",
    "Warning": "Avertissement",
    "Info": "Information",
    "Violation results": "Violations",
    "Warning results": "Avertissements",
    "Info results": "Informations",
    "The data conforms to the shapes: no violations.": (
        "Les données sont conformes aux formes : aucune violation."
    ),
    "The data conforms to the shapes: no violations, but the results below are worth a look.": (
        "Les données sont conformes aux formes : aucune violation, mais les résultats "
        "ci-dessous méritent un coup d'œil."
    ),
    "Severity": "Gravité",
    "Value": "Valeur",
    "Message": "Message",
    # errors
    "Go to the home page": "Aller à la page d'accueil",
    "Bad Request": "Requête incorrecte",
    "Not Found": "Introuvable",
    "Method Not Allowed": "Méthode non autorisée",
    "Not Acceptable": "Format non disponible",
    "Request Entity Too Large": "Requête trop volumineuse",
    "Unsupported Media Type": "Type de média non pris en charge",
    "Too Many Requests": "Trop de requêtes",
    "Internal Server Error": "Erreur interne du serveur",
    "Service Unavailable": "Service indisponible",
    "The browser (or proxy) sent a request that this server could not understand.": (
        "Le navigateur (ou un proxy) a envoyé une requête que ce serveur n'a pas pu comprendre."
    ),
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.": (
        "Il n'y a rien à cette adresse sur le serveur. Si vous l'avez saisie vous-même, "
        "vérifiez son orthographe et réessayez."
    ),
    "The method is not allowed for the requested URL.": (
        "Cette méthode n'est pas autorisée pour cette adresse."
    ),
    "The data value transmitted exceeds the capacity limit.": (
        "Les données envoyées dépassent la taille autorisée."
    ),
    "The server encountered an internal error and was unable to complete your request. "
    "Either the server is overloaded or there is an error in the application.": (
        "Le serveur a rencontré une erreur interne et n'a pas pu traiter votre requête : "
        "soit il est surchargé, soit l'application comporte une erreur."
    ),
}

GERMAN: dict[str, str] = {
    # every page
    "Luxembourg HealthTech linked data": "Verknüpfte Daten der Luxemburger HealthTech",
    "Browse": "Durchblättern",
    "Dataset": "Datensatz",
    "SPARQL": "SPARQL",
    "Vocabulary": "Vokabular",
    "Downloads": "Downloads",
    "Data quality": "Datenqualität",
    "Search by name": "Nach Namen suchen",
    "Search": "Suchen",
    "Language": "Sprache",
    "Main": "Hauptnavigation",
    "Data under": "Daten unter der Lizenz",
    "Also as:": "Auch als:",
    "Sources": "Quellen",
    # home and dataset
    "What is here": "Was Sie hier finden",
    "Find an organisation, a programme or a place by its name.": (
        "Finden Sie eine Organisation, ein Programm oder einen Ort über den Namen."
    ),
    "Every kind of thing the data describes, with its members.": (
        "Jede Art von Dingen, die die Daten beschreiben, mit ihren Elementen."
    ),
    "Ask your own questions in SPARQL, or run one of the example queries.": (
        "Stellen Sie Ihre eigenen Fragen in SPARQL oder führen Sie eine der Beispielabfragen aus."
    ),
    "The classes and properties the data uses, with their definitions.": (
        "Die Klassen und Eigenschaften, die die Daten verwenden, mit ihren Definitionen."
    ),
    "The whole dataset as files: Turtle, N-Triples, N-Quads, TriG, JSON-LD.": (
        "Der gesamte Datensatz als Dateien: Turtle, N-Triples, N-Quads, TriG, JSON-LD."
    ),
    "The data checked against its SHACL shapes.": "Die Daten, geprüft anhand ihrer SHACL-Formen.",
    "The sector year after year": "Die Branche Jahr für Jahr",
    "Each point is one source's claim, linked to that source. Where sources give different "
    "figures for the same year, every claim is shown and marked as conflicting.": (
        "Jeder Punkt ist die Angabe einer Quelle, mit einem Link zu dieser Quelle. Nennen "
        "Quellen für dasselbe Jahr unterschiedliche Zahlen, so wird jede Angabe gezeigt und "
        "als widersprüchlich gekennzeichnet."
    ),
    "%(measure)s by year": "%(measure)s nach Jahr",
    "conflicting claim": "widersprüchliche Angabe",
    "conflicting": "widersprüchlich",
    "Year": "Jahr",
    "Source": "Quelle",
    "License": "Lizenz",
    "SPARQL endpoint": "SPARQL-Endpunkt",
    "Triples": "Tripel",
    "Entities": "Entitäten",
    "Examples": "Beispiele",
    "Vocabularies": "Vokabulare",
    "File": "Datei",
    "Contents": "Inhalt",
    "Bytes": "Byte",
    "Size": "Größe",
    "bytes": "Byte",
    "Named graphs": "Benannte Graphen",
    "%(num)d triple": "%(num)d Tripel",
    "%(num)d triples": "%(num)d Tripel",
    "Classes": "Klassen",
    "Class": "Klasse",
    "Properties": "Eigenschaften",
    "Property": "Eigenschaft",
    # browse
    "Browse by kind": "Nach Art durchblättern",
    "Every kind of thing the data describes, with how many there are. Open one to list "
    "its members.": (
        "Jede Art von Dingen, die die Daten beschreiben, mit ihrer Anzahl. Öffnen Sie eine "
        "Art, um ihre Elemente aufzulisten."
    ),
    "Kind": "Art",
    "%(num)d entity of this kind": "%(num)d Entität dieser Art",
    "%(num)d entities of this kind": "%(num)d Entitäten dieser Art",
    "page %(page)d of %(pages)d": "Seite %(page)d von %(pages)d",
    "Previous page": "Vorherige Seite",
    "Next page": "Nächste Seite",
    # entity pages
    "Statements": "Aussagen",
    "Referenced by": "Referenziert von",
    "Used by": "Verwendet von",
    "The entities that use this concept, or a narrower one.": (
        "Die Entitäten, die dieses Konzept oder ein engeres verwenden."
    ),
    "Entity": "Entität",
    "As": "Als",
    "Concept": "Konzept",
    # search
    "Name (case and accents do not matter)": (
        "Name (Groß- und Kleinschreibung sowie Akzente spielen keine Rolle)"
    ),
    "%(num)d entity matches “%(query)s”": "%(num)d Entität passt zu „%(query)s“",
    "%(num)d entities match “%(query)s”": "%(num)d Entitäten passen zu „%(query)s“",
    "; the first %(shown)d are shown": "; die ersten %(shown)d werden angezeigt",
    "named “%(name)s”": "mit dem Namen „%(name)s“",
    # the query page
    "SPARQL query": "SPARQL-Abfrage",
    "A read-only SPARQL 1.1 Query endpoint. Without GRAPH, a query sees the union of all "
    "named graphs; each source document's facts are in its own graph.": (
        "Ein SPARQL-1.1-Abfrageendpunkt, der nur Lesezugriffe erlaubt. Ohne GRAPH sieht eine "
        "Abfrage die Vereinigung aller benannten Graphen; die Fakten jedes Quelldokuments "
        "stehen in einem eigenen Graphen."
    ),
    "Query": "Abfrage",
    "The query was not run.": "Die Abfrage wurde nicht ausgeführt.",
    "Results as": "Ergebnisse als",
    "a table on this page": "Tabelle auf dieser Seite",
    "Run": "Ausführen",
    "Results": "Ergebnisse",
    "The answer is": "Die Antwort lautet",
    "yes (true)": "ja (wahr)",
    "no (false)": "nein (falsch)",
    "%(num)d row": "%(num)d Zeile",
    "%(num)d rows": "%(num)d Zeilen",
    ": the table stops here; the downloads hold every row": (
        ": Die Tabelle endet hier; die Downloads enthalten alle Zeilen"
    ),
    "Download:": "Herunterladen:",
    "Example queries": "Beispielabfragen",
    "Each is a sh:SPARQLExecutable in the dataset (graph queries), so a client can find "
    "them with SPARQL too.": (
        "Jede ist ein sh:SPARQLExecutable im Datensatz (Graph queries): Ein Client kann sie "
        "also auch mit SPARQL finden."
    ),
    "(description)": "(Beschreibung)",
    # vocabulary
    "Classes:": "Klassen:",
    "Properties:": "Eigenschaften:",
    "%(num)d entity of this class in the data": "%(num)d Entität dieser Klasse in den Daten",
    "%(num)d entities of this class in the data": "%(num)d Entitäten dieser Klasse in den Daten",
    "Used in %(num)d statement of the data": "In %(num)d Aussage der Daten verwendet",
    "Used in %(num)d statements of the data": "In %(num)d Aussagen der Daten verwendet",
    # downloads
    "The whole dataset and its parts, prepared once per version of the data. Check a "
    "download with": (
        "Der gesamte Datensatz und seine Teile, einmal je Version der Daten erstellt. Einen "
        "Download prüfen Sie mit"
    ),
    # the files' titles (downloads.py)
    "Whole dataset, union of all graphs (Turtle)": (
        "Gesamter Datensatz, Vereinigung aller Graphen (Turtle)"
    ),
    "Whole dataset, union of all graphs (Turtle, gzipped)": (
        "Gesamter Datensatz, Vereinigung aller Graphen (Turtle, mit gzip komprimiert)"
    ),
    "Whole dataset with its named graphs (TriG, gzipped)": (
        "Gesamter Datensatz mit seinen benannten Graphen (TriG, mit gzip komprimiert)"
    ),
    "Whole dataset with its named graphs (N-Quads, gzipped)": (
        "Gesamter Datensatz mit seinen benannten Graphen (N-Quads, mit gzip komprimiert)"
    ),
    "Whole dataset with its named graphs (JSON-LD)": (
        "Gesamter Datensatz mit seinen benannten Graphen (JSON-LD)"
    ),
    "The vocabulary (Turtle)": "Das Vokabular (Turtle)",
    "The SHACL shapes (Turtle)": "Die SHACL-Formen (Turtle)",
    "SHA-256 checksums of the files above (sha256sum format)": (
        "SHA-256-Prüfsummen der obigen Dateien (Format von sha256sum)"
    ),
    # data quality
    "The data served here, every named graph including the vocabulary, checked against the "
    "SHACL shapes with pySHACL (no inference). This is the SHACL validation report of that "
    "run.": (
        "Die hier bereitgestellten Daten, alle benannten Graphen einschließlich des "
        "Vokabulars, mit pySHACL (ohne Inferenz) anhand der SHACL-Formen geprüft. Dies ist "
        "der SHACL-Validierungsbericht dieser Prüfung."
    ),
    "The shapes": "Die Formen",
    "Conforms:": "Konform:",
    "yes": "ja",
    "no": "nein",
    "Counts": "Anzahlen",
    "Triples checked": "Geprüfte Tripel",
    "Shapes": "Formen",
    "%(num)d node shape": "%(num)d Knotenform",
    "%(num)d node shapes": "%(num)d Knotenformen",
    "%(num)d property shape": "%(num)d Eigenschaftsform",
    "%(num)d property shapes": "%(num)d Eigenschaftsformen",
    "Focus nodes with results": "Fokusknoten mit Ergebnissen",
    "Violation": "Verstoß",
    "Warning": "Warnung",
    "Info": "Hinweis",
    "Violation results": "Verstöße",
    "Warning results": "Warnungen",
    "Info results": "Hinweise",
    "The data conforms to the shapes: no violations.": (
        "Die Daten entsprechen den Formen: keine Verstöße."
    ),
    "The data conforms to the shapes: no violations, but the results below are worth a look.": (
        "Die Daten entsprechen den Formen: keine Verstöße, doch die folgenden Ergebnisse "
        "verdienen einen Blick."
    ),
    "Severity": "Schweregrad",
    "Value": "Wert",
    "Message": "Meldung",
    # errors
    "Go to the home page": "Zur Startseite",
    "Bad Request": "Ungültige Anfrage",
    "Not Found": "Nicht gefunden",
    "Method Not Allowed": "Methode nicht zulässig",
    "Not Acceptable": "Format nicht verfügbar",
    "Request Entity Too Large": "Anfrage zu groß",
    "Unsupported Media Type": "Nicht unterstützter Medientyp",
    "Too Many Requests": "Zu viele Anfragen",
    "Internal Server Error": "Interner Serverfehler",
    "Service Unavailable": "Dienst nicht verfügbar",
    "The browser (or proxy) sent a request that this server could not understand.": (
        "Der Browser (oder ein Proxy) hat eine Anfrage gesendet, die dieser Server nicht "
        "verstehen konnte."
    ),
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.": (
        "Unter dieser Adresse gibt es auf dem Server nichts. Wenn Sie die Adresse selbst "
        "eingegeben haben, prüfen Sie bitte die Schreibweise und versuchen Sie es erneut."
    ),
    "The method is not allowed for the requested URL.": (
        "Diese Methode ist für diese Adresse nicht zulässig."
    ),
    "The data value transmitted exceeds the capacity limit.": (
        "Die übermittelten Daten überschreiten die zulässige Größe."
    ),
    "The server encountered an internal error and was unable to complete your request. "
    "Either the server is overloaded or there is an error in the application.": (
        "Beim Server ist ein interner Fehler aufgetreten; Ihre Anfrage konnte nicht bearbeitet "
        "werden. Entweder ist der Server überlastet oder die Anwendung enthält einen Fehler."
    ),
}

CATALOGUES: dict[str, dict[str, str]] = {"fr": FRENCH, "de": GERMAN}


def gettext(message: str) -> str:
    """``message`` in the page's language, else as written (English)."""
    return CATALOGUES.get(language(), {}).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n``, by the page language's rule
    (French counts 0 and 1 as singular, English and German only 1), in that language."""
    one = n <= 1 if language() == "fr" else n == 1
    return gettext(singular if one else plural)


def init_app(app: Flask) -> None:
    """Give the templates ``_``, ``gettext`` and ``ngettext``."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True
    )
