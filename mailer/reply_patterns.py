"""Multilingual line patterns used by :mod:`mailer.replies`.

Every pattern here is applied to a single line or to a short window of at most
a few joined lines, so none of them can be driven into long backtracking by a
large body. Patterns that scan a window use bounded repeats only.

Over 350 lines because most of it is data: the patterns, language by language.
"""

from __future__ import annotations

import re

# --- quote-header ("On <date>, <name> wrote:") ------------------------------

# Verbs that end an attribution line, in many languages. Each alternative is
# specific to quote headers in its language ("wrote", "schrieb", "a écrit").
_VERBS = (
    r"wrote|writes|schrieb|schreef|geschreven|a\s+[ée]crit|[ée]crit|escribi[óo]"
    r"|ha\s+scritto|scrisse|escreveu|skrev|napisa[łl](?:\(a\)|a)?|pisze"
    r"|написал(?:\(а\)|а)?|пише|пишет|kirjoitti|yazd[ıi]|írta|napsal[a]?"
    r"|đã\s+viết|skrifaði"
)
_CJK_VERBS = r"写道|寫道|のメッセージ|書きました|작성"

# Words that open an attribution header ("On", "Am", "Le", ...), a Russian
# weekday, or a leading date such as "02.04.2012", "23 mar 2017", "2016年".
_OPENERS = (
    r"on|am|le|el|il|op|em|den|på|dnia|w\s+dniu|vào|at|"
    r"понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
)
STRONG_OPENER = re.compile(
    rf"^[\s*_-]*(?:(?:{_OPENERS})\b|在|\d{{1,4}}(?:[./\-年]|\s+\S+\s+\d{{4}}))",
    re.IGNORECASE,
)

# A window (one to a few joined lines) that ends like an attribution header.
# "sent" only counts after "On": it is too common on its own.
ATTRIBUTION_END = re.compile(
    rf"(?:(?<![^\W\d_])(?:{_VERBS})(?![^\W\d_])|{_CJK_VERBS})"
    # After the verb: nothing but a colon, or the sender's address ("schrieb
    # Name <addr>:"), or the German "schrieb am <date> um 11:53 Uhr:".
    r"(?:\s*[:：]?|[^\n@]{0,150}@[^\n]{0,150}[:：]|\s+am\s[^\n]{0,80}Uhr\s*[:：]"
    # Where the verb comes first (Thunderbird: "Am 02.12.26 um 06:53 schrieb Hub:", "Op ...
    # schreef Ana:", "Den ... skrev Ana:", "Ana kirjoitti 2.12.2026 klo 6.53:"): a name
    # that starts with a capital, or a date with a time.
    r"|(?:(?<=schrieb)|(?<=schreef)|(?<=skrev)|(?<=pisze)|(?<=kirjoitti))\s+(?-i:[A-ZÀ-Þ\"'])[^\n@:]{0,60}[:：]"
    r"|(?:(?<=schrieb)|(?<=schreef)|(?<=skrev)|(?<=kirjoitti))\s+[^\n@]{0,60}\d[.:]\d\d\s*[:：])[\s*-]{0,40}$",
    re.IGNORECASE,
)
# Any attribution verb at all: a cheap per-line pre-check.
VERB_ANYWHERE = re.compile(
    rf"(?<![^\W\d_])(?:{_VERBS}|sent)(?![^\W\d_])|{_CJK_VERBS}", re.IGNORECASE
)
ON_SENT_END = re.compile(r"^[\s*_-]*on\b.{0,300}\bsent\s*:\s*$", re.IGNORECASE)
# "---- John Smith wrote ----" (Android mail).
DASHED_WROTE = re.compile(r"^\s*-{2,}\s*[^-\s].{0,80}\bwrote\s*-{2,}\s*$", re.IGNORECASE)
# Gmail's numeric style: "2014-10-17 11:28 GMT+03:00 Name <addr>:",
# "2011/4/7 Name <addr>", "2016年12月12日(月) 8:45 Name <addr>:".
DATE_EMAIL = re.compile(
    r"^\s*\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)"
    r"[^@\n]{0,150}@[^@\s]{1,150}\s*:?\s*$"
    # Russian Gmail, with no verb: "ср, 2 дек. 2026 г. в 06:53, Hub <reply@hub.example>:".
    r"|^\s*(?:пн|вт|ср|чт|пт|сб|вс),\s+\d{1,2}\s+\S{1,8}\s+\d{4}\s*г\.\s+в\s+\d{1,2}:\d\d,"
    r"[^@\n]{0,150}@[^@\s]{1,150}\s*:\s*$"
    # Polish Apple Mail: "Wiadomość napisana przez Hub <...> w dniu 02.12.2026, o godz. 06:53:".
    r"|^\s*[Ww]iadomo[śs][ćc]\s+napisana\s+przez\s[^\n]{1,200}?\sw\s+dniu\s[^\n]{1,60}?\d:\d\d\s*:\s*$"
)
# "2016-03-03 17:21 GMT+01:00 Some One" with no address at all.
DATE_GMT_NAME = re.compile(
    r"^\s*\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:?\d{2}\s+[^\d\s][^\d]{0,60}$"
)
_NAME_WORD = r"(?-i:[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:['’.-][^\W\d_]+)*\.?)"
# "Julia Meyer wrote:" with no date, directly above a quote. Pronouns ("I wrote:") are
# the person's own words.
NAME_WROTE = re.compile(
    r"^\s*(?!(?:i|we|you|he|she|they|ich|wir|je|nous|ik|wij|jag|vi|jeg|yo|io)\s)"
    rf"{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|von|van|der|den|de|du|da|di|le|la)){{0,4}}"
    r"\s(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto"
    r"|schreef|skrev|napisa[łl](?:\(a\)|a)?|pisze|escreveu|пишет|написал(?:\(а\)|а)?|kirjoitti)"
    r"\s*[:：]\s*$",
    re.IGNORECASE,
)
HAS_ADDRESS = re.compile(r"@|mailto:", re.IGNORECASE)
HAS_DIGIT = re.compile(r"\d")

