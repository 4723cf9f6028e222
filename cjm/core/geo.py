"""Belarusian towns and regions: unify spelling variants and generalize addresses.

A town written as ``г. Минск``, ``минск``, ``Minsk`` or ``Мінск`` becomes ``Минск``,
and an address becomes its town and region (oblast), the level at which location is
shared (a quasi-identifier, DESIGN.md "Privacy").
"""

import difflib
import re

import pandas as pd

#: Town -> region (oblast). Minsk city is a region of its own.
TOWNS: dict[str, str] = {
    "Минск": "г. Минск",
    "Борисов": "Минская", "Солигорск": "Минская", "Молодечно": "Минская",
    "Жодино": "Минская", "Слуцк": "Минская", "Дзержинск": "Минская",
    "Заславль": "Минская", "Фаниполь": "Минская", "Смолевичи": "Минская",
    "Гомель": "Гомельская", "Мозырь": "Гомельская", "Жлобин": "Гомельская",
    "Светлогорск": "Гомельская", "Речица": "Гомельская", "Калинковичи": "Гомельская",
    "Брест": "Брестская", "Барановичи": "Брестская", "Пинск": "Брестская",
    "Кобрин": "Брестская", "Лида": "Гродненская", "Гродно": "Гродненская",
    "Слоним": "Гродненская", "Волковыск": "Гродненская", "Сморгонь": "Гродненская",
    "Витебск": "Витебская", "Орша": "Витебская", "Новополоцк": "Витебская",
    "Полоцк": "Витебская", "Поставы": "Витебская", "Могилев": "Могилевская",
    "Бобруйск": "Могилевская", "Горки": "Могилевская", "Осиповичи": "Могилевская",
    "Кричев": "Могилевская",
}

#: Latin and Belarusian spellings that fuzzy matching would not find.
_ALIASES = {
    "minsk": "Минск", "мінск": "Минск", "gomel": "Гомель", "homel": "Гомель",
    "гомель": "Гомель", "brest": "Брест", "grodno": "Гродно", "hrodna": "Гродно",
    "гродна": "Гродно", "vitebsk": "Витебск", "віцебск": "Витебск",
    "mogilev": "Могилев", "mahilyow": "Могилев", "магілёў": "Могилев",
    "bobruisk": "Бобруйск", "babruysk": "Бобруйск", "баранавічы": "Барановичи",
}

_PREFIX = re.compile(r"^\s*(г\.|гор\.|город|g\.|аг\.|д\.|пос\.|п\.)\s*", re.IGNORECASE)
_KEYS = {town.lower(): town for town in TOWNS}


def _key(text: str) -> str:
    text = _PREFIX.sub("", str(text)).strip().strip(".,").lower().replace("ё", "е")
    return re.sub(r"\s+", " ", text)


def normalize_town(value: object) -> str | None:
    """The canonical spelling of a town, or None when it is blank or unknown.

    >>> normalize_town(" г.Могилёв "), normalize_town("Minsk"), normalize_town("Атлантида")
    ('Могилев', 'Минск', None)
    """
    if value is None or pd.isna(value) or not str(value).strip():
        return None
    key = _key(value)
    if key in _KEYS:
        return _KEYS[key]
    if key in _ALIASES:
        return _ALIASES[key]
    close = difflib.get_close_matches(key, list(_KEYS), n=1, cutoff=0.84)
    return _KEYS[close[0]] if close else None


def normalize_towns(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_town`: each distinct spelling is resolved once."""
    mapping = {v: normalize_town(v) for v in values.dropna().unique()}
    return values.map(mapping).astype("str")


_ADDRESS_TOWN = re.compile(r"(?:^|,)\s*(?:г\.|гор\.|город)\s*([А-ЯЁа-яёA-Za-z\- ]+?)\s*(?:,|$)")


def town_from_address(address: object) -> str | None:
    """The town named in an address (``"г. Минск, ул. ..."`` -> ``"Минск"``), or None."""
    if address is None or pd.isna(address):
        return None
    match = _ADDRESS_TOWN.search(str(address))
    if match:
        return normalize_town(match.group(1))
    return normalize_town(str(address).split(",")[0])


def region_of(town: str | None) -> str | None:
    """The region (oblast) of a canonical town name."""
    return TOWNS.get(town) if town else None
