"""Personal data: normalize, find in free text, and spot personal columns by content.

Belarusian and Russian phones, e-mails, Belarusian passports (``MP1234567``) and
personal identification numbers (``3140588A001PB5``), and Russian person names
(recognised with pymorphy3). A column is personal because of what it holds, not
because of its header: :func:`detect_personal_columns` looks at the values
(DESIGN.md "Privacy").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import pandas as pd

from cjm.core.geo import TOWNS
from cjm.core.languages import morph

# ----------------------------------------------------------------------------- phones
#: Belarusian area and operator codes (first two digits of the 9-digit national number).
BY_CODES = frozenset({"15", "16", "17", "21", "22", "23", "25", "29", "33", "44"})
#: First digit of a Russian 10-digit national number (geographic 3xx/4xx/8xx, mobile 9xx).
RU_FIRST = frozenset("3489")


def _by(national: str) -> str | None:
    return "+375" + national if len(national) == 9 and national[:2] in BY_CODES else None


def _ru(national: str) -> str | None:
    return "+7" + national if len(national) == 10 and national[0] in RU_FIRST else None


def _phone_from_digits(digits: str, plus: bool) -> str | None:
    """E.164 of a Belarusian or Russian number given its digits (see :func:`normalize_phone`)."""
    if plus:
        if digits.startswith("375"):
            return _by(digits[3:])
        if digits.startswith("7"):
            return _ru(digits[1:])
        return None
    n = len(digits)
    if n == 12 and digits.startswith("375"):
        return _by(digits[3:])
    if n == 11 and digits.startswith("80"):
        return _by(digits[2:])
    if n == 10 and digits.startswith("0"):
        return _by(digits[1:])
    if n == 11 and digits[0] in "78":
        return _ru(digits[1:])
    return None


_PHONE_CHARS = re.compile(r"^\s*\+?[\d\s\-().\u00a0]+$")


def normalize_phone(value: object) -> str | None:
    """A phone number in E.164, or None when it is not one: Belarusian and Russian ones as
    they are written at home, any country's with its ``+`` code (libphonenumber checks it).

    Accepts ``+375 (29) 123-45-67``, ``80291234567``, ``8 029 123 45 67``,
    ``375291234567``, ``(029) 123-45-67``, ``8-017-222-33-44``, ``+7 916 123-45-67``,
    ``8 (916) 123-45-67``, integers such as ``375291234567``, and ``+55 11 98765-4321``.

    >>> normalize_phone("8 029 123 45 67"), normalize_phone("8 (916) 123-45-67")
    ('+375291234567', '+79161234567')
    >>> normalize_phone("45 600,00") is None
    True
    """
    if value is None or isinstance(value, float) or isinstance(value, bool):
        return None
    text = str(value)
    if not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    plus = text.lstrip().startswith("+")
    return _phone_from_digits(digits, plus) or (_international(text) if plus else None)


def _international(text: str) -> str | None:
    """E.164 of a valid number of any country written with its ``+`` code, or None."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) \
        if phonenumbers.is_valid_number(number) else None


# ----------------------------------------------------------------------------- e-mail, documents
_EMAIL_CORE = r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
_EMAIL_FULL = re.compile(_EMAIL_CORE)


def normalize_email(value: object) -> str | None:
    """A stripped, lower-case e-mail address, or None.

    >>> normalize_email("  Ivan.Petrov@Mail.RU ")
    'ivan.petrov@mail.ru'
    """
    if value is None or not isinstance(value, str):
        return None
    text = value.strip()
    return text.lower() if _EMAIL_FULL.fullmatch(text) else None


#: Cyrillic letters that look like Latin ones, as written in document numbers.
_LOOKALIKE = str.maketrans("АВЕКМНОРСТХУІ", "ABEKMHOPCTXYI")
_LATIN_CYR = "A-Za-zА-ЯЁа-яёІі"
_PASSPORT_FULL = re.compile(r"([A-ZА-ЯЁІ]{2})\s?№?\s?(\d{7})")
_IDN_FULL = re.compile(r"(\d{7})([A-ZА-ЯЁІ])(\d{3})([A-ZА-ЯЁІ]{2})(\d)")