# --- "-----Original Message-----" and forward markers -----------------------

_MARKER_WORDS = (
    r"original\s+message|reply\s+message|forwarded\s+message|message\s+d'origine"
    r"|message\s+original|message\s+transf[ée]r[ée]|ursprüngliche\s+nachricht"
    r"|antwort\s+nachricht|weitergeleitete\s+nachricht|mensaje\s+original"
    r"|mensaje\s+reenviado|messaggio\s+originale|messaggio\s+inoltrato"
    r"|oorspronkelijk\s+bericht|doorgestuurd\s+bericht|originalmeddelande"
    r"|vidarebefordrat\s+meddelande|oprindelig\s+meddelelse|videresendt\s+meddelelse"
    r"|opprinnelig\s+melding|wiadomość\s+oryginalna|oryginalna\s+wiadomość"
    r"|mensagem\s+original|mensagem\s+encaminhada|исходное\s+сообщение"
    r"|пересылаемое\s+сообщение|原始邮件|原始郵件|転送メッセージ|元のメッセージ"
)
MARKER = re.compile(
    rf"^\s*\*?\s*-{{2,}}\s*(?:{_MARKER_WORDS})\s*-{{2,}}\s*\*?\s*$"
    r"|^\s*>?\s*(?:begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+nachricht"
    r"|début\s+du\s+message\s+réexpédié)\s*:\s*$",
    re.IGNORECASE,
)

# --- Hub's own lines, in English and German ---------------------------------

# What Hub itself writes in its mails (hub/translations): the prompt's question, the
# digest's "reply to post" line, and the footers. A reply that carries any of them
# unquoted (a client that pastes the original without ">", or a member replying below
# it) has the member's own words above it; the line and what follows are Hub's.
HUB_LINE = re.compile(
    r"^\s*(?:"
    r"Reply to this email to post your own update\."
    r"|Antworte auf diese E-Mail, um selbst ein Update zu schreiben\."
    r"|What are you working on this week\? Reply to this email"
    r"|Woran arbeitest du diese Woche\? Antworte auf diese E-Mail"
    r"|Reply to this email to answer on the thread"
    r"|Antworte auf diese E-Mail, um im Thread zu antworten"
    r"|You get this (?:digest (?:daily|weekly) from|prompt on weeks you have not posted"
    r"|when someone replies to your updates|receipt for updates you send by email)"
    r"|Du bekommst (?:diesen Digest (?:täglich|wöchentlich) von|diese Erinnerung in Wochen"
    r"|diese E-Mail, wenn jemand auf deine Updates antwortet"
    r"|diese Bestätigung für Updates, die du per E-Mail schickst)"
    r"|(?:Settings|Unsubscribe|Einstellungen|Abbestellen): https?://\S+\s*$"
    r")",
)

HUB_GREETING = re.compile(r"^\s*(?:Hello|Hallo) [^\n,]{1,120},\s*$")

