"""The demo engagement: a seeded fictional client, «АвтоЛизинг Плюс» (car leasing, Belarus).

``generate()`` writes every CRM export a real engagement receives under
``data/<engagement>/raw/`` and the planted facts under ``data/<engagement>/truth/``
(see docs/demo.md). Everything is drawn from one ``np.random.default_rng(seed)``:
the same seed and scale give byte-identical files. ``layout="bitrix"`` writes the
same world's CRM as a Bitrix24 export.

Run ``python -m demo ENGAGEMENT [--scale N] [--seed S] [--layout native|bitrix]``.

Time inside the generator is "virtual": float days since 01.01.2023, where the
fraction of a day maps monotonically onto working hours 08:00-21:00, so every
ordering planted in virtual time survives in the written timestamps.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.util
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cjm.core.geo import TOWNS, normalize_town
from cjm.core.io import write_xlsx_deterministic
from cjm.core.paths import WORKSPACE, EngagementPaths

COMPANY = "АвтоЛизинг Плюс"
PERIOD_START = pd.Timestamp("2023-01-01")
PERIOD_END = pd.Timestamp("2025-09-30 23:59")
EXPORT_DATE = pd.Timestamp("2025-10-01")
N_DAYS = (PERIOD_END.normalize() - PERIOD_START).days + 1  # 1004 virtual days
BASE_CONTACTS = 16_500
N_MANAGERS = 40

STAGES = [
    "Новая заявка", "Консультация", "Подбор авто и расчёт", "Сбор документов",
    "Проверка и одобрение", "Подписание договора", "Выдача авто",
]
WON_STAGE = STAGES[-1]
#: Planted base probability of moving on from each stage (mildly varied by segment/journey).
MOVE_ON = np.array([0.93, 0.85, 0.70, 0.90, 0.90, 0.96])
#: Median virtual days spent in each stage before moving on.
STAGE_MEDIAN_DAYS = np.array([0.2, 2.0, 5.0, 7.0, 3.0, 3.0])
UNKNOWN_STAGES = ["Архив", "Тест", "Отложено", "Без стадии"]

SIDE_GROUPS = ["legal_entity", "truck", "motorcycle", "leaseback", "repeat_deal", "in_scope"]
GROUP_SHARE = [0.12, 0.05, 0.03, 0.05, 0.07, 0.68]
LEGAL, TRUCK, MOTO, LEASEBACK, REPEAT, IN_SCOPE = range(6)

PRODUCTS = ["Легковой автомобиль", "Грузовой автомобиль", "Мотоцикл"]
BITRIX_PRODUCTS = ["Легковой", "Грузовой", "Мототехника"]
SCHEMES = ["Прямой лизинг", "Возвратный лизинг"]
CHANNELS = ["Телефон", "E-mail", "Viber", "Telegram", "Офис", "Автосалон", "Сайт", "Личный кабинет"]
ONLINE = np.array([0, 1, 1, 1, 0, 0, 1, 1], dtype=bool)
TYPE_OF_CHANNEL = np.array([0, 1, 2, 2, 3, 4, 2, 2])  # index into ACTIVITY_TYPES
ACTIVITY_TYPES = ["Звонок", "Письмо", "Сообщение", "Встреча", "Визит"]
BITRIX_ACTIVITY_TYPES = ["Звонок", "E-mail", "Открытая линия", "Встреча", "Встреча"]
DIRECTIONS = ["Входящий", "Исходящий"]
REPEAT_CHANNEL = "Повторное обращение"

#: Planted segments. ``signature``: how each differs from the other in-scope clients, in
#: the terms of cjm.analysis.segment's features (a direction for numbers, a level for categories).
SEGMENTS = {
    1: dict(name="Молодые минчане: первый автомобиль", share=0.16, age=(22, 29), male=0.65,
            minsk=0.85, price=(45_000, 0.10), down=(0.08, 0.14), term={48: 0.20, 60: 0.80},
            speed=1.0, touches=1.0, online=1.8, crossover=False,
            signature={"age": "low", "amount": "low", "down_payment_share": "low", "term_months": "high"},
            traits=["возраст 22-29 лет", "Минск", "недорогой автомобиль (~45 тыс. BYN)",
                    "аванс 8-14%", "срок 60 мес.", "много онлайн-касаний"]),
    2: dict(name="Семьи: кроссовер для семьи", share=0.20, age=(31, 44), male=0.55,
            minsk=0.50, price=(90_000, 0.10), down=(0.27, 0.35), term={36: 0.50, 48: 0.50},
            speed=1.15, touches=1.1, online=1.0, crossover=True,
            signature={"amount": "high", "down_payment_share": "high"},
            traits=["возраст 31-44 лет", "Минск и регионы поровну", "кроссовер ~90 тыс. BYN",
                    "аванс 27-35%", "срок 36-48 мес."]),
    3: dict(name="Состоятельные: премиум", share=0.08, age=(38, 55), male=0.92,
            minsk=0.92, price=(170_000, 0.10), down=(0.38, 0.46), term={12: 0.40, 24: 0.60},
            speed=0.45, touches=0.7, online=0.8, crossover=False,
            signature={"amount": "high", "down_payment_share": "high", "term_months": "low", "gender": "М"},
            traits=["мужчины 38-55 лет", "Минск", "премиум 140-210 тыс. BYN", "аванс 38-46%",
                    "короткий срок 12-24 мес.", "быстрое решение, мало касаний"]),
    4: dict(name="Региональные прагматики", share=0.22, age=(35, 55), male=0.72,
            minsk=0.04, price=(62_000, 0.10), down=(0.18, 0.25), term={36: 0.60, 48: 0.40},
            speed=1.6, touches=1.6, online=0.55, crossover=False,
            signature={"capital": "regions", "age": "high"},
            traits=["регионы", "возраст 35-55 лет", "практичный автомобиль ~62 тыс. BYN",
                    "аванс 18-25%", "долгое решение, много касаний, больше офлайн"]),
    5: dict(name="Женщины: первый автомобиль", share=0.12, age=(28, 40), male=0.0,
            minsk=0.60, price=(52_000, 0.10), down=(0.14, 0.20), term={48: 0.60, 60: 0.40},
            speed=1.5, touches=1.7, online=1.25, crossover=False,
            signature={"gender": "Ж", "term_months": "high"},
            traits=["женщины 28-40 лет", "первый автомобиль ~52 тыс. BYN", "аванс 14-20%",
                    "срок 48-60 мес.", "много вопросов и касаний, долгое решение"]),
    6: dict(name="Такси и самозанятые водители", share=0.12, age=(25, 50), male=0.93,
            minsk=0.70, price=(35_000, 0.10), down=(0.01, 0.06), term={60: 1.0},
            speed=0.5, touches=0.75, online=1.3, crossover=False,
            signature={"amount": "low", "down_payment_share": "low", "term_months": "high", "gender": "М"},
            traits=["мужчины 25-50 лет", "бюджетный автомобиль ~35 тыс. BYN",
                    "низкий аванс 1-6%", "срок 60 мес.", "быстрое решение",
                    "чаще отказ службы безопасности по доходу"]),
    7: dict(name="Старшее поколение", share=0.10, age=(58, 72), male=0.60,
            minsk=0.50, price=(70_000, 0.12), down=(0.50, 0.62), term={12: 0.50, 24: 0.50},
            speed=1.2, touches=1.0, online=0.25, crossover=False,
            signature={"age": "high", "down_payment_share": "high", "term_months": "low"},
            traits=["возраст 58-72 лет", "высокий аванс 50-62%", "короткий срок 12-24 мес.",
                    "почти только офлайн: офис и телефон"]),
}
#: P(journey | segment) for individuals; mild correlation, not 1:1.
JOURNEY_GIVEN_SEGMENT = {1: [.65, .20, .15], 2: [.40, .40, .20], 3: [.30, .40, .30],
                         4: [.30, .30, .40], 5: [.50, .25, .25], 6: [.55, .25, .20],
                         7: [.15, .30, .55]}
JOURNEYS = {
    1: dict(name="Онлайн-заявка", entry={"Сайт": .5, "Агрегатор": .3, "Реклама в соцсетях": .2},
            touch=["Сайт", "Viber", "Telegram", "Личный кабинет", "Телефон", "Офис (подписание)"]),
    2: dict(name="Через автосалон-партнёр", entry={"Автосалон-партнёр": 1.0},
            touch=["Автосалон", "Телефон", "Viber"]),
    3: dict(name="Через офис и рекомендации", entry={"Рекомендация": .4, "Звонок": .35, "Офис": .25},
            touch=["Офис", "Телефон", "E-mail"]),
}
# Channel weights by journey (columns = CHANNELS), before signing and at signing/hand-over.
_CH_PRE = np.array([[.22, .06, .20, .14, .00, .00, .16, .22],
                    [.35, .03, .10, .04, .05, .43, .00, .00],
                    [.40, .18, .07, .03, .30, .02, .00, .00]])
_CH_SIGN = np.array([[.10, .00, .05, .05, .80, .00, .00, .00],
                     [.10, .00, .00, .00, .30, .60, .00, .00],
                     [.15, .00, .00, .00, .85, .00, .00, .00]])
_CH_HANDOVER = np.array([[.20, .00, .00, .00, .50, .30, .00, .00],
                         [.10, .00, .00, .00, .10, .80, .00, .00],
                         [.15, .00, .00, .00, .70, .15, .00, .00]])
#: Mean activities per entered stage.
TOUCH_LAMBDA = np.array([0.9, 1.0, 0.9, 1.3, 0.45, 0.7, 0.3])

# Adjustments of the move-on probability (stages 0-5) by segment (0 = none) and journey.
_SEG_ADJ = np.zeros((8, 6))
_SEG_ADJ[1] = [0, 0, -.06, 0, -.03, 0]
_SEG_ADJ[3] = [0, .03, .08, .03, .05, .02]
_SEG_ADJ[4] = [0, .03, 0, 0, 0, 0]
_SEG_ADJ[5] = [0, -.03, -.02, 0, 0, 0]
_SEG_ADJ[6] = [0, 0, .04, 0, -.08, 0]
_SEG_ADJ[7] = [0, 0, .05, 0, 0, .02]
_J_ADJ = np.array([[0, -.04, 0, 0, 0, 0], [0, 0, .05, 0, 0, 0], [0, .02, .02, 0, 0, 0]])
_SEG_SPEED = np.array([1.0] + [SEGMENTS[s]["speed"] for s in range(1, 8)])
_SEG_TOUCH = np.array([1.0] + [SEGMENTS[s]["touches"] for s in range(1, 8)])
_SEG_ONLINE = np.array([1.0] + [SEGMENTS[s]["online"] for s in range(1, 8)])
_J_SPEED = np.array([0.9, 0.8, 1.1])

LOST_REASONS = {
    0: {"Дубль заявки": .5, "Некорректный номер телефона": .3, "Спам / тестовая заявка": .2},
    1: {"Не дозвонились": .45, "Просто узнавал условия": .40, "Не устроили условия лизинга": .15},
    2: {"Дорого / высокий платёж": .35, "Высокий аванс": .30, "Не подошёл автомобиль": .20,
        "Купил за наличные / в кредит": .15},
    3: {"Не предоставил документы": .7, "Перестал выходить на связь": .3},
    4: {"Отказ службы безопасности": .45, "Недостаточный доход": .40,
        "Отрицательная кредитная история": .15},
    5: {"Выбрал другую лизинговую компанию": .55, "Передумал": .45},
}
# Segment multipliers of reason weights (stage, reason) -> {segment: factor}.
_REASON_SEG = {(2, "Высокий аванс"): {1: 2.5, 6: 2.5, 3: 0.2, 7: 0.2},
               (2, "Не подошёл автомобиль"): {2: 1.8, 7: 1.5},
               (4, "Недостаточный доход"): {6: 2.0, 1: 1.5}}

_CARS = [("Lada Granta", 32_000, 0), ("Renault Logan", 38_000, 0), ("Lada Vesta", 42_000, 0),
         ("Lada Niva Travel", 45_000, 1), ("Geely Emgrand", 50_000, 0),
         ("Volkswagen Polo", 52_000, 0), ("Kia Rio", 55_000, 0), ("BelGee X50", 58_000, 1),
         ("Chery Tiggo 4 Pro", 62_000, 1), ("Geely Coolray", 66_000, 1), ("Haval Jolion", 70_000, 1),
         ("Chery Arrizo 8", 72_000, 0), ("Skoda Octavia", 75_000, 0),
         ("Chery Tiggo 7 Pro Max", 85_000, 1), ("Haval F7", 88_000, 1), ("Jetour Dashing", 90_000, 1),
         ("Geely Atlas", 95_000, 1), ("Kia Sportage", 100_000, 1), ("Hyundai Tucson", 105_000, 1),
         ("Geely Tugella", 115_000, 1), ("Volkswagen Tiguan", 125_000, 1), ("Toyota Camry", 130_000, 0),
         ("Toyota RAV4", 135_000, 1), ("Geely Monjaro", 140_000, 1), ("Exeed RX", 150_000, 1),
         ("Tank 300", 160_000, 1), ("Zeekr 001", 180_000, 0), ("Lixiang L7", 190_000, 1),
         ("BMW 5 серии", 210_000, 0), ("Mercedes-Benz E-класс", 220_000, 0), ("Audi Q7", 240_000, 1),
         ("BMW X5", 260_000, 1)]
_TRUCKS = [("ГАЗель Next", 75_000), ("Foton Aumark", 85_000), ("Isuzu Elf", 110_000),
           ("МАЗ-4381", 150_000), ("МАЗ-5440", 190_000), ("МАЗ-6312", 210_000),
           ("Shacman X3000", 260_000), ("Sitrak C7H", 280_000), ("DAF XF", 360_000),
           ("MAN TGX", 370_000), ("Volvo FH", 380_000), ("Scania R450", 400_000)]
_MOTOS = [("Минск X250", 7_000), ("Honda CB500F", 28_000), ("Yamaha MT-07", 33_000),
          ("Kawasaki Ninja 650", 34_000), ("Suzuki V-Strom 650", 38_000), ("Yamaha Tenere 700", 45_000),
          ("Honda Africa Twin", 70_000), ("Harley-Davidson Sportster S", 85_000),
          ("BMW R 1250 GS", 90_000)]

# ----------------------------------------------------------------------------- names
_MALE = ("Александр Алексей Анатолий Андрей Антон Аркадий Артём Артур Богдан Борис Вадим "
         "Валентин Валерий Василий Вениамин Виктор Виталий Владимир Владислав Всеволод Вячеслав "
         "Геннадий Георгий Герман Глеб Григорий Давид Даниил Денис Дмитрий Евгений Егор Захар "
         "Иван Игорь Илья Кирилл Константин Леонид Максим Марк Матвей Мирон Михаил Назар Никита "
         "Николай Олег Павел Пётр Платон Роман Ростислав Руслан Святослав Семён Сергей "
         "Станислав Степан Тарас Тимофей Тимур Фёдор Филипп Эдуард Юрий Ян Ярослав Алесь "
         "Казимир Иосиф Чеслав Эрик Лев Арсений Савелий Елисей").split()
_FEMALE = ("Алина Алла Алёна Александра Анастасия Ангелина Анна Антонина Валентина Валерия "
           "Варвара Василиса Вера Вероника Виктория Виолетта Галина Дарья Диана Ева Евгения "
           "Екатерина Елена Елизавета Жанна Зинаида Зоя Инна Ирина Карина Кира Кристина Ксения "
           "Лариса Лидия Любовь Людмила Маргарита Марина Мария Милана Надежда Наталья Нина Оксана "
           "Олеся Ольга Полина Раиса Регина Светлана Снежана София Стефания Таисия Тамара Татьяна "
           "Ульяна Эвелина Элина Юлия Яна Янина Влада Владислава Алеся Ядвига Вита Маргарита "
           "Людмила Жанна").split()
_FEMALE = list(dict.fromkeys(_FEMALE))
#: Father's name -> (male patronymic, female patronymic).
_PATRONYMIC = {}
for _n in ("Александр Антон Богдан Борис Вадим Валентин Виктор Владимир Владислав Вячеслав "
           "Глеб Денис Иван Кирилл Константин Леонид Максим Олег Роман Руслан Станислав Степан "
           "Тарас Ярослав Эдуард Казимир Иосиф Чеслав Артур Герман Давид Марк Тимур Ян Семён Фёдор "
           "Артём").split():
    _PATRONYMIC[_n] = (_n + "ович", _n + "овна")
_PATRONYMIC.update({
    "Алексей": ("Алексеевич", "Алексеевна"), "Андрей": ("Андреевич", "Андреевна"),
    "Сергей": ("Сергеевич", "Сергеевна"), "Николай": ("Николаевич", "Николаевна"),
    "Матвей": ("Матвеевич", "Матвеевна"), "Тимофей": ("Тимофеевич", "Тимофеевна"),
    "Анатолий": ("Анатольевич", "Анатольевна"), "Аркадий": ("Аркадьевич", "Аркадьевна"),
    "Валерий": ("Валерьевич", "Валерьевна"), "Василий": ("Васильевич", "Васильевна"),
    "Виталий": ("Витальевич", "Витальевна"), "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Григорий": ("Григорьевич", "Григорьевна"), "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Юрий": ("Юрьевич", "Юрьевна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"), "Игорь": ("Игоревич", "Игоревна"),
    "Михаил": ("Михайлович", "Михайловна"), "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"), "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"), "Лев": ("Львович", "Львовна"),
})
_PATR_BASES = list(_PATRONYMIC)
_SURNAMES = (
    "Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
    "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов "
    "Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин "
    "Исаев Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев "
    "Кудрявцев Прохоров Наумов Потапов Журавлёв Трофимов Леонов Соболев Ермаков Колесников "
    "Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев "
    "Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Галкин "
    "Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Харитонов Князев Цветков Левин "
    "Воронов Аксёнов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков "
    "Сафонов Плотников Хохлов Фадеев Молчанов Игнатов Литвинов Ершов Ушаков Рябов Мухин "
    "Калашников Лобанов Кузин Корнеев Бородин Платонов Некрасов Бобров Жданов Блинов Коротков "
    "Крюков Беляков Дроздов Лавров Зуев Петухов Ларин Никулин Серов Зотов Устинов Фокин "
    "Самойлов Сахаров Шишкин Самсонов Черкасов Носов Спиридонов Карасёв Авдеев Воронцов "
    "Зверев Селезнёв Нечаев Седов Фирсов Панин Головин Терехов Шестаков Агеев Никонов "
    "Гордеев Пахомов Зимин Костин Широков Ларионов Сазонов Суворов Корнилов Любимов Копылов "
    "Лукин Токарев Кулешов Шилов Родин Лапин Гурин "
    "Богданович Карпович Янкович Мартинкевич Климович Романович Лукашевич Войтехович "
    "Радкевич Мицкевич Кононович Тарасевич Станкевич Пашкевич Адамович Ярошевич Макаревич "
    "Шидлович Костюкевич Василевич Жук Новик Мельник Рыбак Дубовик Шпак Гайдук Бурак "
    "Ковальчук Мартынюк Савчук Ковалюк Кравченко Бондаренко Яковенко Шевченко Марченко "
    "Лисовский Савицкий Ковалевский Жуковский Сосновский Козловский Вишневский Петровский "
    "Завадский Соболевский Ясинский Высоцкий Белецкий Липницкий").split()
_COMPANY_A = ("Бел Мин Гом Строй Агро Авто Техно Евро Пром Энерго Логист Торг Инвест Мед Дор "
              "Транс Нова Гранд Альфа Вест Нео").split()
_COMPANY_B = ("Транс Строй Снаб Ресурс Сервис Логистик Торг Групп Маркет Лайн Тех Мастер Пласт "
              "Агро Альянс Проект Экспо Трейд").split()
_COMPANY_FORM = ["ООО", "ООО", "ЧУП", "ЧТУП", "ОДО", "ОАО", "ЗАО", "УП"]
_STREETS = ("Ленина Советская Пушкина Гагарина Кирова Московская Первомайская Октябрьская "
            "Интернациональная Пролетарская Комсомольская Садовая Молодёжная Мира Победы "
            "Строителей Школьная Лесная Заводская Сурганова Притыцкого Кальварийская Есенина "
            "Волгоградская Городецкая Богдановича Тимирязева Чкалова Гоголя Карла_Маркса "
            "Якуба_Коласа Янки_Купалы Максима_Танка Купревича").split()
_STREETS = [x.replace("_", " ") for x in _STREETS]
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіў",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                      "", "e", "yu", "ya", "i", "u"]))
_SIBILANT = set("жшчщц")


def _translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def _feminine_surname(s: str) -> str:
    if s[-2:] in ("ов", "ев", "ёв", "ин", "ын"):
        return s + "а"
    if s.endswith("ский") or s.endswith("цкий"):
        return s[:-2] + "ая"
    return s  # -ич, -ук, -ко and other consonant endings do not change for women


def _surname_cases(s: str, female: bool) -> tuple[str, str, str]:
    """Genitive, dative, instrumental of a surname in its gender form."""
    if female:
        if s.endswith("ова") or s.endswith("ева") or s.endswith("ёва") or s.endswith("ина") or s.endswith("ына"):
            return (s[:-1] + "ой",) * 3
        if s.endswith("ая"):
            return (s[:-2] + "ой",) * 3
        return (s, s, s)
    if s[-2:] in ("ов", "ев", "ёв", "ин", "ын"):
        return s + "а", s + "у", s + "ым"
    if s.endswith("ий"):
        return s[:-2] + "ого", s[:-2] + "ому", s[:-2] + "им"
    if s.endswith("о"):
        return (s, s, s)
    return s + "а", s + "у", s + ("ем" if s[-1] in _SIBILANT else "ом")


_FIRST_IRREGULAR = {"Пётр": ("Петра", "Петру", "Петром"), "Павел": ("Павла", "Павлу", "Павлом"),
                    "Лев": ("Льва", "Льву", "Львом"), "Илья": ("Ильи", "Илье", "Ильёй"),
                    "Любовь": ("Любови", "Любови", "Любовью")}


def _first_cases(n: str) -> tuple[str, str, str]:
    if n in _FIRST_IRREGULAR:
        return _FIRST_IRREGULAR[n]
    if n.endswith("ия"):
        return n[:-1] + "и", n[:-1] + "и", n[:-1] + "ей"
    if n.endswith("я"):
        return n[:-1] + "и", n[:-1] + "е", n[:-1] + "ей"
    if n.endswith("а"):
        gen = n[:-1] + ("и" if n[-2] in "гкхжшчщ" else "ы")
        return gen, n[:-1] + "е", n[:-1] + ("ей" if n[-2] in _SIBILANT else "ой")
    if n.endswith("й") or n.endswith("ь"):
        return n[:-1] + "я", n[:-1] + "ю", n[:-1] + "ем"
    return n + "а", n + "у", n + ("ем" if n[-1] in _SIBILANT else "ом")


def _patronymic_cases(p: str) -> tuple[str, str, str]:
    if p.endswith("на"):
        return p[:-1] + "ы", p[:-1] + "е", p[:-1] + "ой"
    return p + "а", p + "у", p + ("ом" if p == "Ильич" else "ем")


# Town spelling variants; each is checked against cjm.core.geo.normalize_town at import time.
_TOWN_VARIANTS = {
    "Минск": ["г. Минск", "г.Минск", "минск", "Minsk", "Мінск", "Минск ", "МИНСК", "г. Минск "],
    "Гомель": ["г.Гомель", "Гомель ", "Gomel", "Homel", "гомель"],
    "Могилев": ["Могилёв", "г. Могилёв", "Mogilev", "могилев"],
    "Гродно": ["Grodno", "Гродна", "г. Гродно", "Hrodna"],
    "Брест": ["Brest", "г.Брест", "брест"],
    "Витебск": ["Vitebsk", "Віцебск", "г. Витебск"],
    "Бобруйск": ["Bobruisk", "Бобруск", "г. Бобруйск"],
    "Барановичи": ["Барановчи", "г. Барановичи"],
    "Борисов": ["г.Борисов", "борисов"],
    "Молодечно": ["Молодечо", "г. Молодечно"],
    "Солигорск": ["Солигорк", "г. Солигорск"],
}
_TOWN_WEIGHTS = {
    "Гомель": 12, "Могилев": 9, "Витебск": 9, "Гродно": 9, "Брест": 9, "Бобруйск": 5,
    "Барановичи": 4, "Борисов": 4, "Пинск": 3, "Орша": 3, "Мозырь": 3, "Солигорск": 2,
    "Новополоцк": 2, "Лида": 2, "Молодечно": 2, "Полоцк": 2, "Жлобин": 1.5, "Светлогорск": 1.5,
    "Речица": 1.5, "Слуцк": 1.5, "Жодино": 1.5, "Кобрин": 1, "Волковыск": 1, "Калинковичи": 1,
    "Сморгонь": .8, "Слоним": 1, "Горки": .8, "Осиповичи": .8, "Кричев": .6, "Поставы": .5,
    "Дзержинск": .6, "Заславль": .4, "Фаниполь": .4, "Смолевичи": .5,
}
_REGION_TOWNS = list(_TOWN_WEIGHTS)
_ALL_TOWNS = ["Минск"] + _REGION_TOWNS
for _canon, _vars in _TOWN_VARIANTS.items():
    for _v in _vars:
        assert normalize_town(_v) == _canon, (_v, _canon)
assert set(_ALL_TOWNS) == set(TOWNS)
_PASSPORT_SERIES = {"г. Минск": "MP", "Минская": "MC", "Брестская": "AB", "Витебская": "BM",
                    "Гомельская": "HB", "Гродненская": "KH", "Могилевская": "KB"}
_IDN_REGION = {"г. Минск": "M", "Минская": "H", "Брестская": "A", "Витебская": "B",
               "Гомельская": "C", "Гродненская": "K", "Могилевская": "E"}
_OBLAST = {"Минская": "Минская обл.", "Брестская": "Брестская обл.", "Витебская": "Витебская обл.",
           "Гомельская": "Гомельская обл.", "Гродненская": "Гродненская обл.",
           "Могилевская": "Могилевская обл."}


# ----------------------------------------------------------------------------- helpers
def _virtual_minutes(t: np.ndarray) -> np.ndarray:
    """Virtual days -> integer minutes since PERIOD_START, inside working hours 08:00-21:00."""
    day = np.floor(t)
    return (day * 1440 + 480 + np.floor((t - day) * 780)).astype(np.int64)


def _fmt_minutes(minutes: np.ndarray, fmt: str, missing: np.ndarray | None = None) -> np.ndarray:
    """Format minutes since PERIOD_START; each distinct value is formatted once."""
    minutes = np.asarray(minutes, dtype=np.int64)
    uniq, inv = np.unique(minutes, return_inverse=True)
    text = (PERIOD_START + pd.to_timedelta(uniq, unit="m")).strftime(fmt)
    out = np.asarray(text, dtype=object)[inv]
    if missing is not None:
        out[missing] = None
    return out


def _choice(rng: np.random.Generator, options, p, size) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(options), size=size, p=p / p.sum())


def _money_nbsp(v: float) -> str:
    return f"{v:,.2f}".replace(",", "\xa0").replace(".", ",")


def _money_plain_comma(v: float) -> str:
    return f"{v:.2f}".replace(".", ",")


def _phone(op: str, n: str, fmt: int) -> str:
    if fmt == 0:
        return f"+375 ({op}) {n[:3]}-{n[3:5]}-{n[5:]}"
    if fmt == 1:
        return f"80{op}{n}"
    if fmt == 2:
        return f"375{op}{n}"
    if fmt == 3:
        return f"8 0{op} {n[:3]} {n[3:5]} {n[5:]}"
    if fmt == 4:
        return f"+375-{op}-{n}"
    if fmt == 5:
        return f"+375{op}{n}"
    return f"+375 {op} {n[:3]}-{n[3:5]}-{n[5:]}"


_PHONE_FMT_P = [.35, .15, .12, .10, .08, .12, .08]


def _dup_rows(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Sorted indices of rows to write twice (exact duplicates)."""
    k = int(round(n * share))
    return np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)