def normalize_passport(value: object) -> str | None:
    """A Belarusian passport number as ``MP1234567`` (Latin series letters), or None.

    >>> normalize_passport("мр 1234567")
    'MP1234567'
    """
    if value is None or not isinstance(value, str):
        return None
    m = _PASSPORT_FULL.fullmatch(value.strip().upper())
    return (m.group(1).translate(_LOOKALIKE) + m.group(2)) if m else None


def normalize_personal_number(value: object) -> str | None:
    """A Belarusian personal identification number (14 chars, Latin letters), or None.

    >>> normalize_personal_number(" 3140588a001pb5")
    '3140588A001PB5'
    """
    if value is None or not isinstance(value, str):
        return None
    text = re.sub(r"[\s\-]", "", value).upper()
    return text.translate(_LOOKALIKE) if _IDN_FULL.fullmatch(text) else None


# ----------------------------------------------------------------------------- patterns in text
#: Regexes that find personal values inside free text. ``phone`` finds candidates
#: (digit groups with spaces, dashes, parentheses); :func:`find_phones` keeps the
#: valid numbers among them, so amounts, dates and deal numbers are not taken.
PATTERNS: dict[str, re.Pattern] = {
    "email": re.compile(rf"(?<![\w.%+\-]){_EMAIL_CORE}"),
    "personal_number": re.compile(
        rf"(?<![{_LATIN_CYR}\d])\d{{7}}[A-ZА-ЯЁІ]\d{{3}}[A-ZА-ЯЁІ]{{2}}\d(?![{_LATIN_CYR}\d])", re.IGNORECASE),
    "passport": re.compile(
        rf"(?<![{_LATIN_CYR}\d\-])[A-ZА-ЯЁІ]{{2}} ?№? ?\d{{7}}(?![{_LATIN_CYR}\d])"),
    "phone": re.compile(
        r"(?<![\w/\\])(?<![\w]-)(?<!\d[.,])(?:\+[ \u00a0]?)?\(?\d+\)?(?:[ \u00a0\-]{1,2}\(?\d+\)?|\(\d+\))*"
        r"(?![\d,]\d)"),
}
_GROUP = re.compile(r"\+?\(?(\d+)\)?")

#: Social handles (``@name``) and profile links (t.me/…, vk.com/…, instagram.com/…).
_HANDLE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|vk\.com|vkontakte\.ru|instagram\.com|facebook\.com|fb\.com|"
    r"ok\.ru|twitter\.com|x\.com|tiktok\.com|linkedin\.com/in|youtube\.com)/[\w.\-@]+(?:/[\w.\-]+)*/?"
    r"|(?<![\w@.\-])@[A-Za-z_][\w.]*[\w](?![\w@])", re.IGNORECASE)
_IBAN = re.compile(r"(?<![A-Z\d])[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z\d]{4}){2,7}(?:[ \u00a0]?[A-Z\d]{1,3})?(?![A-Z\d])")
#: Card numbers: 15-19 digits in a row, or 4-digit groups, checked by Luhn's algorithm.
_CARD = re.compile(r"(?<![\d\-])(?<!\d[.,])(?:\d{15,19}|\d{4}(?:[ \u00a0\-]\d{4}){3}(?:[ \u00a0\-]?\d{1,3})?)"
                   r"(?![\d\-])(?![.,]\d)")  # not the digits of a fraction (0.3512345678901234)
_SNILS = re.compile(r"(?<![\d\-])\d{3}-\d{3}-\d{3}[ \-]\d{2}(?![\d\-])")
_SNILS_PLAIN = re.compile(r"СНИЛС[:\s№]*(?P<v>\d{11})(?!\d)", re.IGNORECASE)
_INN = re.compile(r"ИНН[:\s№]*(?P<v>\d{12}|\d{10})(?!\d)", re.IGNORECASE)
#: Belarusian passport series (regions, and the ones issued abroad), Latin or Cyrillic, any case.
_BY_SERIES = "AB|BM|HB|KH|MP|MC|KB|PP|MH|АВ|ВМ|НВ|КН|МР|МС|КВ|РР|МН"
_BY_PASSPORT_ANY_CASE = re.compile(rf"(?<![{_LATIN_CYR}\d\-])(?:{_BY_SERIES}) ?№? ?\d{{7}}(?![{_LATIN_CYR}\d])",
                                   re.IGNORECASE)