# --- Outlook-style header blocks ("From: / Sent: / To: / Subject:") ----------

_FAMILIES = {
    "from": r"from|von|de|da|van|från|fra|od|от|发件人|寄件者|差出人|lähettäjä|feladó|kimden|từ",
    "date": r"sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|data|verzonden"
    r"|skickat|sendt|wysłano|отправлено|дата|发送时间|日期|送信日時|日付|lähetetty"
    r"|dátum|gönderildi|tarih|gửi",
    "to": r"to|an|à|a|para|aan|till|til|do|кому|收件人|宛先|vastaanottaja|címzett|kime|đến",
    "subject": r"subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|temat|тема"
    r"|主题|主旨|件名|aihe|tárgy|konu|assunto|chủ\s+đề",
    "cc": r"cc|kopie|копия|抄送",
    "reply": r"reply-to|risposta|antwort\s+an|responder\s+a",
}
KEY_LINES = {
    family: re.compile(rf"^\s{{0,3}}\*?(?:{words})\*?\s*[:：]", re.IGNORECASE)
    for family, words in _FAMILIES.items()
}

# --- signatures, separators and device taglines ------------------------------

SIG_DELIMITER = re.compile(r"^--\s?$")
# Long underscore rows are mailing-list footers and Outlook separators. Short
# ones ("___") are Markdown rules and never count.
FOOTER_RULE = re.compile(r"^_{10,}\s*$")

# "-Ann Lee" on its own line: a dashed name sign-off. Right above a mailing-list footer it
# belongs to the list's signature block, not to the message (the post shows its author).
DASH_SIGN_OFF = re.compile(r"^\s*[-–—]\s?[A-ZÀ-Þ][\w.'’-]*(?: [A-ZÀ-Þ][\w.'’-]*){0,2}\s*$")
# A line made only of rule characters (and the "ᐧ" left by mail trackers).
RULE_ONLY = re.compile(r"^[\s\-_=~*#+—–ᐧ]+$")
TRACKER = re.compile(r"^\s*ᐧ\s*$")