def _with_dups(n: int, dups: np.ndarray) -> np.ndarray:
    """Row order of a table with each duplicated row repeated right after itself."""
    reps = np.ones(n, dtype=np.int64)
    reps[dups] += 1
    return np.repeat(np.arange(n), reps)


# ----------------------------------------------------------------------------- the world
@dataclass
class World:
    """Everything drawn from the seed; writers only format it."""

    scale: float
    seed: int
    c: pd.DataFrame = None        # contacts, one row each, in code order
    d: pd.DataFrame = None        # deals, in number order
    s: pd.DataFrame = None        # stage events (distinct), in file order
    a: pd.DataFrame = None        # activities (distinct), in ID order
    managers: list = None
    manager_female: np.ndarray = None
    dups: dict = field(default_factory=dict)
    partial_dup: np.ndarray = None
    partial_blank: np.ndarray = None
    partial_first: np.ndarray = None
    bitrix_lost_rows: int = 0
    nps: pd.DataFrame = None
    pii: set = field(default_factory=set)
    towns: dict = field(default_factory=dict)
    anomalies: dict = field(default_factory=dict)
    invalid: dict = field(default_factory=dict)


def _build_world(rng: np.random.Generator, scale: float, seed: int) -> World:
    w = World(scale=scale, seed=seed)
    n_c = max(50, int(round(BASE_CONTACTS * scale)))
    _managers(rng, w)
    c = _contacts(rng, n_c)
    d = _deals(rng, c, w)
    _stage_process(rng, d)
    c, d = _number(c, d)
    _people(rng, c, w)
    w.s = _stage_events(rng, d, w)
    w.a = _activities(rng, d, c, w)
    _free_text(rng, c, d, w)
    _mess(rng, c, d, w)
    w.nps = _post_deal_nps(rng, d, c)
    w.c, w.d = c, d
    return w


