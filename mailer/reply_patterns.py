"""Multilingual line patterns used by :mod:`mailer.replies`.

Every pattern here is applied to a single line or to a short window of at most
a few joined lines, so none of them can be driven into long backtracking by a
large body. Patterns that scan a window use bounded repeats only.
"""

from __future__ import annotations

import re

# --- quote-header ("On <date>, <name> wrote:") ------------------------------

# Verbs that end an attribution line, in many languages. Each alternative is
# specific to quote headers in its language ("wrote", "schrieb", "a écrit").
_VERBS = (
    r"wrote|writes|schrieb|schreef|geschreven|a\s+[ée]crit|[ée]crit|escribi[óo]"
    r"|ha\s+scritto|scrisse|escreveu|skrev|napisa[łl](?:\(a\)|a)?"
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
    r"(?:\s*[:：]?|[^\n@]{0,150}@[^\n]{0,150}[:：]|\s+am\s[^\n]{0,80}Uhr\s*[:：])[\s*-]{0,40}$",
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
)
# "2016-03-03 17:21 GMT+01:00 Some One" with no address at all.
DATE_GMT_NAME = re.compile(
    r"^\s*\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:?\d{2}\s+[^\d\s][^\d]{0,60}$"
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
#: line stripped and lower-cased; ``tests/test_reply_tables.py`` checks every example.
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
        r"gesendet\s+(?:von|mit)\s+(?:meinem|der|dem)\s+\S+(?:\s+\S+){0,3}$",
        "Gesendet von meinem iPad",
    ),
    (
        r"diese\s+nachricht\s+wurde\s+von\s+meinem\s+.{1,80}\s+gesendet\.?$",
        "Diese Nachricht wurde von meinem Android-Mobiltelefon mit GMX Mail gesendet.",
    ),
    (r"enviado\s+(?:desde|do|de|com)\s+(?:mi|meu|o|a)?\s*\S+", "Enviado desde mi iPhone"),
    (r"inviato\s+(?:da|dal|con)\s+(?:mio\s+)?\S+", "Inviato da iPhone"),
    (r"verzonden\s+(?:vanaf|met|via)\s+(?:mijn\s+)?\S+", "Verzonden met mijn iPhone"),
    (r"verstuurd\s+(?:vanaf|met|via)\s+(?:mijn\s+)?\S+", "Verstuurd vanaf mijn iPhone"),
    (r"skickat\s+från\s+(?:min\s+)?\S+", "Skickat från min iPhone"),
    (r"sendt\s+fra\s+(?:min\s+)?\S+", "Sendt fra min iPhone"),
    (r"l[äa]hetetty\s+(?:\S+sta|\S+st[äa])$", "Lähetetty iPhonesta"),
    (r"wysłane\s+z\s+\S+", "Wysłane z iPhone'a"),
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