#: A Russian passport, told by the words before it: «паспорт 45 10 123456», «серия 4510 номер 123456»,
#: «паспорт у меня российский, 4822 846190».
_RU_PASSPORT = re.compile(r"(?:(?:паспорт\w*|passport)(?:\s+[а-яёa-z]+){0,3}|серия)[:\s№,]*(?:РФ\s*)?"
                          r"(?P<v>\d{2}\s?\d{2}\s*(?:№|номер)?\s*\d{6})(?!\d)", re.IGNORECASE)
_PLATE_LETTERS = "ABEIKMHOPCTXYАВЕІКМНОРСТХУ"
_PLATE = re.compile(
    rf"(?<![\w\-])(?:\d{{4}}[ \u00a0]?[{_PLATE_LETTERS}]{{2}}[ \u00a0]?-[ \u00a0]?[1-7]"        # BY: 1234 AB-7
    rf"|[{_PLATE_LETTERS}][ \u00a0]?\d{{3}}[ \u00a0]?[{_PLATE_LETTERS}]{{2}}[ \u00a0]?\d{{2,3}})(?![\w\-])",  # RU: А123ВС 77
    re.IGNORECASE)
#: Russian street markers; an address is one followed by the street's name and a house number.
_STREET = (r"(?:ул\.|ул(?=\s)|пр\.|улиц[аеиуы]|пр-т|пр-те|пр-кт|просп\.|проспект[аеуом]*|пер\.|переул(?:ок|ка|ку|ке|ком)|б-р|бульвар[аеу]?|"
           r"пл\.|площад[ьи]|ш\.|шоссе|наб\.|набережн[аоя][яй]|тракт[аеу]?|проезд[аеу]?|мкр-?н?\.?|микрорайон[аеу]?)")
_HOUSE = (r"\d{1,4}(?:[ \u00a0]?[а-яa-z](?![\w.]))?(?![\d.,]\d)(?:\s*[/\-]\s*\d{1,4}[а-я]?)?"
          r"(?:,?\s*(?:корп\.|корпус|к\.)\s*\d+)?(?:,?\s*(?:стр\.|строение)\s*\d+)?"
          r"(?:,?\s*(?:кв\.|квартира|оф\.|офис)\s*\d+)?")
_ADDRESS = re.compile(
    rf"(?<![\w\-]){_STREET}\s*(?:[\w\-]+\.?\s+){{0,3}}?[^\W\d][\w\-]*\.?,?\s*(?:(?:д\.|дом)\s*)?{_HOUSE}"
    rf"|(?<![\w\-])(?-i:[А-ЯЁ])[\w\-]+\s+{_STREET}\s*,?\s*(?:(?:д\.|дом)\s*)?{_HOUSE}"
    r"|(?<![\w\-])\d{1,5}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|"
    r"Drive|Dr|Square|Sq|Place|Pl|Court|Ct)\b\.?", re.IGNORECASE)


def _spans(pattern: re.Pattern, text: str, valid=None) -> list[tuple[int, int]]:
    """Spans of ``pattern`` (of its group ``v`` where it has one) whose text is ``valid``."""
    group = "v" if "v" in pattern.groupindex else 0
    return [m.span(group) for m in pattern.finditer(text) if valid is None or valid(m.group(group))]


def _snils_valid(value: str) -> bool:
    """Whether a SNILS number (11 digits, any separators) has its check number."""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 11:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return check == int(digits[9:])


def _compact(value: str) -> str:
    return re.sub(r"[^\dA-Za-z]", "", value)


def find_emails(text: str) -> list[tuple[int, int]]:
    """E-mail addresses."""
    return _spans(PATTERNS["email"], text) if "@" in text else []


def find_personal_numbers(text: str) -> list[tuple[int, int]]:
    """Belarusian personal identification numbers (``3140588A001PB5``)."""
    return _spans(PATTERNS["personal_number"], text)


def find_phone_spans(text: str) -> list[tuple[int, int]]:
    """:func:`find_phones` without the numbers."""
    return [(start, end) for start, end, _ in find_phones(text)]


def find_handles(text: str) -> list[tuple[int, int]]:
    """Social handles and profile links."""
    return _spans(_HANDLE, text) if "@" in text or "/" in text else []


def find_ibans(text: str) -> list[tuple[int, int]]:
    """IBANs whose check digits hold."""
    from stdnum import iban

    return _spans(_IBAN, text, lambda v: iban.is_valid(_compact(v)))