def _managers(rng, w: World) -> None:
    fem = rng.random(N_MANAGERS) < 0.55
    names = []
    sur = rng.choice(len(_SURNAMES), N_MANAGERS, replace=False)
    for i in range(N_MANAGERS):
        first = _FEMALE[rng.integers(len(_FEMALE))] if fem[i] else _MALE[rng.integers(len(_MALE))]
        patr = _PATRONYMIC[_PATR_BASES[rng.integers(len(_PATR_BASES))]][int(fem[i])]
        s = _SURNAMES[sur[i]]
        names.append(f"{_feminine_surname(s) if fem[i] else s} {first} {patr}")
    w.managers, w.manager_female = names, fem


def _contacts(rng, n: int) -> pd.DataFrame:
    group = _choice(rng, SIDE_GROUPS, GROUP_SHARE, n)
    seg_share = [SEGMENTS[s]["share"] for s in range(1, 8)]
    segment = _choice(rng, range(7), seg_share, n) + 1
    individual_seg = np.isin(group, [LEASEBACK, REPEAT, IN_SCOPE])
    segment = np.where(individual_seg, segment, 0)
    u = rng.random(n)
    male_p = np.array([0.6] + [SEGMENTS[s]["male"] for s in range(1, 8)])[segment]
    male_p = np.select([group == TRUCK, group == MOTO, group == LEGAL], [0.95, 0.85, 0.62], male_p)
    female = u >= male_p
    lo = np.array([25] + [SEGMENTS[s]["age"][0] for s in range(1, 8)])[segment]
    hi = np.array([60] + [SEGMENTS[s]["age"][1] for s in range(1, 8)])[segment]
    lo = np.where(group == MOTO, 20, np.where(group == LEGAL, 30, lo))
    hi = np.where(group == MOTO, 50, hi)
    age = lo + rng.random(n) * (hi + 1 - lo)
    minsk_p = np.array([0.5] + [SEGMENTS[s]["minsk"] for s in range(1, 8)])[segment]
    minsk_p = np.select([group == LEGAL, group == TRUCK, group == MOTO], [0.55, 0.3, 0.6], minsk_p)
    in_minsk = rng.random(n) < minsk_p
    region_town = _choice(rng, _REGION_TOWNS, list(_TOWN_WEIGHTS.values()), n) + 1
    town = np.where(in_minsk, 0, region_town)
    jp = np.array([[.45, .30, .25]] + [JOURNEY_GIVEN_SEGMENT[s] for s in range(1, 8)])[segment]
    jp = np.where((group == LEGAL)[:, None], [.25, .15, .60], jp)
    jp = np.where((group == TRUCK)[:, None], [.30, .30, .40], jp)
    jp = np.where((group == MOTO)[:, None], [.50, .30, .20], jp)
    journey = (rng.random(n)[:, None] > np.cumsum(jp, axis=1)).sum(axis=1) + 1
    journey = np.minimum(journey, 3)
    n_deals = np.ones(n, dtype=np.int64)
    n_deals[group == LEGAL] = _choice(rng, [1, 2, 3, 4], [.45, .30, .15, .10], (group == LEGAL).sum()) + 1
    n_deals[group == REPEAT] = _choice(rng, [2, 3], [.7, .3], (group == REPEAT).sum()) + 2
    # first contact: growth over the period, spring/autumn seasonality, quieter weekends
    days = np.arange(N_DAYS)
    dates = PERIOD_START + pd.to_timedelta(days, unit="D")
    doy, dow = dates.day_of_year.to_numpy(), dates.day_of_week.to_numpy()
    weight = (1 + 0.35 * days / N_DAYS) * (1 + 0.15 * np.sin(2 * np.pi * (doy - 80) / 365))
    weight = weight * np.where(dow >= 5, 0.45, 1.0)
    multi = n_deals > 1
    t0 = rng.choice(N_DAYS, size=n, p=weight / weight.sum()) + rng.random(n)
    # people with several deals came early enough to come back
    t0 = np.where(multi, t0 * 0.75, t0)
    return pd.DataFrame(dict(group=group, segment=segment, female=female, age=age, town=town,
                             journey=journey, n_deals=n_deals, t0=t0))


def _deals(rng, c: pd.DataFrame, w: World) -> pd.DataFrame:
    n_c = len(c)
    ci = np.repeat(np.arange(n_c), c["n_deals"].to_numpy())
    seq = np.arange(len(ci)) - np.repeat(np.cumsum(c["n_deals"].to_numpy()) - c["n_deals"].to_numpy(), c["n_deals"].to_numpy())
    n = len(ci)
    group = c["group"].to_numpy()[ci]
    seg = c["segment"].to_numpy()[ci]
    journey = c["journey"].to_numpy()[ci]
    # creation times: later deals of the same contact follow the earlier ones
    t = c["t0"].to_numpy()[ci].copy()
    frac = rng.uniform(0.08, 0.6, n)
    for k in range(1, 4):
        m = seq == k
        t[m] = t[np.flatnonzero(m) - 1] + frac[m] * (N_DAYS - 0.5 - t[np.flatnonzero(m) - 1])
    product = np.zeros(n, dtype=np.int64)
    product[group == TRUCK] = 1
    product[group == MOTO] = 2
    lg = group == LEGAL
    product[lg] = _choice(rng, PRODUCTS, [.60, .33, .07], lg.sum())
    scheme = np.zeros(n, dtype=np.int64)
    scheme[group == LEASEBACK] = 1
    scheme[lg] = rng.random(lg.sum()) < 0.15
    tr = group == TRUCK
    scheme[tr] = rng.random(tr.sum()) < 0.10
    # price
    med = np.array([60_000] + [SEGMENTS[s]["price"][0] for s in range(1, 8)], dtype=float)[seg]
    sig = np.array([0.3] + [SEGMENTS[s]["price"][1] for s in range(1, 8)])[seg]
    med = np.where(lg, 90_000, med)
    sig = np.where(lg, 0.4, sig)
    med = np.where(product == 1, 200_000, np.where(product == 2, 30_000, med))
    sig = np.where(product == 1, 0.55, np.where(product == 2, 0.6, sig))
    med = np.where(group == LEASEBACK, med * 0.8, med)
    price = np.exp(np.log(med) + sig * rng.standard_normal(n))
    price = np.where(seg == 3, np.clip(price, 130_000, 230_000), price)
    price = np.round(np.clip(price, 5_000, 900_000), -2)
    # model
    z = np.log(price) + 0.12 * rng.standard_normal(n)
    model = np.empty(n, dtype=object)
    cars = sorted(_CARS, key=lambda x: x[1])
    cross = [x for x in cars if x[2]]
    for mask, cat in [((product == 0) & (seg != 2), cars), ((product == 0) & (seg == 2), cross),
                      (product == 1, _TRUCKS), (product == 2, _MOTOS)]:
        refs = np.log([x[1] for x in cat])
        edges = (refs[1:] + refs[:-1]) / 2
        idx = np.searchsorted(edges, z[mask])
        model[mask] = np.array([x[0] for x in cat], dtype=object)[idx]
    # down payment share and term
    dlo = np.array([.15] + [SEGMENTS[s]["down"][0] for s in range(1, 8)])[seg]
    dhi = np.array([.30] + [SEGMENTS[s]["down"][1] for s in range(1, 8)])[seg]
    dlo = np.select([lg, product == 1, product == 2, scheme == 1], [.20, .15, .10, 0.0], dlo)
    dhi = np.select([lg, product == 1, product == 2, scheme == 1], [.40, .30, .30, .10], dhi)
    down = np.round(price * (dlo + rng.random(n) * (dhi - dlo)), -1)
    terms = np.array([12, 24, 36, 48, 60])
    tp = np.zeros((n, 5))
    for s in range(1, 8):
        for tm, p in SEGMENTS[s]["term"].items():
            tp[seg == s, list(terms).index(tm)] = p
    tp[seg == 0] = [.10, .20, .30, .25, .15]
    tp[lg] = [0, .30, .40, .30, 0]
    tp[product == 1] = [0, 0, .35, .35, .30]
    tp[product == 2] = [.40, .40, .20, 0, 0]
    term = terms[np.minimum((rng.random(n)[:, None] > np.cumsum(tp, axis=1)).sum(axis=1), 4)]
    # channel the deal came through
    channel = np.empty(n, dtype=object)
    for j, spec in JOURNEYS.items():
        m = journey == j
        names = list(spec["entry"])
        channel[m] = np.array(names, dtype=object)[_choice(rng, names, list(spec["entry"].values()), m.sum())]
    rep = (seq > 0) & (rng.random(n) < 0.5)
    channel[rep] = REPEAT_CHANNEL
    # manager: dealer-journey deals go to the dealer desk (managers 30-39) more often
    mgr = rng.integers(0, 30, n)
    dealer_desk = (journey == 2) & (rng.random(n) < 0.7)
    mgr[dealer_desk] = rng.integers(30, N_MANAGERS, dealer_desk.sum())
    return pd.DataFrame(dict(ci=ci, seq=seq, group=group, seg=seg, journey=journey, created=t,
                             product=product, scheme=scheme, price=price, model=model,
                             down=down, term=term, channel=channel, mgr=mgr))


def _stage_process(rng, d: pd.DataFrame) -> None:
    """Walk each deal through the stages: entries, outcome, lost stage and reason, close time."""
    n = len(d)
    seg, journey = d["seg"].to_numpy(), d["journey"].to_numpy()
    group = d["group"].to_numpy()
    p = MOVE_ON[None, :] + _SEG_ADJ[seg] + _J_ADJ[journey - 1]
    p = np.where((group == LEGAL)[:, None], MOVE_ON[None, :] + [0, .02, .04, -.03, -.02, 0], p)
    p = np.clip(p, 0.05, 0.995)
    passed = rng.random((n, 6)) < p
    skip_pick = (journey == 2) & (rng.random(n) < 0.40)          # dealer already chose the car
    skip_cons = rng.random(n) < 0.01                             # straight to selection
    passed[skip_pick, 2] = True
    passed[skip_cons, 1] = True
    failed = ~passed
    lost_at = np.where(failed.any(axis=1), failed.argmax(axis=1), 6)
    speed = _SEG_SPEED[seg] * _J_SPEED[journey - 1]
    dur = np.exp(np.log(STAGE_MEDIAN_DAYS)[None, :] + np.log(speed)[:, None]
                 + 0.9 * rng.standard_normal((n, 6)))
    dur = np.minimum(dur, 120.0)
    dur[skip_pick, 2] = 0.0
    dur[skip_cons, 1] = 0.0
    entry = d["created"].to_numpy()[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(dur, axis=1)], axis=1)
    k = np.arange(7)[None, :]
    entered = k <= lost_at[:, None]
    entered[skip_pick, 2] = False
    entered[skip_cons, 1] = False
    lost = lost_at < 6
    lost_frac = rng.uniform(0.15, 1.0, n)
    # a lost lead is closed some time after the last contact: managers clean up stale deals
    stale = np.exp(np.log(5.0) + 0.8 * rng.standard_normal(n))
    lost_time = entry[np.arange(n), lost_at] + np.where(
        lost, lost_frac * dur[np.arange(n), np.minimum(lost_at, 5)] + stale, 0)
    close = np.where(lost, lost_time, entry[:, 6])
    is_open = close >= N_DAYS
    entered &= entry < N_DAYS
    current = np.where(entered, k, -1).max(axis=1)
    outcome = np.where(is_open, "open", np.where(lost, "lost", "won"))
    # lost reasons, stage-specific, some segment-specific
    reason = np.full(n, None, dtype=object)
    is_lost = outcome == "lost"
    for st, reasons in LOST_REASONS.items():
        names = list(reasons)
        for s in range(8):
            m = is_lost & (lost_at == st) & (seg == s)
            if not m.any():
                continue
            wts = np.array([reasons[r] * _REASON_SEG.get((st, r), {}).get(s, 1.0) for r in names])
            reason[m] = np.array(names, dtype=object)[_choice(rng, names, wts, m.sum())]
    d["lost_at"] = np.where(is_lost, lost_at, -1)
    d["reached"] = current
    d["outcome"] = outcome
    d["reason"] = reason
    d["close"] = np.where(is_open, np.nan, close)
    d["skip_pick"], d["skip_cons"] = skip_pick, skip_cons
    for j in range(7):
        d[f"e{j}"] = np.where(entered[:, j], entry[:, j], np.nan)
        d[f"x{j}"] = entry[:, j]  # virtual entry times also of skipped/unreached stages