_DEVICES = (
    r"iphone|ipad|ipod|android|mobile|phone|cell|blackberry|galaxy|samsung|htc|nokia"
    r"|huawei|xiaomi|pixel|tablet|device|outlook|mail|mailbox|airmail|sparrow"
    r"|acompli|windows|k-9|gmail|yahoo|aol|proton|spark|superhuman"
)
_APOLOGY = r"(?:[,.;:!]\s*(?:please\s+)?(?:excuse|pardon|sorry)[^\n]{0,60})?"
#: Device and client taglines: (pattern, an example it removes). The pattern sees the
#: line stripped and lower-cased; ``tests/mailer/test_reply_tables.py`` checks every example.
TAGLINE_TABLE: tuple[tuple[str, str], ...] = (
    # "Sent from my iPhone", "Sent from my cell, please excuse any typos."
    (
        rf"sent\s+(?:from|with|via|by|using)\s+my\s+[^\s,]+(?:\s+[^\s,]+){{0,4}}?\.?{_APOLOGY}$",
        "Sent from my iPhone",
    ),
    # "Sent from Outlook Mobile<...>", "Sent with Sparrow (http://...)".
    (
        rf"sent\s+(?:from|with|via|by|using)\s+(?!my\b)(?:(?:a|an|the)\s+)?\[?(?:{_DEVICES})\b",
        "Sent from Outlook for Android",
    ),
    (rf"(?:from|via)\s+my\s+(?:{_DEVICES})\b[^\n]{{0,30}}$", "From my Android phone"),
    (rf"[\w .'-]{{1,40}}\s+from\s+(?:my\s+)?(?:{_DEVICES})$", "Typed with thumbs from my phone"),
    (r"get\s+\[?outlook\s+for\s+(?:ios|android)", "Get Outlook for iOS"),
    (r"outlook\s+f[üu]r\s+(?:ios|android)\s+herunterladen", "Outlook für Android herunterladen"),
    (r"outlook\s+f[üu]r\s+(?:ios|android)\s+beziehen", "Outlook für iOS beziehen"),
    (r"obtenir\s+outlook\s+pour\s+(?:ios|android)", "Obtenir Outlook pour iOS"),
    (r"obt[ée]n(?:er)?\s+outlook\s+para\s+(?:ios|android)", "Obtener Outlook para Android"),
    (r"scarica\s+outlook\s+per\s+(?:ios|android)", "Scarica Outlook per iOS"),
    (r"outlook\s+voor\s+(?:ios|android)\s+downloaden", "Outlook voor Android downloaden"),
    (r"download\s+outlook\s+voor\s+(?:ios|android)", "Download Outlook voor iOS"),
    (r"pobierz\s+(?:aplikacj[ęe]\s+)?outlook", "Pobierz aplikację Outlook dla systemu Android"),
    (r"(?:h[äa]mta|skaffa)\s+outlook\s+f[öo]r\s+(?:ios|android)", "Hämta Outlook för iOS"),
    (r"(?:f[åa]|hent)\s+outlook\s+(?:til|for)\s+(?:ios|android)", "Hent Outlook for Android"),
    (
        r"envoy[ée]\s+(?:de(?:puis)?|avec|à\s+partir\s+de)\s+(?:mon|ma)\s+\S+",
        "Envoyé de mon iPhone",
    ),
    (r"von\s+meinem\s+\S+(?:\s+\S+){0,2}\s+gesendet\.?$", "Von meinem iPhone gesendet"),
    (
        r"gesendet\s+(?:von|mit|vom)\s+(?:meinem|meiner|der|dem)\s+\S+(?:\s+\S+){0,3}$",
        "Gesendet von meinem iPad",
    ),
    (
        r"diese\s+nachricht\s+wurde\s+von\s+meinem\s+.{1,80}\s+gesendet\.?$",
        "Diese Nachricht wurde von meinem Android-Mobiltelefon mit GMX Mail gesendet.",
    ),
    (r"enviado\s+(?:desde|do|de|com)\s+(?:mi|meu|o|a)?\s*\S+", "Enviado desde mi iPhone"),
    (r"inviato\s+(?:da|dal|con)\s+(?:mio\s+)?\S+", "Inviato da iPhone"),
    (
        r"gesendet\s+(?:von|mit)\s+(?:mail|outlook|gmx|web\.de)\b[^\n]{0,30}$",
        "Gesendet von Mail für Windows",
    ),
    (r"verzonden\s+(?:vanaf|vanuit|met|via)\s+(?:mijn\s+)?\S+", "Verzonden met mijn iPhone"),
    (r"verstuurd\s+(?:vanaf|met|via)\s+(?:mijn\s+)?\S+", "Verstuurd vanaf mijn iPhone"),
    (r"skickat\s+från\s+(?:min\s+)?\S+", "Skickat från min iPhone"),
    (r"sendt\s+fra\s+(?:min\s+)?\S+", "Sendt fra min iPhone"),
    (r"l[äa]hetetty\s+(?:\S+sta|\S+st[äa])$", "Lähetetty iPhonesta"),
    (r"wysłane\s+z\s+\S+", "Wysłane z iPhone'a"),
    (r"wysłano\s+z\s+\S+", "Wysłano z iPhone'a"),
    (r"отправлено\s+с\s+\S+", "Отправлено с iPhone"),
    (r"(?:发自我的|從我的|从我的)\s*\S+", "发自我的iPhone"),
    (r"\S+から送信$", "iPhoneから送信"),
)
TAGLINES = tuple(re.compile(f"^(?:{pattern})") for pattern, _ in TAGLINE_TABLE)
# Wrappers around taglines: "(sent from a phone)", "<<sent by galaxy>>".
TAGLINE_WRAPPED = re.compile(
    rf"^(?:\(|<<)\s*sent\s+(?:from|by|with|via)\s+[^\n]{{0,40}}\b(?:{_DEVICES}|galaxy)\b[^\n]{{0,20}}(?:\)|>>)$"
)

# --- sign-offs that may follow a quote --------------------------------------

SIGN_OFF = re.compile(
    r"^(?:regards|best|best\s+regards|kind\s+regards|cheers|thanks|thank\s+you|many\s+thanks"
    r"|sincerely|yours|cordialement|bien\s+à\s+vous|saludos|un\s+saludo|grazie|saluti"
    r"|cordiali\s+saluti|groeten|met\s+vriendelijke\s+groet|mit\s+freundlichen\s+grüßen"
    r"|viele\s+grüße|grüße|gruß|lg|mfg|hälsningar|med\s+vänlig\s+hälsning|pozdrawiam"
    r"|pozdrowienia|atenciosamente|abraços|с\s+уважением|спасибо|よろしく|谢谢|此致)\b",
    re.IGNORECASE,
)

# --- salutations that may open a bottom-posted reply ------------------------