def find_cards(text: str) -> list[tuple[int, int]]:
    """Payment card numbers that pass Luhn's check."""
    from stdnum import luhn

    return _spans(_CARD, text, lambda v: luhn.is_valid(_compact(v)))


def find_documents(text: str) -> list[tuple[int, int]]:
    """Russian SNILS (with its check number) and INN (after «ИНН», with its check digits)."""
    from stdnum.ru import inn

    return sorted(_spans(_SNILS, text, _snils_valid) + _spans(_SNILS_PLAIN, text, _snils_valid)
                  + _spans(_INN, text, lambda v: inn.is_valid(_compact(v))))


def find_passports(text: str) -> list[tuple[int, int]]:
    """Belarusian passports (``MP1234567``; in lower case with a series that exists, ``mp 1234567``)
    and Russian ones named as such."""
    return sorted(set(_spans(PATTERNS["passport"], text) + _spans(_BY_PASSPORT_ANY_CASE, text)
                      + _spans(_RU_PASSPORT, text)))


def find_plates(text: str) -> list[tuple[int, int]]:
    """Vehicle plates, Belarusian (``1234 AB-7``) and Russian (``А123ВС 77``)."""
    return _spans(_PLATE, text)


def find_addresses(text: str) -> list[tuple[int, int]]:
    """Street addresses: a street marker (ул., пр-т, пер. …), the street and a house number,
    with the building and flat; English «12 Baker Street»."""
    return _spans(_ADDRESS, text)


_PLUS_DIGIT = re.compile(r"\+\s?\(?\d")