def _number(c: pd.DataFrame, d: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codes follow creation order, as a CRM assigns them."""
    order_c = np.argsort(c["t0"].to_numpy(), kind="stable")
    newpos = np.empty(len(c), dtype=np.int64)
    newpos[order_c] = np.arange(len(c))
    c = c.iloc[order_c].reset_index(drop=True)
    d["ci"] = newpos[d["ci"].to_numpy()]
    d = d.iloc[np.argsort(d["created"].to_numpy(), kind="stable")].reset_index(drop=True)
    c["code"] = [f"К-{i:06d}" for i in range(1, len(c) + 1)]
    c["bx_id"] = np.arange(1001, 1001 + len(c))
    d["code"] = [f"С-{i:07d}" for i in range(1, len(d) + 1)]
    d["bx_id"] = np.arange(5001, 5001 + len(d))
    first = d.groupby("ci")["created"].min()
    c["first_contact"] = first.reindex(range(len(c))).to_numpy()
    won = d[d["outcome"] == "won"].groupby("ci")["close"].min()
    c["contract"] = won.reindex(range(len(c))).to_numpy()
    return c, d


def _people(rng, c: pd.DataFrame, w: World) -> None:
    """Names, phones, e-mails, documents, addresses of the contacts (persons of legal entities too)."""
    n = len(c)
    fem = c["female"].to_numpy()
    sur_i = rng.integers(len(_SURNAMES), size=n)
    first_m = rng.integers(len(_MALE), size=n)
    first_f = rng.integers(len(_FEMALE), size=n)
    patr_i = rng.integers(len(_PATR_BASES), size=n)
    c["sur_i"], c["patr_i"] = sur_i, patr_i
    c["first_i"] = np.where(fem, len(_MALE) + first_f, first_m)
    op = np.array(["29", "33", "44", "25"])[_choice(rng, range(4), [.45, .30, .20, .05], n)]
    num = rng.integers(1_000_000, 10_000_000, n).astype(str)
    ru = rng.random(n) < 0.01
    ru_op = np.array(["916", "925", "903", "977"])[rng.integers(0, 4, n)]
    fmt = _choice(rng, range(7), _PHONE_FMT_P, n)
    c["op"], c["num"], c["ru"], c["ru_op"], c["phone_fmt"] = op, num, ru, ru_op, fmt
    c["phone"] = [f"+7 {ro} {nm[:3]}-{nm[3:5]}-{nm[5:]}" if r else _phone(o, nm, f)
                  for o, nm, r, ro, f in zip(op, num, ru, ru_op, fmt)]
    sur_nom, first_nom, _ = _name_parts(c)
    # e-mail
    has_mail = rng.random(n) < 0.75
    pat = rng.integers(0, 5, n)
    dom = np.array(["gmail.com", "mail.ru", "yandex.by", "tut.by", "yandex.ru"])[
        _choice(rng, range(5), [.35, .30, .15, .15, .05], n)]
    t0_year = (PERIOD_START + pd.to_timedelta(c["t0"].to_numpy(), unit="D")).year.to_numpy()
    birth_year = (t0_year - c["age"].to_numpy()).astype(int)
    c["birth_year_true"] = birth_year
    numtag = rng.integers(1, 99, n)
    mails = []
    for sur, first, p_, yy, nt, dm in zip(sur_nom, first_nom, pat, birth_year, numtag, dom):
        s, f = _translit(sur), _translit(first)
        local = (f"{f}.{s}", f"{s}.{f}{yy % 100:02d}", f"{f[0]}.{s}", f"{s}_{f[0]}{nt}", f"{s}{yy}")[p_]
        mails.append(f"{local}@{dm}")
    c["email"] = np.where(has_mail, np.array(mails, dtype=object), None)
    # birth date
    bd = (PERIOD_START + pd.to_timedelta(c["t0"].to_numpy() - c["age"].to_numpy() * 365.25, unit="D")).normalize()
    c["birth"] = bd
    region = np.array([TOWNS[t] for t in _ALL_TOWNS], dtype=object)[c["town"].to_numpy()]
    c["region"] = region
    series = np.array([_PASSPORT_SERIES[r] for r in region], dtype=object)
    other = rng.random(n) < 0.04
    series[other] = np.array(["PP", "MP", "MC", "KB"], dtype=object)[rng.integers(0, 4, other.sum())]
    c["passport"] = [f"{s}{v:07d}" for s, v in zip(series, rng.integers(1_000_000, 10_000_000, n))]
    serial = rng.integers(1, 1000, n)
    check = rng.integers(0, 10, n)
    century2000 = bd.year.to_numpy() >= 2000
    lead = np.where(century2000, np.where(fem, 6, 5), np.where(fem, 4, 3))
    c["idn"] = [f"{l}{b.day:02d}{b.month:02d}{b.year % 100:02d}{_IDN_REGION[r]}{s:03d}PB{k}"
                for l, b, r, s, k in zip(lead, bd, region, serial, check)]
    street = np.array(_STREETS, dtype=object)[rng.integers(len(_STREETS), size=n)]
    house = rng.integers(1, 160, n)
    flat = rng.integers(1, 300, n)
    no_flat = rng.random(n) < np.where(c["town"].to_numpy() == 0, 0.03, 0.35)
    prosp = (c["town"].to_numpy() == 0) & (rng.random(n) < 0.12)
    town_names = np.array(_ALL_TOWNS, dtype=object)[c["town"].to_numpy()]
    addr = []
    for tn, rg, st, h, fl, nf, pr in zip(town_names, region, street, house, flat, no_flat, prosp):
        st_txt = f"пр-т {'Независимости' if fl % 2 else 'Победителей'}" if pr else f"ул. {st}"
        tail = f"д. {h}" if nf else f"д. {h}, кв. {fl}"
        addr.append(f"г. Минск, {st_txt}, {tail}" if tn == "Минск" else f"{_OBLAST[rg]}, г. {tn}, {st_txt}, {tail}")
    c["address"] = addr
    # legal entities: company name and legal address
    lg = (c["group"] == LEGAL).to_numpy()
    a_i = rng.integers(len(_COMPANY_A), size=n)
    b_i = rng.integers(len(_COMPANY_B), size=n)
    form = rng.integers(len(_COMPANY_FORM), size=n)
    b_i = np.where(np.array([_COMPANY_A[a].lower() == _COMPANY_B[b].lower() for a, b in zip(a_i, b_i)]),
                   (b_i + 1) % len(_COMPANY_B), b_i)
    tail = rng.integers(0, 6, n)
    comp = [f"{_COMPANY_FORM[f]} «{_COMPANY_A[a]}{_COMPANY_B[b].lower() if t == 0 else _COMPANY_B[b]}"
            f"{['', '-М', ' Плюс', '-2000', 'Групп', ''][t]}»" for f, a, b, t in zip(form, a_i, b_i, tail)]
    c["company"] = np.where(lg, np.array(comp, dtype=object), None)
    office = rng.integers(1, 500, n)
    c.loc[lg, "address"] = [a.rsplit(", кв.", 1)[0] + f", пом. {o}" for a, o in zip(c.loc[lg, "address"], office[lg])]
    inner = [x.split("«", 1)[1].rstrip("»") for x in comp]
    corp_mail = [f"{['info', 'office', 'buh', 'zakupki'][o % 4]}@{re.sub(r'[^a-z0-9]', '', _translit(x))[:14]}.by"
                 for x, o in zip(inner, office)]
    mails = c["email"].to_numpy(dtype=object).copy()
    corp = lg & (rng.random(n) < 0.5)
    mails[corp] = np.array(corp_mail, dtype=object)[corp]
    c["email"] = mails


_FIRST = _MALE + _FEMALE
_CASES = ("nom", "gen", "dat", "ins")


def _form_tables() -> dict[str, dict[str, np.ndarray]]:
    """Case forms of surnames [surname, female], first names [index] and patronymics [base, female]."""
    sur = np.empty((4, len(_SURNAMES), 2), dtype=object)
    for i, x in enumerate(_SURNAMES):
        fx = _feminine_surname(x)
        sur[:, i, 0] = (x,) + _surname_cases(x, False)
        sur[:, i, 1] = (fx,) + _surname_cases(fx, True)
    first = np.empty((4, len(_FIRST)), dtype=object)
    for i, x in enumerate(_FIRST):
        first[:, i] = (x,) + _first_cases(x)
    patr = np.empty((4, len(_PATR_BASES), 2), dtype=object)
    for i, b in enumerate(_PATR_BASES):
        pm, pf = _PATRONYMIC[b]
        patr[:, i, 0] = (pm,) + _patronymic_cases(pm)
        patr[:, i, 1] = (pf,) + _patronymic_cases(pf)
    return {case: dict(sur=sur[k], first=first[k], patr=patr[k]) for k, case in enumerate(_CASES)}


_FORMS = _form_tables()


def _name_parts(c: pd.DataFrame, case: str = "nom") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surname, first name and patronymic of each contact in a grammatical case (object arrays)."""
    f = c["female"].to_numpy().astype(int)
    t = _FORMS[case]
    return (t["sur"][c["sur_i"].to_numpy(), f], t["first"][c["first_i"].to_numpy()],
            t["patr"][c["patr_i"].to_numpy(), f])


def _full_name(c: pd.DataFrame) -> np.ndarray:
    sur, first, patr = _name_parts(c)
    return np.array([f"{a} {b} {p}" for a, b, p in zip(sur, first, patr)], dtype=object)


def _stage_events(rng, d: pd.DataFrame, w: World) -> pd.DataFrame:
    """Stage history rows with planted returns, skips, ties, out-of-order and unknown rows."""
    n = len(d)
    E = d[[f"e{j}" for j in range(7)]].to_numpy()
    di, st = np.nonzero(~np.isnan(E))
    t = E[di, st]
    close = d["close"].to_numpy()
    horizon = np.where(np.isnan(close), N_DAYS - 1e-4, close)
    rows = [pd.DataFrame(dict(di=di.astype(np.int32), st=st.astype(np.int8), t=t))]
    # returns: back to «Сбор документов» from «Проверка и одобрение», and to «Подбор» from «Сбор»
    for frm, back, share in [(4, 3, 0.012), (3, 2, 0.006)]:
        ok = ~np.isnan(E[:, frm]) & ~np.isnan(E[:, back])
        pick = np.flatnonzero(ok & (rng.random(n) < share))
        nxt = np.where(~np.isnan(E[pick, frm + 1]), E[pick, frm + 1], horizon[pick])
        span = nxt - E[pick, frm]
        rows.append(pd.DataFrame(dict(di=pick.astype(np.int32), st=np.int8(back), t=E[pick, frm] + 0.35 * span)))
        rows.append(pd.DataFrame(dict(di=pick.astype(np.int32), st=np.int8(frm), t=E[pick, frm] + 0.70 * span)))
    s = pd.concat(rows, ignore_index=True).sort_values(["di", "t"], kind="stable").reset_index(drop=True)
    # no stage events at all for ~0.3% of deals
    no_events = rng.random(n) < 0.003
    s = s[~no_events[s["di"].to_numpy()]].reset_index(drop=True)
    m = _virtual_minutes(s["t"].to_numpy())
    same_deal_prev = np.r_[False, s["di"].to_numpy()[1:] == s["di"].to_numpy()[:-1]]
    # ties: a row gets the previous row's timestamp
    cand = np.flatnonzero(same_deal_prev)
    u = rng.random(len(s))
    tie = np.zeros(len(s), dtype=bool)
    tie[cand] = u[cand] < 0.004
    m[tie] = m[np.flatnonzero(tie) - 1]
    # out of order: earlier than the previous row (not next to a tie)
    ooo = np.zeros(len(s), dtype=bool)
    ooo[cand] = (u[cand] > 0.004) & (u[cand] < 0.0062)
    ooo &= ~np.r_[tie[1:], False] & ~np.r_[False, tie[:-1]]
    shift = (rng.uniform(0.05, 3.0, len(s)) * 1440).astype(np.int64) + 1
    m[ooo] = m[np.flatnonzero(ooo) - 1] - shift[ooo]
    m = np.maximum(m, 0)
    s["m"] = m
    s["sc"] = s["st"].to_numpy().astype(np.int8)  # code into STAGES + UNKNOWN_STAGES
    # unknown stage names (~0.1% of rows), inserted inside the deal's life
    k = int(round(len(s) * 0.001))
    at = np.sort(rng.choice(np.flatnonzero(same_deal_prev), size=k, replace=False))
    unk = pd.DataFrame(dict(di=s["di"].to_numpy()[at], st=np.int8(-1), t=np.nan,
                            m=s["m"].to_numpy()[at] + rng.integers(1, 600, k),
                            sc=(len(STAGES) + rng.integers(0, len(UNKNOWN_STAGES), k)).astype(np.int8)))
    s["pos"] = np.arange(len(s), dtype=float)
    unk["pos"] = at + 0.5
    s = pd.concat([s, unk], ignore_index=True).sort_values("pos", kind="stable").reset_index(drop=True)
    # who changed the stage
    # who changed the stage: code into managers + ["Система", "Администратор"]
    who = d["mgr"].to_numpy()[s["di"].to_numpy()].astype(np.int16)
    system = (s["st"].to_numpy() == 0) & (d["journey"].to_numpy()[s["di"].to_numpy()] == 1)
    who[system] = N_MANAGERS
    who[s["st"].to_numpy() == -1] = N_MANAGERS + 1
    s["who"] = who
    s = s.drop(columns=["t", "pos"])
    w.anomalies = _count_anomalies(s, n, no_events)
    w.anomalies["planted_skips_selection"] = int((d["skip_pick"] & ~d["e3"].isna()).sum())
    return s


def _count_anomalies(s: pd.DataFrame, n_deals: int, no_events: np.ndarray) -> dict:
    """Anomalies counted from the written rows (minute timestamps, file order)."""
    known = s[s["st"] >= 0]
    di, st, m = known["di"].to_numpy(), known["st"].to_numpy(), known["m"].to_numpy()
    same = np.r_[False, di[1:] == di[:-1]]
    runmax = known.groupby("di")["st"].cummax().to_numpy()
    prevmax = np.r_[-1, runmax[:-1]]
    ret = same & (st < prevmax)
    returns = int(pd.unique(di[ret]).size)
    g = known.groupby("di")["st"]
    mx, nun = g.max(), g.nunique()
    skips = int((nun < mx + 1).sum())
    prev_m = np.r_[-1, m[:-1]]
    ties = int(pd.unique(di[same & (m == prev_m)]).size)
    out_of_order = int((same & (m < prev_m)).sum())
    with_rows = s["di"].nunique()
    return dict(returns=returns, skips=skips, ties=ties, out_of_order=out_of_order,
                unknown_stage_rows=int((s["st"] < 0).sum()), deals_without_events=int(n_deals - with_rows))


def _activities(rng, d: pd.DataFrame, c: pd.DataFrame, w: World) -> pd.DataFrame:
    n = len(d)
    seg, journey = d["seg"].to_numpy(), d["journey"].to_numpy()
    E = d[[f"e{j}" for j in range(7)]].to_numpy()
    X = d[[f"x{j}" for j in range(7)]].to_numpy()
    entered = ~np.isnan(E)
    close = d["close"].to_numpy()
    end_last = np.where(np.isnan(close), N_DAYS - 1e-4, close)
    # stage k lasts until the next stage's virtual entry; the last entered stage until close/export
    nxt = np.concatenate([X[:, 1:], np.full((n, 1), np.inf)], axis=1)
    last = np.where(entered, np.arange(7)[None, :], -1).max(axis=1)
    won = d["outcome"].to_numpy() == "won"
    stage_end = np.minimum(nxt, end_last[:, None])
    stage_end[np.arange(n), np.maximum(last, 0)] = np.where(won, X[:, 6] + rng.uniform(0.5, 3, n), end_last)
    stage_end = np.minimum(stage_end, N_DAYS - 1e-4)
    mult = _SEG_TOUCH[seg] * np.where(d["group"].to_numpy() == LEGAL, 0.8, 1.0)
    lam = TOUCH_LAMBDA[None, :] * mult[:, None] * np.where(journey == 2, 0.9, 1.0)[:, None]
    cnt = rng.poisson(lam) * entered
    cnt[:, 0] = np.where(entered[:, 0] & (rng.random(n) < 0.97), np.maximum(cnt[:, 0], 1), cnt[:, 0])
    flat = cnt.ravel()
    pair = np.repeat(np.arange(n * 7), flat)
    ai, ast = pair // 7, pair % 7
    start = np.where(entered, E, 0.0)[ai, ast]
    span = np.maximum(stage_end[ai, ast] - start, 0.0)
    t = start + rng.random(len(ai)) * span
    # the first activity of a deal opens it, minutes after creation, through its entry channel
    first = np.r_[True, ai[1:] != ai[:-1]] & (ast == 0)
    t[first] = start[first] + rng.uniform(0.0, 0.02, first.sum())
    # channels: journey x stage x segment online propensity
    ch = np.empty(len(ai), dtype=np.int64)
    jj, ss = journey[ai], seg[ai]
    key = (jj - 1) * 56 + ast * 8 + ss
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(key[order]) != 0, True])
    for b0, b1 in zip(bounds[:-1], bounds[1:]):
        idx = order[b0:b1]
        k0 = key[idx[0]]
        j, stg, sg = k0 // 56, (k0 % 56) // 8, k0 % 8
        base = _CH_SIGN[j] if stg == 5 else _CH_HANDOVER[j] if stg == 6 else _CH_PRE[j].copy()
        wts = np.where(ONLINE, base * _SEG_ONLINE[sg], base)
        if stg == 3:
            wts = wts * np.where(np.isin(np.arange(8), [1, 7]), 2.0, 1.0)
        ch[idx] = _choice(rng, CHANNELS, wts, len(idx))
    entry_ch = d["channel"].to_numpy()[ai[first]]
    jf = jj[first]
    ch_first = np.select([jf == 2, entry_ch == "Сайт", entry_ch == "Агрегатор", entry_ch == "Реклама в соцсетях",
                          entry_ch == "Офис"], [5, 6, 0, 2, 4], 0)
    ch[first] = ch_first
    typ = TYPE_OF_CHANNEL[ch]
    p_in = np.array([.40, .30, .60, .60, .85, .85, .90, .70])[ch]
    inbound = rng.random(len(ai)) < p_in
    inbound[first] = True
    mgr = d["mgr"].to_numpy()[ai].copy()
    other = rng.random(len(ai)) < 0.15
    mgr[other] = rng.integers(0, N_MANAGERS, other.sum())
    order = np.lexsort((ai, t))  # by time, then deal
    a = pd.DataFrame(dict(di=ai[order].astype(np.int32), st=ast[order].astype(np.int8),
                          m=_virtual_minutes(t[order]), ch=ch[order].astype(np.int8),
                          typ=typ[order].astype(np.int8), dir=np.where(inbound[order], 0, 1).astype(np.int8),
                          mgr=mgr[order].astype(np.int16)))
    a["ci"] = d["ci"].to_numpy()[a["di"].to_numpy()].astype(np.int32)
    return a