# "Hi,", "Hello Bob,", "Hallo Anna,", "Dear Ms. Smith,", "Good morning all!":
# a greeting word, at most three name words, and optional closing punctuation.
# The name words are checked separately (see ``SALUTATION_NAMES``).
SALUTATION = re.compile(
    r"^(?:hi|hello|hey|hiya|dear|greetings|good\s+(?:morning|afternoon|evening)"
    r"|hallo|moin|servus|liebe|lieber|guten\s+(?:morgen|tag|abend)|bonjour|salut|coucou"
    r"|hola|buenos\s+d[ií]as|buenas|ciao|salve|buongiorno|caro|cara|cari|care|ol[áa]|oi"
    r"|bom\s+dia|hoi|beste|hej|hei|moi|cześć|dzień\s+dobry|witam|привет"
    r"|здравствуйте|добрый\s+день|您好|你好|こんにちは)"
    r"(?P<names>(?:\s+[^\s,!:;.?]+\.?){0,3})\s*[,!:]?$",
    re.IGNORECASE,
)
# Lower-case words that may stand where a name goes: "Hi all,", "Hello there".
SALUTATION_NAMES = re.compile(
    r"^(?:all|everyone|everybody|folks|there|team|guys|friends|you|both|y'all"
    r"|zusammen|allerseits|tous|todos|tutti|allemaal|alle|wszystkim)$"
)

# --- legal disclaimers and confidentiality notices ---------------------------