def _with_international(text: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``found`` with the numbers of other countries written with their ``+`` code, in order."""
    import phonenumbers

    more = [(m.start, m.end, phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164))
            for m in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.VALID)]
    more = [(s, e, n) for s, e, n in more if not any(s < fe and fs < e for fs, fe, _ in found)]
    return sorted(found + more) if more else found


def find_phones(text: str) -> list[tuple[int, int, str]]:
    """Phones in a text: ``(start, end, e164)`` for each, left to right.

    Digit groups separated by a space, dash or parenthesis are joined greedily into
    the longest valid Belarusian or Russian number; groups that make no valid
    number (amounts ``45 600,00``, years, deal numbers ``С-0001234``) are skipped.
    Numbers of other countries are found where written with their ``+`` code
    (libphonenumber's matcher, valid numbers only).

    >>> find_phones("тел. 8 029 123 45 67, аванс 45 600,00")
    [(5, 20, '+375291234567')]
    """
    found = []
    for cand in PATTERNS["phone"].finditer(text):
        if sum(c.isdigit() for c in cand.group()) < 10:  # no phone has fewer digits: amounts, dates
            continue
        groups = [(g.start() + cand.start(), g.end() + cand.start(), g.group(1), g.group().startswith("+"))
                  for g in _GROUP.finditer(cand.group())]
        i = 0
        while i < len(groups):
            best, digits = None, ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 12:
                    break
                e164 = _phone_from_digits(digits, groups[i][3])
                if e164:
                    best = (j, e164)
            if best:
                j, e164 = best
                found.append((groups[i][0], groups[j][1], e164))
                i = j + 1
            else:
                i += 1
    if any(not any(s <= m.start() < e for s, e, _ in found) for m in _PLUS_DIGIT.finditer(text)):
        found = _with_international(text, found)  # a "+" that no Belarusian or Russian number took
    return found


# ----------------------------------------------------------------------------- names
_MONTHS = ("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь "
           "понедельник вторник среда четверг пятница суббота воскресенье").split()
#: Car brands and models as written in Cyrillic (pymorphy3 takes several for names).
CAR_WORDS = frozenset((
    "лада лады ладу ладой ладе веста весту весты гранта гранту ларгус нива калина приора икс-рей "
    "джили джил geely кулрей атлас монджаро эмгранд тугела окавангo белджи "
    "шкода октавия октавию октавии рапид кодиак карок суперб фольксваген поло пассат тигуан джетта "
    "тойота камри королла рав рав4 ленд крузер хайлендер киа кия рио спортейдж соренто церато селтос "
    "хендай хендэ хундай солярис крета туссан санта рено логан дастер сандеро аркана каптюр "
    "шевроле ниссан кашкай альмера мазда мицубиси аутлендер ауди бмв мерседес опель астра "
    "хавал джолион чери тигго эксид чанган омода форд фокус мондео ситроен пежо субару "
    "белаз маз газель газ камаз уаз патриот ман вольво сканиа ивеко даф").split())
#: Words that are capitalized in CRM texts and that pymorphy3 may take for names.
NOT_NAMES = frozenset(
    {t.lower() for t in TOWNS} | set(_MONTHS) | CAR_WORDS | set((
        "клиент клиентка менеджер поручитель супруг супруга муж жена директор бухгалтер водитель "
        "лизингополучатель контакт гражданин гражданка господин госпожа сын дочь отец мать "
        "автосалон лизинг аванс договор каско осаго беларусь россия минская брестская витебская "
        "гомельская гродненская могилевская область обл район белгосстрах приорбанк беларусбанк "
        "белагропромбанк белинвестбанк альфа альфа-банк сбер сбербанк viber вайбер телеграм "
        "сайт офис стадия подбор консультация выдача сбор проверка подписание заявка "
        "минский брестский витебский гомельский гродненский могилевский белорусский российский "
        "московский национальный юрист продавец покупатель собственник владелец курьер агент "
        "дилер партнер партнёр представитель сотрудник специалист руководитель начальник "
        "оператор кассир брат сестра тесть теща тёща свекровь зять друг знакомый коллега "
        "мама папа бабушка дедушка господа уважаемый уважаемая"
    ).split()))
#: First names that are also ordinary words: names only next to another name word.
AMBIGUOUS_NAMES = frozenset((
    "вера надежда роза лев любовь слава роман мира лада лилия ника мила милана влада вита "
    "злата марина виктория лида владимир ким майя ян юлиана алина дарина тимур"
).split())
#: First names pymorphy3 reads as something else (София is a town to it); name score 1.
EXTRA_FIRST_NAMES = frozenset((
    "софия варвара милана алеся алесь янина ядвига стефания эвелина элина снежана василиса "
    "ульяна таисия ангелина виолетта злата чеслав казимир иосиф влада владислава"
).split())
_NAME_TAGS = ("Name", "Surn", "Patr")


@functools.lru_cache(maxsize=500_000)
def name_info(word: str) -> tuple[float, float, bool, frozenset]:
    """What pymorphy3 says about one word as a person name, cached per word.

    Returns
    -------
    tuple
        ``(name_score, patr_score, stop, lemmas)``: the summed parse scores of the
        Name/Surn/Patr readings, of the Patr readings alone, whether the word is a
        known non-name (town, car, month, role word), and the normal forms of all
        readings (used to match inflected forms of known names).
    """
    low = word.lower().replace("ё", "е")
    parses = morph().parse(low)
    name = sum(p.score for p in parses if any(t in p.tag for t in _NAME_TAGS))
    patr = sum(p.score for p in parses if "Patr" in p.tag)
    lemmas = frozenset(p.normal_form.replace("ё", "е") for p in parses) | {low}
    if lemmas & EXTRA_FIRST_NAMES:
        name = max(name, 1.0)
    stop = bool(low in NOT_NAMES or (lemmas & NOT_NAMES and name < 0.9 and patr < 0.5))
    if any("Geox" in p.tag and p.normal_form.replace("ё", "е") in NOT_NAMES for p in parses):
        stop = True
    return round(name, 4), round(patr, 4), stop, lemmas


def name_lemmas(names: Iterable[str]) -> frozenset:
    """Normal forms of the words of full names, to find their inflected forms in text.

    >>> "иванов" in name_lemmas(["Иванова Ольга Петровна"])
    True
    """
    out = set()
    for full in names:
        if not isinstance(full, str):
            continue
        for w in re.findall(r"[А-ЯЁа-яёІіЎў]+(?:-[А-ЯЁа-яёІіЎў]+)*", full):
            if len(w) < 2:
                continue
            low = w.lower().replace("ё", "е")
            parses = morph().parse(low)
            named = [p for p in parses if any(t in p.tag for t in _NAME_TAGS)]
            out.add(low)
            out.update(p.normal_form.replace("ё", "е") for p in (named or parses[:1]))
    return frozenset(out)


_CAP_WORD = re.compile(r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?$")


def is_full_name(value: object) -> bool:
    """Whether a value looks like a person's full name: 2-3 capitalized Cyrillic words,
    at least two of which pymorphy3 reads as a surname, first name or patronymic.

    >>> is_full_name("Иванова Ольга Петровна"), is_full_name("Лада Веста"), is_full_name("Минск")
    (True, False, False)
    """
    if not isinstance(value, str):
        return False
    words = value.split()
    if not 2 <= len(words) <= 3 or not all(_CAP_WORD.match(w) for w in words):
        return False
    hits = 0
    for w in words:
        name, patr, stop, _ = name_info(w)
        if stop:
            return False
        hits += name >= 0.3 or patr > 0
    return hits >= 2


# ----------------------------------------------------------------------------- columns
#: Years a birth date of a client can have.
BIRTH_YEARS = (1920, 2012)


def _birth_years(years: pd.Series, threshold: float) -> bool:
    """Whether the years of a column of dates look like clients' birth years: most within
    :data:`BIRTH_YEARS` and spread over the decades of a clientele (90% of them over at
    least 8 years), unlike dates of events (calls, deals) that fall in a few recent years."""
    years = years.dropna()
    if years.empty or years.between(*BIRTH_YEARS).mean() < threshold:
        return False
    return years.quantile(0.95) - years.quantile(0.05) >= 8


def _date_years(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str), errors="coerce", dayfirst=True, format="mixed", utc=True).dt.year


_CHECKS = {
    "personal_number": lambda v: normalize_personal_number(v) is not None,
    "passport": lambda v: normalize_passport(v) is not None,
    "email": lambda v: normalize_email(v) is not None,
    "phone": lambda v: normalize_phone(v) is not None,
    "full_name": is_full_name,
}


def _sample(values: pd.Series, sample: int) -> pd.Series:
    """Non-blank values; evenly spaced rows when there are more than ``sample`` (deterministic)."""
    values = values.dropna()
    if values.dtype.kind in "iu":
        values = values.astype(str)
    elif values.dtype.kind in "fcbmM":
        return values.iloc[:0] if values.dtype.kind != "M" else values
    values = values.astype(str).str.strip()
    values = values[values != ""]
    if len(values) > sample:
        step = len(values) / sample
        values = values.iloc[[int(i * step) for i in range(sample)]]
    return values


def detect_personal_columns(df: pd.DataFrame, sample: int = 2000, threshold: float = 0.6) -> dict[str, str]:
    """Columns whose content is personal, whatever their header.

    Parameters
    ----------
    df : DataFrame
        Any export.
    sample : int
        At most this many non-blank values per column are looked at (evenly spaced
        rows, so the result is deterministic).
    threshold : float
        Share of the sampled non-blank values that must match a kind.

    Returns
    -------
    dict
        column -> kind, one of ``phone``, ``email``, ``passport``,
        ``personal_number``, ``full_name``, ``birth_date`` (dates whose years look like
        a clientele's birth years, see :func:`_birth_years`). Columns that match no kind
        are absent.

    >>> detect_personal_columns(pd.DataFrame({"Колонка 7": ["+375 29 123-45-67", "80441234567"]}))
    {'Колонка 7': 'phone'}
    """
    found = {}
    for col in df.columns:
        values = _sample(df[col], sample)
        if values.empty:
            continue
        if values.dtype.kind == "M":
            if _birth_years(values.dt.year, threshold):
                found[col] = "birth_date"
            continue
        uniq = values.value_counts()
        total = uniq.sum()
        for kind, check in _CHECKS.items():
            share = sum(n for v, n in uniq.items() if check(v)) / total
            if share >= threshold:
                found[col] = kind
                break
        else:
            if values.str.match(r"^\d{1,4}[.\-/]\d{1,2}[.\-/]\d{2,4}(?:[ T]\d|$)").mean() >= threshold \
                    and _birth_years(_date_years(values), threshold):
                found[col] = "birth_date"
    return found


#: What is found by its pattern, in the order it is replaced: kind -> (finder, whether it
#: needs a digit in the text). Names, found by words, come after all of these.
FINDERS = {
    "email": (find_emails, False), "handle": (find_handles, False), "iban": (find_ibans, True),
    "card": (find_cards, True), "personal_number": (find_personal_numbers, True), "passport": (find_passports, True),
    "document": (find_documents, True), "plate": (find_plates, True), "phone": (find_phone_spans, True),
    "address": (find_addresses, True),
}