# ----------------------------------------------------------------------------- free text
#: Plain (no personal data) activity descriptions by activity type (index into ACTIVITY_TYPES).
_ACT_PLAIN = {
    0: ["Не берёт трубку", "Клиент думает, перезвонить через неделю", "Уточнить подтверждение дохода",
        "Клиент просит снизить аванс", "Консультация по условиям, клиент сравнивает с другими компаниями",
        "Клиент спрашивает про досрочное погашение", "Заявка с сайта, перезвонил",
        "Клиент уточняет, можно ли без первого взноса", "Перенос встречи на завтра",
        "Обсудили срок лизинга и КАСКО", "Напомнил о недостающих документах", "Клиент недоволен долгим ответом"],
    1: ["Отправлен расчёт графика платежей", "Выслан список документов", "Повторно выслал расчёт",
        "Документы получены не полностью, нет справки о доходах", "Клиент просит расчёт на другой автомобиль"],
    2: ["Отправили ссылку на личный кабинет", "Клиент просит расчёт на другой автомобиль", "Ждём решения СБ",
        "Клиент уточняет, можно ли без первого взноса", "Назначена встреча в офисе", "Заявка с сайта",
        "Клиент недоволен долгим ответом", "Напомнил о недостающих документах"],
    3: ["Договор подписан, ждём оплату аванса", "Обсудили срок лизинга и КАСКО", "Клиент принёс документы",
        "Согласовали дату выдачи авто", "Консультация в офисе, клиент сравнивает с другими компаниями",
        "Подписание договора"],
    4: ["Клиент приехал в автосалон, тест-драйв", "Автосалон подтвердил наличие авто", "Осмотр авто в автосалоне",
        "Выдача авто в автосалоне", "Клиент выбрал комплектацию"],
}
#: Templates with personal data (see _Text.activity) that fit each activity type.
_ACT_PII_TPL = {0: [0, 1, 4, 8, 9, 10], 1: [2, 10, 5], 2: [4, 5, 9, 2], 3: [3, 6, 10, 5], 4: [7, 5, 1]}
_DEAL_PLAIN = [
    "Клиент хочет авто до конца месяца", "Рассматривает также кредит в банке",
    "Нужен расчёт на 36 и 60 мес.", "Пришёл по рекомендации знакомого", "Интересует КАСКО в лизинг",
    "Просит рассрочку аванса", "Сравнивает с предложением банка", "Срочно, машина нужна для работы",
    "Постоянно переносит встречи", "Хочет авто в наличии, не под заказ",
]
_LOST_PLAIN = [
    "Клиент выбрал кредит в банке", "Не устроил аванс 30%", "Отказ СБ без пояснений",
    "Не отвечает на звонки третью неделю", "Нашёл авто дешевле у частника",
    "Платёж выше ожидаемого", "Не смог собрать справки", "Передумал покупать в этом году",
    "Ушёл в другую лизинговую компанию, там аванс ниже", "Дубль, заявка уже в работе",
]
_NOTE_PLAIN = [
    "VIP", "Постоянный клиент", "Предпочитает связь в мессенджерах", "Звонить после 17:00",
    "Не звонить в выходные", "Просил присылать документы на почту", "Клиент партнёра",
    "Конфликтный, общаться вежливо", "Интересуется trade-in",
]


class _Text:
    """Builds free-text cells with a contact's personal data; records every planted value."""

    def __init__(self, c: pd.DataFrame, w: World, rng):
        self.cols = {k: c[k].to_numpy(dtype=object) for k in ("op", "num", "email", "passport", "idn")}
        self.cols["female"] = c["female"].to_numpy()
        for case in _CASES:
            sur, first, patr = _name_parts(c, case)
            self.cols[f"sur_{case}"], self.cols[f"first_{case}"], self.cols[f"patr_{case}"] = sur, first, patr
        self.cols["email"] = np.array([x if isinstance(x, str) else None for x in self.cols["email"]], dtype=object)
        self.legal = (c["group"] == LEGAL).tolist()
        self.mfem = w.manager_female.tolist()
        self.pii = w.pii
        self.rng = rng

    def _ph(self, i: int, fmt: int) -> str:
        v = _phone(self.cols["op"][i], self.cols["num"][i], fmt)
        self.pii.add(v)
        return v

    def _v(self, key: str, i: int) -> str:
        v = self.cols[key][i]
        self.pii.add(v)
        return v

    def _fio(self, i: int, case: str) -> str:
        v = f"{self.cols['sur_' + case][i]} {self.cols['first_' + case][i]} {self.cols['patr_' + case][i]}"
        self.pii.add(v)
        return v

    def _np(self, i: int, case: str) -> str:
        v = f"{self.cols['first_' + case][i]} {self.cols['patr_' + case][i]}"
        self.pii.add(v)
        return v

    def activity(self, i: int, mgr: int, tpl: int, fmt: int) -> str:
        fe = self.cols["female"][i]
        mf = self.mfem[mgr]
        a = "а" if mf else ""
        mail = self.cols["email"][i]
        has_doc = not self.legal[i]
        if tpl == 0:
            return f"Позвонил{a} {self._fio(i, 'dat')}, {'уточнила' if fe else 'уточнил'} аванс, перезвонить на {self._ph(i, fmt)}"
        if tpl == 1:
            return f"Клиент {self._fio(i, 'nom')} просит перезвонить после 18:00, тел. {self._ph(i, fmt)}"
        if tpl == 2 and mail:
            return f"Отправил{a} расчёт на {self._v('email', i)}"
        if tpl == 3 and has_doc:
            return f"Встреча с {self._v('sur_ins', i)} в офисе, {'принесла' if fe else 'принёс'} паспорт {self._v('passport', i)}"
        if tpl == 4:
            return f"Не {'дозвонилась' if mf else 'дозвонился'} до {self._np(i, 'gen')}, написал{a} в Viber на {self._ph(i, fmt)}"
        if tpl == 5:
            return f"{self._np(i, 'nom')} интересуется условиями, просит скидку на КАСКО"
        if tpl == 6 and has_doc:
            return f"Паспорт {self._v('passport', i)}, личный номер {self._v('idn', i)}, данные сверены"
        if tpl == 7:
            return f"{'Договорилась' if mf else 'Договорился'} с {self._v('sur_ins', i)} о визите в автосалон в субботу"
        if tpl == 8:
            return f"Перезвонить {self._np(i, 'dat')} в понедельник"
        if tpl == 9:
            return f"Новый номер клиента: {self._ph(i, fmt)}, старый не актуален"
        return f"Документы {self._fio(i, 'gen')} переданы в СБ"

    def deal(self, i: int, tpl: int, fmt: int, other: str, other_phone: str) -> str:
        if tpl == 0:
            return f"Клиент {self._fio(i, 'nom')}, связь только через Viber {self._ph(i, fmt)}"
        if tpl == 1:
            self.pii.add(other)
            return f"Поручитель: {other}"
        if tpl == 2:
            return f"Созвонились с {self._np(i, 'ins')}, ждёт расчёт"
        if tpl == 3 and self.cols["email"][i]:
            return f"Все документы присылать на {self._v('email', i)}"
        return f"{self._v('sur_nom', i)} просит не звонить на работу, только на {self._ph(i, fmt)}"

    def lost(self, i: int, tpl: int, fmt: int) -> str:
        fe = self.cols["female"][i]
        if tpl == 0:
            return f"{self._fio(i, 'nom')} {'купила' if fe else 'купил'} авто в другой компании, тел. {self._ph(i, fmt)}"
        if tpl == 1:
            return f"Отказ СБ по {self._fio(i, 'dat')}: просрочки в кредитной истории"
        if tpl == 2:
            return f"Больше не звонить {self._np(i, 'dat')}, {'просила' if fe else 'просил'} удалить номер {self._ph(i, fmt)}"
        return f"Разговаривал с {self._v('sur_ins', i)}, решили отложить покупку"

    def note(self, i: int, tpl: int, fmt: int, other: str, other_phone: str) -> str:
        if tpl == 0:
            self.pii.update([other, other_phone])
            return f"{'Муж' if self.cols['female'][i] else 'Супруга'}: {other}, {other_phone}"
        if tpl == 1:
            return f"Доп. телефон {self._ph(i, fmt)}"
        if tpl == 2 and not self.legal[i]:
            return f"Личный номер {self._v('idn', i)}"
        if tpl == 3:
            self.pii.add(other)
            return f"Контактное лицо по доверенности: {other}"
        return f"Для {self._np(i, 'gen')} важен быстрый ответ"