#: Headings that open a notice on their own: (pattern, example). Matched at the start of
#: a stripped, lower-cased line, followed by nothing but punctuation or a colon and text.
DISCLAIMER_HEADING_TABLE: tuple[tuple[str, str], ...] = (
    (r"confidentiality\s+notice", "CONFIDENTIALITY NOTICE"),
    (r"confidentiality\s+(?:note|statement|warning)", "Confidentiality note:"),
    (r"(?:legal\s+)?disclaimer", "DISCLAIMER:"),
    (r"privileged\s+(?:and|&)\s+confidential", "PRIVILEGED AND CONFIDENTIAL"),
    (r"vertraulichkeitshinweis", "Vertraulichkeitshinweis:"),
    (r"haftungsausschluss", "Haftungsausschluss"),
    (r"avis\s+de\s+confidentialit[ée]", "AVIS DE CONFIDENTIALITÉ"),
    (r"aviso\s+(?:legal|de\s+confidencialidad)", "AVISO DE CONFIDENCIALIDAD"),
    (r"avviso\s+di\s+riservatezza", "Avviso di riservatezza"),
    (r"vertrouwelijkheidsverklaring|disclaimer\s+van", "Vertrouwelijkheidsverklaring"),
    (r"klauzula\s+poufno[śs]ci", "Klauzula poufności"),
    (r"sekretessmeddelande|konfidentialitetsmeddelande", "Sekretessmeddelande:"),
    (r"fortrolighedsmeddelelse|taushetsplikt", "Fortrolighedsmeddelelse"),
    (r"luottamuksellisuusilmoitus", "Luottamuksellisuusilmoitus"),
    (r"confidencialidad|riservatezza|vertraulichkeit", "CONFIDENCIALIDAD:"),
    (
        r"please\s+consider\s+the\s+environment\s+before\s+printing[^\n]{0,40}",
        "Please consider the environment before printing this e-mail.",
    ),
    (
        r"bitte\s+denken\s+sie\s+an\s+die\s+umwelt[^\n]{0,60}",
        "Bitte denken Sie an die Umwelt, bevor Sie diese E-Mail ausdrucken.",
    ),
    (
        r"aan\s+(?:dit|deze)\s+(?:e-?mail(?:bericht)?|bericht)\s+kunnen\s+geen\s+rechten"
        r"\s+worden\s+ontleend\.?",
        "Aan dit bericht kunnen geen rechten worden ontleend.",
    ),
)
#: Sentences that open a notice: (pattern, example). They count only when the paragraph
#: they open also speaks of its recipient (``DISCLAIMER_RECIPIENT``), so that a person's
#: "This email is confidential, please keep it to yourself." is never taken for one.
DISCLAIMER_OPENING_TABLE: tuple[tuple[str, str], ...] = (
    (
        r"(?:this|the)\s+(?:e-?mail|message|communication|transmission)\b",
        "This e-mail (and any attachments) is intended only for the person named above.",
    ),
    (
        r"the\s+(?:information|content)s?\s+(?:contained\s+)?in\s+this",
        "The information contained in this message is confidential and intended only for "
        "the addressee.",
    ),
    (
        r"if\s+you\s+(?:are\s+not|have\s+received)",
        "If you are not the intended recipient, please delete this message.",
    ),
    (
        r"(?:diese|die(?:se)?s?)\s+(?:e-?mail|nachricht|mitteilung)\b",
        "Diese E-Mail enthält vertrauliche Informationen und ist nur für den Empfänger bestimmt.",
    ),
    (
        r"der\s+inhalt\s+dieser",
        "Der Inhalt dieser E-Mail ist ausschließlich für den bezeichneten Adressaten bestimmt.",
    ),
    (
        r"le\s+contenu\s+de\s+ce",
        "Le contenu de ce courriel est confidentiel et destiné uniquement au destinataire.",
    ),
    (
        r"innehållet\s+i\s+detta|indholdet\s+(?:af|i)\s+denne|innholdet\s+i\s+denne",
        "Innholdet i denne e-posten er kun ment for mottakeren.",
    ),
    (
        r"ai\s+sensi\s+del",
        "Ai sensi del D.Lgs. 196/2003 le informazioni sono riservate ai destinatari.",
    ),
    (
        r"die\s+(?:in\s+dieser|informationen\s+in)",
        "Die in dieser Nachricht enthaltenen Informationen sind nur für den Adressaten bestimmt.",
    ),
    (
        r"(?:wenn|falls|sollten)\s+sie\s+(?:nicht\s+der|diese)",
        "Wenn Sie nicht der richtige Empfänger sind, informieren Sie bitte den Absender.",
    ),
    (
        r"ce\s+(?:message|courriel|e-?mail)\b",
        "Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à "
        "leurs destinataires.",
    ),
    (
        r"les\s+informations\s+contenues|si\s+vous\s+n['’]?[êe]tes\s+pas",
        "Si vous n'êtes pas le destinataire de ce message, merci de le détruire.",
    ),
    (
        r"(?:dit|deze)\s+(?:e-?mail)?(?:bericht|e-?mail)\b",
        "Dit bericht is uitsluitend bestemd voor de geadresseerde.",
    ),
    (
        r"de\s+informatie\s+(?:in|verzonden)|indien\s+u\s+(?:niet|dit)",
        "De informatie verzonden in dit e-mailbericht is uitsluitend bestemd voor de "
        "geadresseerde.",
    ),
    (
        r"(?:este|el\s+presente)\s+(?:mensaje|correo)\b|la\s+informaci[óo]n\s+contenida",
        "Este mensaje y sus anexos son confidenciales y se dirigen exclusivamente a su "
        "destinatario.",
    ),
    (
        r"(?:questo|il\s+presente)\s+messaggio\b|questa\s+e-?mail|le\s+informazioni\s+contenute",
        "Questo messaggio e i suoi allegati sono indirizzati esclusivamente al destinatario.",
    ),
    (
        r"(?:ta|niniejsza)\s+wiadomo[śs][ćc]|tre[śs][ćc]\s+tej\s+wiadomo|informacje\s+zawarte",
        "Ta wiadomość jest poufna i przeznaczona wyłącznie dla adresata.",
    ),
    (
        r"detta\s+(?:e-?post|e-?mail|meddelande)|informationen\s+i\s+detta",
        "Detta e-postmeddelande är endast avsett för mottagaren.",
    ),
    (
        r"denne\s+(?:e-?mail|e-?post(?:en)?|meddelelse|meldingen)|information(?:en)?\s+i\s+denne",
        "Denne e-mail er fortrolig og kun beregnet for modtageren.",
    ),
    (
        r"tämä\s+sähköposti|tämän\s+viestin",
        "Tämä sähköpostiviesti on luottamuksellinen ja tarkoitettu vain vastaanottajalle.",
    ),
    (
        r"esta\s+mensagem|este\s+e-?mail",
        "Esta mensagem é confidencial e destinada exclusivamente ao destinatário.",
    ),
)
DISCLAIMER_HEADING = re.compile(
    r"^[*_\s]{0,3}(?:"
    + "|".join(p for p, _ in DISCLAIMER_HEADING_TABLE)
    + r")\b[*_\s]{0,3}(?:[:.!-]|$)",
    re.IGNORECASE,
)
DISCLAIMER_OPENING = re.compile(
    r"^[*_\s]{0,3}(?:" + "|".join(p for p, _ in DISCLAIMER_OPENING_TABLE) + ")", re.IGNORECASE
)
DISCLAIMER_RECIPIENT = re.compile(
    r"intended\s+(?:recipient|only|solely|exclusively|for)|recipient|addressee|in\s+error"
    r"|by\s+mistake|adressaten|mottakeren"
    r"|empfänger|adressat|irrtümlich|fälschlich|ausschließlich"
    r"|destinataire|par\s+erreur|exclusivement|geadresseerde|bestemd\s+voor|uitsluitend"
    r"|destinatari|per\s+errore|esclusivamente|por\s+error|exclusivamente"
    r"|adresat|omyłkowo|wyłącznie|mottagare|av\s+misstag|modtager|mottaker|ved\s+en\s+fe[jy]l"
    r"|vastaanottaja|erehdyksessä|destinatário|por\s+engano"
    # Matched against the lower-cased line: several times faster than IGNORECASE.
)