def _other_people(rng, k: int) -> tuple[list, list]:
    """Names and phones of people who are not contacts (spouses, guarantors)."""
    fem = rng.random(k) < 0.5
    si, fm, ff, pi = (rng.integers(len(_SURNAMES), size=k), rng.integers(len(_MALE), size=k),
                      rng.integers(len(_FEMALE), size=k), rng.integers(len(_PATR_BASES), size=k))
    op = np.array(["29", "33", "44"])[rng.integers(0, 3, k)]
    num = rng.integers(1_000_000, 10_000_000, k).astype(str)
    fmt = rng.integers(0, 7, k)
    names = [f"{_feminine_surname(_SURNAMES[s]) if f else _SURNAMES[s]} {_FEMALE[b] if f else _MALE[a]} "
             f"{_PATRONYMIC[_PATR_BASES[p]][int(f)]}" for s, a, b, p, f in zip(si, fm, ff, pi, fem)]
    phones = [_phone(o, nm, f) for o, nm, f in zip(op, num, fmt)]
    return names, phones


def _texts(rng, n: int, share: float, n_pii_tpl: int, plain: list):
    """Which cells get text, which of those carry personal data, template and phone format."""
    has = rng.random(n) < share
    pii = has & (rng.random(n) < 1 / 3)
    tpl = rng.integers(0, n_pii_tpl, n)
    plain_i = rng.integers(0, len(plain), n)
    fmt = rng.integers(0, 7, n)
    return has, pii, tpl, plain_i, fmt


def _free_text(rng, c: pd.DataFrame, d: pd.DataFrame, w: World) -> None:
    tx = _Text(c, w, rng)
    # activities
    a = w.a
    has, pii, tpl, pl, fmt = _texts(rng, len(a), 0.30, 60, [None] * 60)
    ci, mg, typ = a["ci"].to_numpy(), a["mgr"].to_numpy(), a["typ"].to_numpy()
    out = np.full(len(a), None, dtype=object)
    for r in np.flatnonzero(has):
        t = int(typ[r])
        if pii[r]:
            allowed = _ACT_PII_TPL[t]
            out[r] = tx.activity(int(ci[r]), int(mg[r]), allowed[tpl[r] % len(allowed)], int(fmt[r]))
        else:
            plain = _ACT_PLAIN[t]
            out[r] = plain[pl[r] % len(plain)]
    a["text"] = out
    # deals
    has, pii, tpl, pl, fmt = _texts(rng, len(d), 0.40, 5, _DEAL_PLAIN)
    others, ophones = _other_people(rng, len(d))
    ci = d["ci"].to_numpy()
    out = np.full(len(d), None, dtype=object)
    for r in np.flatnonzero(has):
        out[r] = tx.deal(int(ci[r]), int(tpl[r]), int(fmt[r]), others[r], ophones[r]) if pii[r] else _DEAL_PLAIN[pl[r]]
    d["comment"] = out
    # lost-reason comments
    has, pii, tpl, pl, fmt = _texts(rng, len(d), 0.60, 4, _LOST_PLAIN)
    lost = d["outcome"].to_numpy() == "lost"
    out = np.full(len(d), None, dtype=object)
    for r in np.flatnonzero(has & lost):
        out[r] = tx.lost(int(ci[r]), int(tpl[r]), int(fmt[r])) if pii[r] else _LOST_PLAIN[pl[r]]
    d["lost_comment"] = out
    # client notes
    has, pii, tpl, pl, fmt = _texts(rng, len(c), 0.25, 5, _NOTE_PLAIN)
    others, ophones = _other_people(rng, len(c))
    out = np.full(len(c), None, dtype=object)
    for r in np.flatnonzero(has):
        out[r] = tx.note(r, int(tpl[r]), int(fmt[r]), others[r], ophones[r]) if pii[r] else _NOTE_PLAIN[pl[r]]
    c["note"] = out


# ----------------------------------------------------------------------------- mess
def _mess(rng, c: pd.DataFrame, d: pd.DataFrame, w: World) -> None:
    """Spelling variants, blanks, invalid values and duplicate rows (counted in truth)."""
    n_c, n_d = len(c), len(d)
    town_canon = np.array(_ALL_TOWNS, dtype=object)[c["town"].to_numpy()]
    raw_town = town_canon.copy()
    variant = rng.random(n_c) < 0.40
    pick = rng.random(n_c)
    for canon, vars_ in _TOWN_VARIANTS.items():
        m = variant & (town_canon == canon)
        raw_town[m] = np.array(vars_, dtype=object)[(pick[m] * len(vars_)).astype(int)]
    c["town_raw"] = raw_town
    w.towns = {v: normalize_town(v) for v in sorted(set(raw_town))}
    lg = (c["group"] == LEGAL).to_numpy()
    ind = ~lg
    c["phone_blank"] = rng.random(n_c) < 0.05
    c["birth_blank"] = ind & (rng.random(n_c) < 0.03)
    c["gender_blank"] = ind & (rng.random(n_c) < 0.04)
    bad = ind & ~c["birth_blank"].to_numpy() & (rng.random(n_c) < 0.003)
    c["birth_invalid"] = np.where(bad, np.where(rng.random(n_c) < 0.5, 1, 2), 0)  # 1: 31.02.yyyy, 2: 00.00.0000
    c["type_short"] = rng.random(n_c) < 0.05
    c["name_upper"] = ind & (rng.random(n_c) < 0.01)
    # documents are collected at «Сбор документов»: passport and address only for those who got there
    reached_docs = d.groupby("ci")["reached"].max().reindex(range(n_c)).to_numpy() >= 3
    has_doc = ind & (reached_docs | (rng.random(n_c) < 0.10))
    c["has_doc"] = has_doc
    c["has_addr"] = lg | has_doc | (rng.random(n_c) < 0.3)
    d["price_blank"] = rng.random(n_d) < 0.01
    d["down_blank"] = rng.random(n_d) < 0.01
    d["term_suffix"] = rng.random(n_d) < 0.02
    d["nbsp"] = rng.random(n_d) < 0.6
    d["reason_blank"] = (d["outcome"].to_numpy() == "lost") & (rng.random(n_d) < 0.01)
    w.dups = {"clients": _dup_rows(rng, n_c, 0.02), "deals": _dup_rows(rng, n_d, 0.02),
              "stages": _dup_rows(rng, len(w.s), 0.02), "activities": _dup_rows(rng, len(w.a), 0.02)}
    # partial duplicates: same code, some fields blank; the original row stays the most complete
    cand = np.setdiff1d(np.arange(n_c), w.dups["clients"])
    w.partial_dup = np.sort(rng.choice(cand, size=int(round(n_c * 0.005)), replace=False))
    w.partial_blank = rng.random((len(w.partial_dup), 6)) < 0.5  # phone, email, address, passport, note, birth
    w.partial_first = rng.random(len(w.partial_dup)) < 0.5       # the blanker row comes first
    w.invalid = dict(
        birth_date_invalid=int((c["birth_invalid"] > 0).sum()),
        birth_date_blank=int(c["birth_blank"].sum()),
        phone_blank=int(c["phone_blank"].sum()),
        gender_blank=int(c["gender_blank"].sum()),
        client_type_short=int(c["type_short"].sum()),
        name_upper_case=int(c["name_upper"].sum()),
        amount_blank=int(d["price_blank"].sum()),
        down_payment_blank=int(d["down_blank"].sum()),
        term_with_suffix=int(d["term_suffix"].sum()),
        lost_reason_blank=int(d["reason_blank"].sum()),
    )