# --- contact blocks (signatures without a delimiter) -------------------------

#: Closing formulas: (pattern, example). A closing and the one name line under it are the
#: person's sign-off and stay; contact lines below them go.
CLOSING_TABLE: tuple[tuple[str, str], ...] = (
    (r"(?:best|kind|warm|warmest|many|with\s+best)?\s*regards", "Kind regards,"),
    (r"best(?:\s+wishes)?|all\s+the\s+best|cheers|take\s+care", "Best,"),
    (r"(?:many\s+)?thanks(?:\s+(?:again|a\s+lot|and\s+regards))?|thank\s+you", "Thanks,"),
    (r"(?:yours\s+)?(?:sincerely|truly|faithfully)|yours", "Sincerely,"),
    (
        r"mit\s+(?:den\s+)?(?:freundlichen|besten|herzlichen)\s+gr[üu](?:ß|ss)en",
        "Mit freundlichen Grüßen",
    ),
    (
        r"(?:viele|beste|liebe|herzliche|freundliche|schöne|sonnige)\s+gr[üu](?:ß|ss)e",
        "Viele Grüße",
    ),
    (r"gr[üu](?:ß|ss)e|gru(?:ß|ss)|mfg|lg|vg|bg|danke(?:\s+und\s+gr[üu](?:ß|ss)e)?", "LG"),
    (
        r"(?:bien\s+)?cordialement|bien\s+à\s+vous|salutations|(?:bonne|belle)\s+journée",
        "Cordialement,",
    ),
    (r"merci(?:\s+d'avance|\s+beaucoup)?|amicalement|bises", "Merci,"),
    (
        r"met\s+vriendelijke\s+groet(?:en)?|(?:hartelijke\s+)?groet(?:en|jes)?|mvg",
        "Met vriendelijke groet,",
    ),
    (r"(?:un\s+)?saludos?(?:\s+cordiales)?|atentamente|un\s+abrazo|gracias", "Un saludo,"),
    (
        r"(?:cordiali|distinti)\s+saluti|saluti|grazie(?:\s+mille)?|un\s+caro\s+saluto",
        "Cordiali saluti",
    ),
    (r"pozdrawiam(?:\s+serdecznie)?|z\s+poważaniem|pozdrowienia|dziękuję", "Pozdrawiam"),
    (r"med\s+vänlig(?:a)?\s+hälsning(?:ar)?|vänliga\s+hälsningar|hälsningar|mvh|tack", "Mvh"),
    (
        r"(?:med\s+)?venlig(?:\s+hilsen)?|(?:med\s+)?vennlig\s+hilsen|hilsen|tak|takk",
        "Med venlig hilsen",
    ),
    (r"ystävällisin\s+terveisin|terveisin|kiitos", "Ystävällisin terveisin"),
    (r"atenciosamente|abraços|obrigad[oa]|cumprimentos", "Atenciosamente,"),
    (r"с\s+уважением|спасибо", "С уважением,"),
)
CLOSING = re.compile(
    r"^(?i:" + "|".join(p for p, _ in CLOSING_TABLE) + r")\s*[,.!:;-]*"
    # "Best, Anna" or "Cheers Anna Berg": the name may share the closing's line.
    r"(?P<name>\s+[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:[\s-][A-ZÀ-ÞĀ-Ž][^\W\d_]*){0,2})?$"
)
_CAP = r"[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:['’.-][^\W\d_]+)*\.?"
# A full-name line: "Lena Hoffmann", "Dr. Anna-Lena van der Berg", "Michael".
NAME_LINE = re.compile(
    r"^(?:(?:Dr|Prof|Mag|Ing|Dipl|Mr|Mrs|Ms|Mme|Herr|Frau)\.?\s+){0,3}"
    rf"{_CAP}(?:\s+(?:(?:von|van|der|den|de|du|da|di|del|della|le|la|ter|zu|y)\s+){{0,3}}{_CAP}){{0,3}}"
    r"(?:,\s*(?:Ph\.?D\.?|MBA|M\.?Sc\.?|M\.?A\.?|B\.?Sc\.?))?$"
)
_PHONE_LABEL = (
    r"(?:tel(?:efon|ephone|éfono|efono|efone)?|phone|ph|t|m|f|p|d|mob(?:ile?)?|mobil|mobiel"
    r"|handy|cell|fax|tél|tlf|puh|gsm|direct|direkt|office|zentrale|durchwahl|whatsapp)"
)
_TLDS = r"com|org|net|eu|de|at|ch|fr|nl|be|es|it|pl|se|dk|no|fi|uk|co\.uk|io|info|biz|lu|pt|ie"
CONTACT_LINES = (
    # "Tel.: +49 30 1234567", "M +49 151 2345 678", "+49 (0)30 123-456", "T: 030 1234567"
    re.compile(
        rf"^(?:{_PHONE_LABEL}\.?\s*[:.]?\s*)?\+?\(?\d[\d ()./-]{{5,24}}\d"
        r"(?:\s*(?:ext\.?|x|-)\s*\d{1,5})?$",
        re.IGNORECASE,
    ),
    # "E-Mail: lena@example.org", "lena@example.org", "<lena@example.org>"
    re.compile(
        r"^(?:(?:e-?mail|mail|e)\s*[:.]?\s*)?<?(?:mailto:)?[^\s@<>]{1,64}@[^\s@<>]{1,200}"
        r"\.[a-z]{2,24}>?$",
        re.IGNORECASE,
    ),
    # "www.example.org", "https://example.org/team", "Web: example.org"
    re.compile(
        r"^(?:(?:web|www|url|internet|website|site|w)\s*[:.]?\s+)?(?:<?https?://\S{1,300}|www\.\S{1,300}"
        rf"|[\w-]{{1,63}}(?:\.[\w-]{{1,63}}){{0,3}}\.(?:{_TLDS})(?:/\S{{0,200}})?)$",
        re.IGNORECASE,
    ),
    re.compile(r"^\[cid:[^\]\n]{1,300}\]$", re.IGNORECASE),
    # Company register and legal lines of a business signature.
    re.compile(
        r"^(?:amtsgericht|registergericht|handelsregister|hrb|hra|sitz(?:\s+der\s+gesellschaft)?"
        r"|registered\s+(?:office|in)|company\s+(?:registration|number|no)|gesch[äa]ftsf[üu]hr\w*"
        r"|vorstand|aufsichtsrat|ust\.?-?id\w*|vat(?:\s+(?:no|number|id))?|steuer-?nr|kvk"
        r"|siret|siren|rcs|nip|regon|krs|org\.?\s*nr|cvr|partita\s+iva|p\.?\s*iva|cif|nif)\b",
        re.IGNORECASE,
    ),
    # "Musterstraße 12", "Unter den Linden 5a", "10115 Berlin", "1 Main Street"
    # (The lookahead only skips lines that cannot end in a house number, before the
    # 25 street words are tried at every position.)
    re.compile(
        r"^(?=[\s\S]*\d\s?[a-z]?$)[A-ZÀ-Þ][^\d\n]{1,40}(?:stra(?:ß|ss)e|str\.|weg|allee|platz|gasse|damm|ring|straat"
        r"|laan|gracht|plein|rue|avenue|via|calle|gatan|vej|vegen|gate|ulica|ul\.)\s*\d{1,4}\s?[a-z]?$",
        re.IGNORECASE,
    ),
    # Postcodes: "10117 Berlin", "D-10117 Berlin", "00-001 Warszawa", "1012 AB Amsterdam"
    re.compile(
        r"^(?:[A-Z]{1,2}-)?(?:\d{4,5}|\d{2}-\d{3}|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2})\s+[A-ZÀ-Þ][^\d\n]{1,40}$"
    ),
    re.compile(r"^ul\.\s+[^\n]{1,40}\d{1,4}[a-z]?(?:/\d{1,4})?$", re.IGNORECASE),
    re.compile(
        r"^\d{1,5}\s+[A-Z][^\n]{1,40}\b(?:street|st\.|avenue|ave\.?|road|rd\.?|lane|square)\b", re.I
    ),
)
# All of them in one expression: one match per line (case-insensitive where each is).
CONTACT_LINE = re.compile(
    "|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in CONTACT_LINES)
)