def _post_deal_nps(rng, d: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    won = np.flatnonzero(d["outcome"].to_numpy() == "won")
    asked = won[rng.random(len(won)) < 0.60]
    when = d["close"].to_numpy()[asked] + 7 + rng.uniform(0, 3, len(asked))
    asked, when = asked[when < N_DAYS], when[when < N_DAYS]
    p = np.array([.005, .005, .01, .01, .015, .025, .035, .07, .14, .23, .45])
    score = rng.choice(11, size=len(asked), p=p / p.sum())
    return pd.DataFrame(dict(di=asked, m=_virtual_minutes(when), score=score))


# ----------------------------------------------------------------------------- writers
def _client_rows(w: World) -> pd.DataFrame:
    """Clients table in the native layout (one row per contact), before duplicates."""
    c = w.c
    lg = (c["group"] == LEGAL).to_numpy()
    fio = _full_name(c)
    up = c["name_upper"].to_numpy()
    fio_written = fio.copy()
    fio_written[up] = [x.upper() for x in fio[up]]
    typ = np.where(lg, np.where(c["type_short"], "ЮЛ", "Юридическое лицо"),
                   np.where(c["type_short"], "ФЛ", "Физическое лицо"))
    gender = np.where(c["female"], "Ж", "М").astype(object)
    gender[c["gender_blank"].to_numpy() | lg] = None
    birth = c["birth"].dt.strftime("%d.%m.%Y").to_numpy(dtype=object)
    inv = c["birth_invalid"].to_numpy()
    yr = c["birth"].dt.year.to_numpy()
    birth[inv == 1] = [f"31.02.{y}" for y in yr[inv == 1]]
    birth[inv == 2] = "00.00.0000"
    birth[c["birth_blank"].to_numpy() | lg] = None
    phone = c["phone"].to_numpy(dtype=object).copy()
    phone[c["phone_blank"].to_numpy()] = None
    has_doc = c["has_doc"].to_numpy()
    first = _virtual_minutes(c["first_contact"].to_numpy()) // 1440
    return pd.DataFrame({
        "Код клиента": c["code"], "Тип клиента": typ,
        "ФИО / Наименование": np.where(lg, c["company"], fio_written),
        "Контактное лицо": np.where(lg, fio, None), "Пол": gender, "Дата рождения": birth,
        "Телефон": phone, "E-mail": c["email"],
        "Паспорт": np.where(has_doc, c["passport"], None),
        "Личный номер": np.where(has_doc, c["idn"], None),
        "Адрес регистрации": np.where(c["has_addr"], c["address"], None),
        "Город": c["town_raw"], "_first_day": first,
        "Источник": w.d.groupby("ci")["channel"].first().reindex(range(len(c))).to_numpy(),
        "Менеджер": np.array(w.managers, dtype=object)[w.d.groupby("ci")["mgr"].first().reindex(range(len(c))).to_numpy()],
        "Примечание": c["note"],
    })


_PARTIAL_COLS = ["Телефон", "E-mail", "Адрес регистрации", "Паспорт", "Примечание", "Дата рождения"]


def _with_partial_dups(t: pd.DataFrame, w: World, cols: list[str], town_col: str) -> pd.DataFrame:
    """Insert exact duplicates and same-code rows with some fields (and always the town) blank."""
    order = _with_dups(len(t), w.dups["clients"])
    out = t.iloc[order].reset_index(drop=True)
    part = t.iloc[w.partial_dup].copy()
    for k, col in enumerate(cols):
        part.loc[part.index[w.partial_blank[:, k]], col] = None
    part[town_col] = None
    # place each partial duplicate just before or after its original's (first) row
    pos_orig = np.searchsorted(order, w.partial_dup)
    out["_pos"] = np.arange(len(out), dtype=float)
    part["_pos"] = pos_orig + np.where(w.partial_first, -0.5, 0.5)
    return pd.concat([out, part]).sort_values("_pos", kind="stable").drop(columns="_pos").reset_index(drop=True)


def _deal_rows(w: World) -> pd.DataFrame:
    d = w.d
    won, lost = d["outcome"].to_numpy() == "won", d["outcome"].to_numpy() == "lost"
    status = np.where(won, "Успешно", np.where(lost, "Отказ", "В работе"))
    stage = np.array(STAGES, dtype=object)[d["reached"].to_numpy()]
    created = _virtual_minutes(d["created"].to_numpy())
    close = d["close"].to_numpy()
    closed = _virtual_minutes(np.nan_to_num(close, nan=0.0))
    nb = d["nbsp"].to_numpy()
    price = np.array([_money_nbsp(v) if b else _money_plain_comma(v) for v, b in zip(d["price"], nb)], dtype=object)
    down = np.array([_money_nbsp(v) if b else _money_plain_comma(v) for v, b in zip(d["down"], nb)], dtype=object)
    price[d["price_blank"].to_numpy()] = None
    down[d["down_blank"].to_numpy()] = None
    term = d["term"].astype(str).to_numpy(dtype=object)
    ts = d["term_suffix"].to_numpy()
    term[ts] = [f"{x} мес." for x in term[ts]]
    return pd.DataFrame({
        "Номер сделки": d["code"], "Код клиента": w.c["code"].to_numpy()[d["ci"].to_numpy()],
        "Дата создания": _fmt_minutes(created, "%d.%m.%Y"),
        "Дата закрытия": _fmt_minutes(closed, "%d.%m.%Y", missing=np.isnan(close)),
        "Текущая стадия": stage, "Статус": status,
        "Предмет лизинга": np.array(PRODUCTS, dtype=object)[d["product"].to_numpy()],
        "Марка, модель": d["model"], "Схема": np.array(SCHEMES, dtype=object)[d["scheme"].to_numpy()],
        "Стоимость, BYN": price, "Аванс, BYN": down, "Срок, мес.": term, "Канал": d["channel"],
        "Менеджер": np.array(w.managers, dtype=object)[d["mgr"].to_numpy()],
        "Комментарий менеджера": d["comment"],
    })


def _write_csv(df: pd.DataFrame, path: Path, bitrix: bool = False) -> None:
    if bitrix:
        df.to_csv(path, sep=",", encoding="utf-8-sig", index=False, quoting=csv.QUOTE_ALL, lineterminator="\n")
    else:
        df.to_csv(path, sep=";", encoding="cp1251", index=False, lineterminator="\r\n")


def _write_table(df: pd.DataFrame, raw: Path, stem: str, xlsx: bool, sheet: str, date_cols=()) -> str:
    if xlsx:
        name = f"{stem}.xlsx"
        write_xlsx_deterministic(df, raw / name, sheet, date_cols, creator=COMPANY)
    else:
        name = f"{stem}.csv"
        out = df.copy()
        for col in date_cols:
            out[col] = pd.to_datetime(out[col]).dt.strftime("%d.%m.%Y")
        _write_csv(out, raw / name)
    return name


def _day_dates(days: np.ndarray) -> list:
    return list((PERIOD_START + pd.to_timedelta(days, unit="D")).to_pydatetime())


def _write_native(w: World, raw: Path, xlsx: bool, progress) -> tuple[dict, dict]:
    rows, dups = {}, {}
    t = _client_rows(w)
    t = _with_partial_dups(t, w, _PARTIAL_COLS, "Город")
    t["Дата первого обращения"] = _day_dates(t.pop("_first_day").to_numpy())
    t = t[[*t.columns[:12], "Дата первого обращения", *t.columns[12:-1]]]
    name = _write_table(t, raw, "crm_clients", xlsx, "Контрагенты", ("Дата первого обращения",))
    rows[name], dups[name] = len(t), len(w.dups["clients"]) + len(w.partial_dup)
    progress.update()
    deals = _deal_rows(w)
    deals = deals.iloc[_with_dups(len(deals), w.dups["deals"])]
    _write_csv(deals, raw / "crm_deals.csv")
    rows["crm_deals.csv"], dups["crm_deals.csv"] = len(deals), len(w.dups["deals"])
    progress.update()
    s = w.s.iloc[_with_dups(len(w.s), w.dups["stages"])]
    codes, who = w.d["code"].to_numpy(), w.managers + ["Система", "Администратор"]

    def stage_chunk(part):
        return pd.DataFrame({"Номер сделки": codes[part["di"].to_numpy()],
                             "Стадия": pd.Categorical.from_codes(part["sc"].to_numpy(), STAGES + UNKNOWN_STAGES),
                             "Дата перехода": _fmt_minutes(part["m"].to_numpy(), "%d.%m.%Y %H:%M"),
                             "Кто изменил": pd.Categorical.from_codes(part["who"].to_numpy(), who)})

    _write_chunked(s, stage_chunk, raw / "crm_deal_stages.csv", bitrix=False)
    rows["crm_deal_stages.csv"], dups["crm_deal_stages.csv"] = len(s), len(w.dups["stages"])
    progress.update()
    n = _write_activities(w, raw / "crm_activities.csv", bitrix=False)
    rows["crm_activities.csv"], dups["crm_activities.csv"] = n, len(w.dups["activities"])
    progress.update()
    d = w.d
    lost = d[d["outcome"] == "lost"]
    reason = lost["reason"].to_numpy(dtype=object).copy()
    reason[lost["reason_blank"].to_numpy()] = None
    lr = pd.DataFrame({"Номер сделки": lost["code"], "Стадия отказа": np.array(STAGES, dtype=object)[lost["lost_at"].to_numpy()],
                       "Причина отказа": reason, "Комментарий": lost["lost_comment"]})
    name = _write_table(lr, raw, "crm_lost_reasons", xlsx, "Отказы")
    rows[name], dups[name] = len(lr), 0
    progress.update()
    return rows, dups


def _write_chunked(table: pd.DataFrame, build, path: Path, bitrix: bool, chunk: int = 1_000_000) -> None:
    """Write a large table in chunks: ``build(part)`` turns rows of ``table`` into the file's columns."""
    for lo in range(0, max(len(table), 1), chunk):
        df = build(table.iloc[lo:lo + chunk])
        first = lo == 0
        if bitrix:
            df.to_csv(path, sep=",", encoding="utf-8-sig" if first else "utf-8", index=False,
                      quoting=csv.QUOTE_ALL, lineterminator="\n", mode="w" if first else "a", header=first)
        else:
            df.to_csv(path, sep=";", encoding="cp1251", index=False, lineterminator="\r\n",
                      mode="w" if first else "a", header=first)


def _write_activities(w: World, path: Path, bitrix: bool) -> int:
    """Activities, the largest table, in chunks; returns rows written."""
    a = w.a.iloc[_with_dups(len(w.a), w.dups["activities"])]
    if bitrix:
        deal_ids, contact_ids = w.d["bx_id"].to_numpy(), w.c["bx_id"].to_numpy()
    else:
        deal_ids, contact_ids = w.d["code"].to_numpy(dtype=object), w.c["code"].to_numpy(dtype=object)

    def build(part):
        di, ci = part["di"].to_numpy(), part["ci"].to_numpy()
        ids = (200_001 if bitrix else 700_001) + part.index.to_numpy()
        typ = part["typ"].to_numpy()
        typ = (pd.Categorical.from_codes(np.minimum(typ, 3), BITRIX_ACTIVITY_TYPES[:4]) if bitrix
               else pd.Categorical.from_codes(typ, ACTIVITY_TYPES))
        direction = pd.Categorical.from_codes(part["dir"].to_numpy(), DIRECTIONS)
        if bitrix:
            cols = {"ID": ids, "Тип дела": typ, "Направление": direction, "Сделка": deal_ids[di],
                    "Контакт": contact_ids[ci]}
        else:
            cols = {"ID": ids, "Номер сделки": deal_ids[di], "Код клиента": contact_ids[ci], "Тип": typ,
                    "Направление": direction}
        cols["Канал"] = pd.Categorical.from_codes(part["ch"].to_numpy(), CHANNELS)
        cols["Дата начала" if bitrix else "Дата"] = _fmt_minutes(
            part["m"].to_numpy(), "%Y-%m-%d %H:%M:00" if bitrix else "%d.%m.%Y %H:%M")
        cols["Ответственный"] = pd.Categorical.from_codes(part["mgr"].to_numpy(), w.managers)
        cols["Описание"] = part["text"].to_numpy()
        return pd.DataFrame(cols)

    _write_chunked(a, build, path, bitrix)
    return len(a)


def _write_bitrix(w: World, raw: Path, progress) -> tuple[dict, dict]:
    rows, dups = {}, {}
    c, d = w.c, w.d
    lg = (c["group"] == LEGAL).to_numpy()
    birth = c["birth"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    inv = c["birth_invalid"].to_numpy()
    birth[inv == 1] = [f"{y}-02-31" for y in c["birth"].dt.year.to_numpy()[inv == 1]]
    birth[inv == 2] = "0000-00-00"
    birth[c["birth_blank"].to_numpy() | lg] = None
    phone = c["phone"].to_numpy(dtype=object).copy()
    phone[c["phone_blank"].to_numpy()] = None
    gender = np.where(c["female"], "Ж", "М").astype(object)
    gender[c["gender_blank"].to_numpy() | lg] = None
    first_m = _virtual_minutes(c["first_contact"].to_numpy())
    sur, first, patr = _name_parts(c)
    dd = d.groupby("ci")
    t = pd.DataFrame({
        "ID": c["bx_id"], "Фамилия": sur, "Имя": first, "Отчество": patr,
        "Компания": c["company"], "Тип контакта": np.where(lg, "Юр. лицо", "Физ. лицо"), "Пол": gender,
        "Мобильный телефон": phone, "Рабочий e-mail": c["email"], "Дата рождения": birth,
        "Адрес": np.where(c["has_addr"], c["address"], None), "Город": c["town_raw"],
        "Дата создания": _fmt_minutes(first_m, "%Y-%m-%d %H:%M:00"),
        "Источник": dd["channel"].first().reindex(range(len(c))).to_numpy(),
        "Ответственный": np.array(w.managers, dtype=object)[dd["mgr"].first().reindex(range(len(c))).to_numpy()],
        "Комментарий": c["note"],
    })
    t = _with_partial_dups(t, w, ["Мобильный телефон", "Рабочий e-mail", "Адрес", "Адрес", "Комментарий", "Дата рождения"], "Город")
    _write_csv(t, raw / "bitrix_contacts.csv", bitrix=True)
    rows["bitrix_contacts.csv"], dups["bitrix_contacts.csv"] = len(t), len(w.dups["clients"]) + len(w.partial_dup)
    progress.update()
    out = d["outcome"].to_numpy()
    stage = np.array(STAGES, dtype=object)[d["reached"].to_numpy()]
    stage[out == "won"] = "Сделка успешна"
    stage[out == "lost"] = "Сделка провалена"
    close = d["close"].to_numpy()
    price = np.array([f"{v:.2f}" for v in d["price"]], dtype=object)
    down = np.array([f"{v:.2f}" for v in d["down"]], dtype=object)
    price[d["price_blank"].to_numpy()] = None
    down[d["down_blank"].to_numpy()] = None
    term = d["term"].astype(str).to_numpy(dtype=object)
    ts = d["term_suffix"].to_numpy()
    term[ts] = [f"{x} мес." for x in term[ts]]
    comment = [". ".join(t for t in (x, lc) if isinstance(t, str)) or None
               for x, lc in zip(d["comment"], d["lost_comment"])]
    reason = d["reason"].to_numpy(dtype=object).copy()
    reason[d["reason_blank"].to_numpy()] = None
    lost_stage = np.where(out == "lost", np.array(STAGES + [None], dtype=object)[d["lost_at"].to_numpy()], None)
    deals = pd.DataFrame({
        "ID": d["bx_id"], "Название": "Лизинг " + d["model"].astype(str),
        "Контакт: ID": c["bx_id"].to_numpy()[d["ci"].to_numpy()], "Стадия сделки": stage,
        "Дата создания": _fmt_minutes(_virtual_minutes(d["created"].to_numpy()), "%Y-%m-%d %H:%M:00"),
        "Дата закрытия": _fmt_minutes(_virtual_minutes(np.nan_to_num(close)), "%Y-%m-%d %H:%M:00", missing=np.isnan(close)),
        "Сумма": price, "Валюта": "BYN", "Аванс": down, "Срок лизинга (мес.)": term,
        "Тип техники": np.array(BITRIX_PRODUCTS, dtype=object)[d["product"].to_numpy()],
        "Схема лизинга": np.array(SCHEMES, dtype=object)[d["scheme"].to_numpy()],
        "Источник": d["channel"], "Ответственный": np.array(w.managers, dtype=object)[d["mgr"].to_numpy()],
        "Комментарий": comment, "Причина провала": reason, "Стадия провала": lost_stage,
    })
    deals = deals.iloc[_with_dups(len(deals), w.dups["deals"])]
    _write_csv(deals, raw / "bitrix_deals.csv", bitrix=True)
    rows["bitrix_deals.csv"], dups["bitrix_deals.csv"] = len(deals), len(w.dups["deals"])
    progress.update()
    s = w.s.iloc[_with_dups(len(w.s), w.dups["stages"])]
    # Bitrix closes a lost deal by moving it to «Сделка провалена»: one more row per lost deal with history
    lost_di = np.flatnonzero((out == "lost") & np.isin(np.arange(len(d)), w.s["di"].to_numpy()))
    closing = pd.DataFrame(dict(di=lost_di.astype(np.int32), sc=np.int8(len(STAGES) + len(UNKNOWN_STAGES)),
                                m=_virtual_minutes(close[lost_di])))
    s = pd.concat([s[["di", "sc", "m"]], closing], ignore_index=True)
    s = s.iloc[np.argsort(s["di"].to_numpy(), kind="stable")]
    w.bitrix_lost_rows = len(closing)
    names = [x if x != WON_STAGE else "Сделка успешна" for x in STAGES] + UNKNOWN_STAGES + ["Сделка провалена"]
    ids = d["bx_id"].to_numpy()

    def stage_chunk(part):
        return pd.DataFrame({"ID сделки": ids[part["di"].to_numpy()],
                             "Стадия": pd.Categorical.from_codes(part["sc"].to_numpy(), names),
                             "Дата изменения": _fmt_minutes(part["m"].to_numpy(), "%Y-%m-%d %H:%M:00")})

    _write_chunked(s, stage_chunk, raw / "bitrix_stage_history.csv", bitrix=True)
    st = s
    rows["bitrix_stage_history.csv"], dups["bitrix_stage_history.csv"] = len(st), len(w.dups["stages"])
    progress.update()
    n = _write_activities(w, raw / "bitrix_activities.csv", bitrix=True)
    rows["bitrix_activities.csv"], dups["bitrix_activities.csv"] = n, len(w.dups["activities"])
    progress.update(2)
    return rows, dups


# ----------------------------------------------------------------------------- truth
def _nps(scores: np.ndarray) -> float | None:
    if len(scores) == 0:
        return None
    return round(float(100 * ((scores >= 9).mean() - (scores <= 6).mean())), 1)


def _truth(w: World, layout: str, rows: dict, dups: dict, nps_file: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    c, d, s, a = w.c, w.d, w.s, w.a
    bitrix = layout == "bitrix"
    ccode = c["bx_id"].astype(str) if bitrix else c["code"]
    dcode = d["bx_id"].astype(str) if bitrix else d["code"]
    group = c["group"].to_numpy()
    in_scope = group == IN_SCOPE
    seg = pd.array(np.where(in_scope, c["segment"], 0), dtype="Int64")
    seg[~in_scope] = pd.NA
    jour = pd.array(c["journey"].to_numpy(), dtype="Int64")
    jour[~in_scope] = pd.NA
    clients = pd.DataFrame({"client_code": ccode, "segment": seg, "journey": jour,
                            "side_group": np.array(SIDE_GROUPS, dtype=object)[group]})
    lost = d["outcome"].to_numpy() == "lost"
    reason = d["reason"].to_numpy(dtype=object).copy()
    reason[d["reason_blank"].to_numpy()] = None
    deals = pd.DataFrame({
        "deal_code": dcode, "client_code": ccode.to_numpy()[d["ci"].to_numpy()], "outcome": d["outcome"],
        "stage_reached": np.array(STAGES, dtype=object)[d["reached"].to_numpy()],
        "lost_stage": np.where(lost, np.array(STAGES + [None], dtype=object)[d["lost_at"].to_numpy()], None),
        "lost_reason": reason, "product": np.array(PRODUCTS, dtype=object)[d["product"].to_numpy()],
        "scheme": np.array(SCHEMES, dtype=object)[d["scheme"].to_numpy()], "channel": d["channel"]})
    dg = d["group"].to_numpy()
    waterfall = [{"rule": SIDE_GROUPS[g], "clients": int((group == g).sum()), "deals": int((dg == g).sum())}
                 for g in range(6)]
    # lost reasons and empirical funnel
    by_stage = {}
    for st in range(6):
        m = lost & (d["lost_at"].to_numpy() == st) & ~d["reason_blank"].to_numpy()
        vc = pd.Series(d["reason"].to_numpy()[m]).value_counts()
        by_stage[STAGES[st]] = {k: int(v) for k, v in sorted(vc.items(), key=lambda kv: (-kv[1], kv[0]))}
    reached = d["reached"].to_numpy()
    outcome = d["outcome"].to_numpy()
    funnel = []
    for k, name in enumerate(STAGES):
        r = int((reached >= k).sum())
        lost_k = int((lost & (d["lost_at"].to_numpy() == k)).sum())
        open_k = int(((outcome == "open") & (reached == k)).sum())
        moved = int((reached > k).sum())
        funnel.append(dict(stage=name, reached=r, moved_on=moved if k < 6 else None, lost=lost_k, open=open_k,
                           conversion=round(moved / (r - open_k), 4) if k < 6 and r - open_k else None))
    losses = {f["stage"]: f["lost"] for f in funnel[:-1]}
    rel = {f["stage"]: 1 - f["conversion"] for f in funnel[:-1]}
    bottleneck = max(losses, key=losses.get)
    assert bottleneck == max(rel, key=rel.get) == STAGES[2]
    # segments, journeys
    first_deal = d.drop_duplicates("ci").set_index("ci")
    touches = a.groupby("di").size().reindex(range(len(d)), fill_value=0).to_numpy()
    online = a.assign(on=ONLINE[a["ch"].to_numpy()]).groupby("di")["on"].mean().reindex(range(len(d))).to_numpy()
    segments = {}
    for s_ in range(1, 8):
        m = in_scope & (c["segment"].to_numpy() == s_)
        cidx = np.flatnonzero(m)
        fd = first_deal.loc[cidx]
        di = d.index.to_numpy()[np.isin(d["ci"].to_numpy(), cidx)]
        wd = di[outcome[di] == "won"]
        spec = SEGMENTS[s_]
        segments[str(s_)] = dict(
            name=spec["name"], size=int(m.sum()), traits=spec["traits"], signature=spec["signature"],
            profile=dict(
                median_age=round(float(np.median(c["age"].to_numpy()[cidx])), 1),
                male_share=round(float(1 - c["female"].to_numpy()[cidx].mean()), 3),
                minsk_share=round(float((c["town"].to_numpy()[cidx] == 0).mean()), 3),
                median_price=float(np.median(fd["price"])),
                median_down_share=round(float(np.median(fd["down"] / fd["price"])), 3),
                term_mode=int(pd.Series(fd["term"]).mode().iloc[0]),
                median_days_to_contract=round(float(np.median(d["close"].to_numpy()[wd] - d["created"].to_numpy()[wd])), 1) if len(wd) else None,
                mean_touches=round(float(touches[di].mean()), 2),
                online_touch_share=round(float(np.nanmean(online[di])), 3),
                won_share=round(float((outcome[di] == "won").mean()), 3)))
    journeys = {str(j): dict(name=spec["name"], size=int((in_scope & (c["journey"].to_numpy() == j)).sum()),
                             entry_channels=list(spec["entry"]), touch_channels=spec["touch"])
                for j, spec in JOURNEYS.items()}
    ct = pd.crosstab(c["segment"].to_numpy()[in_scope], c["journey"].to_numpy()[in_scope])
    seg_j = {str(i): {str(j): int(ct.loc[i, j]) for j in ct.columns} for i in ct.index}
    # post-deal NPS
    nps = w.nps
    sc = nps["score"].to_numpy()
    nseg = d["seg"].to_numpy()[nps["di"].to_numpy()]
    nin = dg[nps["di"].to_numpy()] == IN_SCOPE
    post = dict(file=nps_file, n=int(len(sc)), nps=_nps(sc), promoters=int((sc >= 9).sum()),
                passives=int(((sc >= 7) & (sc <= 8)).sum()), detractors=int((sc <= 6).sum()),
                by_segment={str(s_): _nps(sc[nin & (nseg == s_)]) for s_ in range(1, 8)})
    won_clients = int(np.isfinite(c["contract"].to_numpy()).sum())
    truth = dict(
        company=COMPANY, seed=w.seed, scale=w.scale, layout=layout,
        period=dict(start="2023-01-01", end="2025-09-30", export_date="2025-10-01"),
        raw_rows=rows, duplicate_rows=dups, n_clients=len(c), n_deals=len(d),
        n_stage_events=int(len(s)), n_touches=int(len(a)), n_clients_won=won_clients,
        n_deals_by_outcome={k: int((outcome == k).sum()) for k in ("won", "lost", "open")},
        waterfall=waterfall, in_scope={"clients": waterfall[-1]["clients"], "deals": waterfall[-1]["deals"]},
        stages=STAGES, won_stage=WON_STAGE,
        move_on_probability={STAGES[k]: float(MOVE_ON[k]) for k in range(6)},
        funnel=funnel, bottleneck_stage=bottleneck, lost_reasons_by_stage=by_stage,
        stage_anomalies={k: v for k, v in w.anomalies.items() if k != "planted_skips_selection"},
        planted_skips_selection=w.anomalies["planted_skips_selection"],
        unknown_stage_names=UNKNOWN_STAGES,
        towns=w.towns, invalid=w.invalid, segments=segments, journeys=journeys,
        segment_journey=seg_j, channels=CHANNELS, online_channels=[CHANNELS[i] for i in np.flatnonzero(ONLINE)],
        managers=list(w.managers), post_deal_nps=post, free_text_pii=sorted(w.pii),
    )
    if bitrix:
        truth["n_stage_events"] += w.bitrix_lost_rows
        truth["bitrix"] = dict(won_stage_name="Сделка успешна", lost_stage_name="Сделка провалена",
                               stage_aliases={"Сделка успешна": WON_STAGE}, lost_rows=w.bitrix_lost_rows)
    return truth, clients, deals


def _voice_clients(w: World, layout: str) -> pd.DataFrame:
    """One row per individual contact with a won deal, for demo.voice."""
    c = w.c
    m = np.isfinite(c["contract"].to_numpy()) & (c["group"].to_numpy() != LEGAL)
    cc = c[m]
    in_scope = cc["group"].to_numpy() == IN_SCOPE
    seg = pd.array(cc["segment"].to_numpy(), dtype="Int64")
    seg[~in_scope] = pd.NA
    jour = pd.array(cc["journey"].to_numpy(), dtype="Int64")
    jour[~in_scope] = pd.NA
    phone = cc["phone"].to_numpy(dtype=object).copy()
    phone[cc["phone_blank"].to_numpy()] = None
    return pd.DataFrame({
        "client_code": (cc["bx_id"].astype(str) if layout == "bitrix" else cc["code"]).to_numpy(),
        "full_name": _full_name(cc),
        "gender": np.where(cc["female"], "Ж", "М"), "phone": phone, "email": cc["email"].to_numpy(),
        "segment": seg, "journey": jour,
        "side_group": np.array(SIDE_GROUPS, dtype=object)[cc["group"].to_numpy()],
        "contract_date": (PERIOD_START + pd.to_timedelta(_virtual_minutes(cc["contract"].to_numpy()), unit="m")).to_numpy(),
        "town": np.array(_ALL_TOWNS, dtype=object)[cc["town"].to_numpy()],
    })


# ----------------------------------------------------------------------------- API
class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def generate(engagement: str = "demo", scale: float = 1, seed: int = 2025, layout: str = "native",
             root: Path = WORKSPACE) -> dict:
    """Generate the demo world and write ``data/<engagement>/raw`` and ``truth``.

    Parameters
    ----------
    engagement : str
        Engagement name (folder under ``data/``).
    scale : int
        Multiplies contacts, deals, stage events and activities (1, 10, 100). Fractional
        values (e.g. 0.1) make small worlds for fast tests. At scale > 1 every table is CSV.
    seed : int
        Seed of the one random generator; same seed and scale, same bytes.
    layout : {"native", "bitrix"}
        The company's own CRM exports, or the same world as a Bitrix24 export.
    root : Path
        Project root (data/ lives under it).

    Returns
    -------
    dict
        The truth (also written to ``truth/truth.json``).
    """
    if layout not in ("native", "bitrix"):
        raise ValueError(f"layout must be 'native' or 'bitrix', not {layout!r}")
    paths = EngagementPaths(engagement, Path(root))
    rng = np.random.default_rng(seed)
    big = scale >= 10
    progress = _NoProgress()
    if big:
        from tqdm import tqdm
        progress = tqdm(total=8, desc=f"demo x{scale}", unit="step", file=sys.stderr)
    world = _build_world(rng, scale, seed)
    progress.update()
    for folder in (paths.raw, paths.truth):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    xlsx = scale <= 1
    if layout == "native":
        rows, dups = _write_native(world, paths.raw, xlsx, progress)
    else:
        rows, dups = _write_bitrix(world, paths.raw, progress)
    nps = world.nps
    codes = world.d["bx_id"].to_numpy() if layout == "bitrix" else world.d["code"].to_numpy()
    nps_df = pd.DataFrame({"Номер договора": codes[nps["di"].to_numpy()],
                           "Дата опроса": _day_dates(nps["m"].to_numpy() // 1440),
                           "Оценка (0-10)": nps["score"].to_numpy()})
    nps_name = _write_table(nps_df, paths.raw, "post_deal_nps", xlsx, "NPS", ("Дата опроса",))
    rows[nps_name], dups[nps_name] = len(nps_df), 0
    progress.update()
    truth, clients, deals = _truth(world, layout, rows, dups, nps_name)
    if importlib.util.find_spec("demo.voice") is not None:
        voice = importlib.import_module("demo.voice")
        truth["voice"] = voice.generate_voice(_voice_clients(world, layout), np.random.default_rng(seed + 1), paths.raw)
    clients.to_csv(paths.truth / "clients.csv", index=False)
    deals.to_csv(paths.truth / "deals.csv", index=False)
    (paths.truth / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=_json_default),
                                            encoding="utf-8")
    (paths.raw / ".complete").write_text(f"seed={seed} scale={scale} layout={layout}\n", encoding="utf-8")
    progress.update()
    progress.close()
    return truth


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, (np.ndarray, pd.Series)):
        return o.tolist()
    if isinstance(o, (pd.Timestamp, datetime)):
        return o.isoformat()
    if o is pd.NA:
        return None
    raise TypeError(f"not JSON serializable: {type(o)}")


def load_truth(engagement: str = "demo", root: Path = WORKSPACE) -> dict:
    """The planted facts of a generated demo engagement (``truth/truth.json``)."""
    path = EngagementPaths(engagement, Path(root)).truth / "truth.json"
    if not path.exists():
        from cjm.core.errors import CjmError
        raise CjmError(f"{path} does not exist", f"run `python -m demo {engagement}` first")
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    ap.add_argument("engagement", nargs="?", default="demo")
    ap.add_argument("--scale", type=float, default=1)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--layout", choices=["native", "bitrix"], default=None)
    ap.add_argument("--root", type=Path, default=WORKSPACE)
    args = ap.parse_args(argv)
    layout = args.layout or ("bitrix" if "bitrix" in args.engagement else "native")
    scale = int(args.scale) if float(args.scale).is_integer() else args.scale
    t0 = time.perf_counter()
    truth = generate(args.engagement, scale=scale, seed=args.seed, layout=layout, root=args.root)
    raw = EngagementPaths(args.engagement, args.root).raw
    print(f"{args.engagement}: {truth['n_clients']:,} clients, {truth['n_deals']:,} deals "
          f"({truth['n_clients_won']:,} clients won), {truth['n_stage_events']:,} stage events, "
          f"{truth['n_touches']:,} touches -> {raw} ({layout}, seed {args.seed}, scale {scale}) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
