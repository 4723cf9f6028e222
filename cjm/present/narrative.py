"""The words of the notebooks, in the engagement's language (ru or en).

Notebooks are shared by every engagement, and the client reads them rendered without
code; so their narrative lives here, keyed by notebook and passage, and
:func:`say` shows it as Markdown. :func:`labelled` gives a table the column headers
a client reads.
"""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd
from IPython.display import Markdown

from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.present.plots import use_house_style

TEXTS = {
    "ru": {
        "01.title": "# 1. Обезличивание данных\n\n"
                    "Выгрузки CRM, анкета и интервью до любого анализа очищены от персональных данных. "
                    "Коды клиентов, сделок и менеджеров заменены псевдонимами (ключевой хеш HMAC): "
                    "один человек — один псевдоним во всех файлах. Таблица обратного сопоставления "
                    "хранится только у заказчика.",
        "01.columns": "## Что сделано с каждой колонкой\n\nКолонки, не описанные в параметрах, "
                      "проверены по содержимому: колонка с телефонами или e-mail удаляется, даже если "
                      "её никто не назвал.",
        "01.scrubbed": "## Очистка свободного текста\n\nКомментарии, описания, расшифровки интервью и ответы "
                       "«другое»: сколько найдено и заменено имён, телефонов, e-mail, ников и ссылок на профили, "
                       "адресов, номеров документов, карт, счетов и госномеров.",
        "01.links": "## Связь анкеты и интервью с клиентами CRM\n\nРеспонденты найдены в CRM по "
                    "телефону или e-mail; сами контакты после этого удалены.",
        "01.k_anonymity": "## Риск повторной идентификации (k-анонимность)\n\nОбобщённые признаки "
                          "(год рождения, город и т. п.): сколько записей попадает в группы меньше k.",
        "01.pseudonyms": "## Псевдонимы\n\nСколько разных идентификаторов каждого вида заменено.",
        "01.row_ids": "В выгрузках без колонки идентификатора ({sources}) строки пронумерованы, и номер "
                      "строки заменён псевдонимом (колонка row_id): так записи различимы, а заказчик может "
                      "сопоставить их с исходным файлом.",
        "01.no_free_text": "## Очистка свободного текста\n\nСвободного текста (комментариев, описаний, "
                           "расшифровок) в выгрузках нет.",
        "01.found_by_content": "Удалены по содержимому, хотя в параметрах не описаны: {columns}.",
        "01.no_k_anonymity": "## Риск повторной идентификации (k-анонимность)\n\nПроверка не проводилась: "
                             "обобщённые признаки для неё (год рождения, город и т. п.) не указаны.",
        "02.title": "# 2. Очистка данных и рамки исследования\n\n"
                    "Обезличенные выгрузки сведены в единые таблицы: клиенты, сделки, этапы, "
                    "касания. Типы приведены, дубликаты удалены, варианты написания объединены. "
                    "Группы, идущие другим путём, не удалены, а отложены в отдельные таблицы.",
        "02.duplicates": "## Дубликаты\n\nПолные повторы строк и повторы по ключу (оставлена самая "
                         "полная запись).",
        "02.quality": "## Качество данных\n\nПропуски, исправленные значения (варианты написания, "
                      "единицы измерения в числах) и отклонённые значения, которые не удалось прочитать.",
        "02.waterfall": "## Рамки исследования\n\nПравила применяются по порядку; клиент попадает "
                        "в первое подходящее правило вместе со всеми своими сделками.",
        "02.unknown_stages": "## Этапы вне списка воронки\n\nСтроки истории этапов с названиями, "
                             "которых нет в списке этапов параметров. Они сохранены; их разбирает "
                             "анализ воронки.",
        "02.tables": "## Итоговые таблицы\n\nТаблицы в рамках исследования, с которыми работают "
                     "следующие шаги.",
        "02.absent": "Источники, которых нет в этом проекте: {names}. Зависящие от них шаги это отметят.",
        "02.notes": "## Как прочитаны выгрузки\n\nЧто сделано с данными сверх сопоставления колонок:",
        "03.title": "# 3. Поведенческая сегментация\n\n"
                    "Клиенты в рамках исследования разделены на группы по признакам, выбранным вместе с "
                    "заказчиком: как они покупают и кто они. Число сегментов выбрано по нескольким мерам "
                    "качества кластерного анализа; заказчику показаны варианты разбиения и портрет каждого "
                    "сегмента.",
        "03.none": "Сегментация не проводилась: признаки для неё не выбраны. Отчёт и карты описывают всех "
                   "клиентов вместе.",
        "03.k_lowered": "Клиентов в исследовании {clients}: пробуется не больше {k_max} сегментов, чтобы в "
                        "каждом было не меньше {per} клиентов.",
        "03.export_date.params": "Дни до даты выгрузки ({date}) считаются от последней и первой сделки клиента.",
        "03.export_date.data": "Дни считаются от последней и первой сделки клиента до последней даты в данных "
                               "({date}).",
        "03.features": "## Признаки\n\nПризнаки с весом задают сегменты (вес — сила влияния на "
                       "расстояния между клиентами); остальные только описывают их в портретах. "
                       "Числа стандартизованы (суммы — в логарифме), категории — в индикаторах с "
                       "той же общей дисперсией, что у числа; пропуски заменены медианой.",
        "03.scan": "## Сколько сегментов\n\nДля каждого k от {k_min} до {k_max}: инерция (локоть), "
                   "силуэт, индексы Калински–Харабаша и Дэвиса–Болдина, устойчивость (согласие "
                   "разбиений на {resamples} случайных подвыборках по скорректированному индексу Рэнда).",
        "03.peak": "**Рекомендовано k = {k}**: здесь устойчивость достигает пика — {stability:.2f} "
                   "против {coarser:.2f} при k − 1 и {finer:.2f} при k + 1. Сегментов ровно столько, "
                   "сколько групп в данных: лишний сегмент режет группу по-разному на каждой "
                   "подвыборке, недостающий — по-разному сливает две группы. Это самый подробный "
                   "такой пик с устойчивостью не ниже {threshold}.",
        "03.peak_edge": "**Рекомендовано k = {k}**: наименьшее из проверенных k, и самое устойчивое — {stability:.2f} "
                        "против {finer:.2f} при k + 1. Сегментов ровно столько, сколько групп в данных: лишний "
                        "сегмент режет группу по-разному на каждой подвыборке.",
        "03.most_stable": "Ни одно k не достигает порога устойчивости; **рекомендовано самое "
                          "устойчивое k = {k}** ({stability:.2f}). Стоит пересмотреть признаки и их веса.",
        "03.options": "## Варианты разбиения\n\nНесколько решений рядом: метод, число сегментов, их "
                      "размеры, силуэт и согласие с выбранным разбиением (индекс Рэнда, 1 — совпадают).",
        "03.option": "### Вариант {option}",
        "03.chosen": "## Выбранное разбиение: {k} сегментов, метод {method}\n\n{why}",
        "03.chosen_by_params": "Число сегментов выбрано вместе с заказчиком (параметр `n_segments`).",
        "03.chosen_recommended": "Рекомендованное число сегментов; окончательный выбор делается с "
                                 "заказчиком (параметр `n_segments`).",
        "03.portraits": "## Портреты сегментов\n\nНазвание составлено из двух самых отличительных "
                        "признаков; в портрете — признаки, по которым сегмент заметно отличается от "
                        "остальных клиентов (среднее или медиана сегмента против всех клиентов).",
        "03.portrait": "**{segment}. {segment_name}** — {clients} клиентов ({share:.0%}): {portrait}.",
        "03.maps": "## Карта отличий и проекция",
        "03.outputs": "Метки сегментов, профили (также в `segment_profiles.xlsx`) и обученная модель "
                      "сохранены: новую выгрузку CRM можно разнести по тем же сегментам "
                      "(`cjm.analysis.segment.assign`).",
        "04.title": "# 4. Опрос клиентов: NPS, удовлетворённость этапами и что движет лояльностью\n\n"
                    "Ответы клиентов связаны с сегментами (шаг 3), поэтому NPS и удовлетворённость "
                    "показаны по каждому сегменту с доверительными интервалами 95%, а оценка для всей "
                    "клиентской базы взвешена по размерам сегментов.",
        "04.plan": "## План выборки\n\nСколько заполненных анкет нужно в каждом сегменте, чтобы NPS "
                   "сегмента был известен с точностью ±{margin:g} пунктов при доверии {confidence:.0%} "
                   "(дисперсия NPS в худшем случае, поправка на конечную совокупность), и сколько "
                   "приглашений разослать при ожидаемой доле ответов {response_rate:.0%}. «Не хватит» — "
                   "даже приглашение всех клиентов сегмента не даст нужного числа ответов. План для "
                   "партнёра по опросу — в `sample_plan.xlsx`.",
        "04.no_survey": "Опрос ещё не проводился: готов только план выборки.",
        "04.no_nps": "В опросе нет вопроса о готовности рекомендовать компанию: NPS и то, что на него "
                     "влияет, не рассчитываются.",
        "05.title": "# 5. Голос клиента: интервью, открытые ответы и тайный покупатель\n\n"
                    "Всё, что сказали клиенты (глубинные интервью, комментарии анкеты) и что отметили "
                    "тайные покупатели, разобрано по кодам кодовой книги: темы, точки контакта, барьеры, "
                    "боли, позитивные моменты, эмоции, вопросы и цели. Каждый код привязан к этапу пути "
                    "клиента и попадает в соответствующую ячейку карты вместе с цитатами.",
        "05.sources": "## Источники\n\nКодируется каждое предложение; в интервью — только речь "
                      "респондента, реплики интервьюера не кодируются. Реплики без метки говорящего "
                      "(«Респондент: …») не кодируются и подсчитаны ниже; интервью, где меток нет совсем, "
                      "перечислены — разметьте их и перезапустите шаг.",
        "05.codebook": "## Коды\n\nКодовая книга задаётся в параметрах (`interviews.codebook`): слова "
                       "сравниваются в начальной форме (договор, договора, договором), с учётом отрицания "
                       "(«тревоги не было» не считается тревогой). Упоминания и доля документов с кодом:",
        "05.segments": "## Коды по сегментам",
        "05.quotes": "## Цитаты\n\nДля каждого кода — самые типичные высказывания (ближе всего к "
                     "остальным высказываниям с этим кодом), из разных документов.",
        "05.touchpoints": "## Точки контакта\n\nВсе точки контакта, которые называют клиенты: этап, "
                          "канал, онлайн или офлайн, как часто упоминаются, с каким настроением (средняя "
                          "тональность высказываний о ней), сколько визитов тайного покупателя и касаний в CRM.",
        "05.emotions": "## Эмоциональная кривая\n\nСамая низкая точка пути — «{low}» ({low_score:+.2f}); "
                       "самая высокая — «{high}» ({high_score:+.2f}).",
        "05.themes": "## Новые темы\n\nСуществительные, которые повторяются в незакодированных "
                     "высказываниях разных клиентов: кандидаты в новые коды. Если тема важна, добавьте её в "
                     "кодовую книгу и перезапустите шаг.",
        "05.sources_plain": "## Источники\n\nКодируется каждое предложение того, что написали клиенты.",
        "05.no_texts": "Интервью, открытых ответов и заметок тайного покупателя в этом проекте нет: слои "
                       "карты, которые заполняются словами клиентов, остаются пустыми.",
        "05.no_tone": "Тональность высказываний не оценивалась: для языка текстов ({text_language}) нет "
                      "словаря оценочных слов. Его можно задать в параметрах (`interviews.lexicon`: слова "
                      "positive и negative).",
        "05.no_codes": "Коды ещё не заданы: всё сказанное разобрано ниже на кандидатов в темы.",
        "05.outputs": "Фрагменты, цитаты, точки контакта и эмоции по этапам сохранены для карт (шаг 7); "
                      "все таблицы — в `voice_of_customer.xlsx`.",
        "06.title": "# 6. Воронка и пути клиентов\n\n"
                    "Где лиды уходят и почему, сколько времени занимает каждый этап и сколько на самом деле "
                    "разных путей приводит клиентов в компанию — по истории стадий сделок CRM, её касаниям "
                    "и причинам отказов.",
        "06.checks": "## История стадий\n\nЧто найдено в истории стадий и что с этим сделано. Сделки "
                     "берутся в порядке записей CRM: ошибка часов не переставляет этапы, но время до такой "
                     "записи не учитывается. Сделки без истории размещены по их итогу, где он говорит об этапе.",
        "06.unknown": "Стадии, которых нет в параметрах (`stages`): их записи не вошли в воронку. Если это "
                      "шаги пути, добавьте их в `stages`; если нет — в `funnel.ignore_stages`.",
        "06.funnel": "## Воронка\n\nИз {cases} сделок {won} дошли до этапа «{won_stage}», {open} ещё в работе: "
                     "{won_rate:.0%} решённых сделок успешны. Сделка, которая ещё в работе, не считается "
                     "потерянной.",
        "06.days_to_convert": "Медиана пути до этапа «{won_stage}» — {days_to_convert:.0f} дн.",
        "06.no_history": "Истории этапов в выгрузках нет: воронка ведёт от заявки сразу к итогу, без промежуточных "
                         "этапов и времени на них.",
        "06.no_losses": "Потерянных сделок нет, поэтому нет и узкого места.",
        "06.skipped": "Без разбивки по признакам, которых нет в выгрузках: {names}.",
        "06.no_times": "Время на этапах не считается: у этапов нет дат.",
        "06.no_reasons": "Причины потерь в выгрузках не записаны.",
        "06.activities": "Действия журнала вне этапов воронки: в воронку они не входят, но есть в путях и на карте "
                         "процесса.",
        "06.process_graph": "Карта процесса (граф непосредственного следования) по всем действиям: стрелка — сколько "
                            "раз за одним действием следует другое. Показаны самые частые связи, вместе {share:.0%} "
                            "всех переходов ({shown} связей); {edges} более редких связей ({transitions} переходов) "
                            "не показаны.",
        "06.no_journeys.no_channel": "Отдельные пути клиентов не выделяются: в выгрузках нет канала, через который "
                                     "пришёл клиент.",
        "06.no_journeys.no_client": "Отдельные пути клиентов не выделяются: сделки не связаны с клиентами.",
        "06.bottleneck": "**Узкое место — «{bottleneck}»**: здесь теряется {bottleneck_lost} сделок "
                         "({bottleneck_share:.0%} всех потерь), {bottleneck_rate:.0%} дошедших до этапа.",
        "06.breakdowns": "## Конверсия по сегментам, каналам, продуктам и когортам\n\nКонверсия этапа в каждой "
                         "группе (доля перешедших дальше среди решённых сделок).",
        "06.times": "## Время на этапах\n\nДни на этапе у сделок, которые перешли дальше (медиана, 75-й и "
                    "90-й процентили; повторные заходы суммируются), и дни до потери у потерянных на этапе.",
        "06.reasons": "## Почему сделки теряются\n\nПричины, которые менеджеры записали при закрытии сделки, "
                      "по этапу, на котором она остановилась.",
        "06.last": "Что было последним касанием потерянной сделки на её последнем этапе, и сколько дней "
                   "прошло от него до закрытия.",
        "06.touches": "## Касания на этапах\n\nСколько контактов (звонков, сообщений, встреч, визитов) нужно "
                      "сделке на этапе, и связано ли их число с переходом дальше: отношение шансов на одно "
                      "касание больше 1 — касания помогают, меньше 1 — этап, требующий многих контактов, сам "
                      "становится барьером. Считаются только решённые на этапе сделки.",
        "06.paths": "## Пути по этапам\n\nВарианты — последовательности этапов, как они записаны; показаны "
                    "{variants_shown} самых частых из {variants}, самый частый — у {top_variant_share:.0%} сделок.",
        "06.process": "Карта процесса (граф непосредственного следования): сколько раз за этапом следует "
                      "другой и сколько дней между ними.",
        "06.sankey": "## Схема пути лида\n\nОт канала, через который пришёл лид, по этапам до результата: "
                     "это схема пути лида для карты.",
        "06.journeys": "## Сколько разных путей\n\nПуть клиента — канал, через который он пришёл, каналы "
                       "касаний по дороге и пропущенные этапы. Модель латентных классов перебирает число путей; "
                       "выбрано {k} ({how}): наименьшее число, дающее 90% улучшения BIC.",
        "06.journeys_params": "параметры", "06.journeys_bic": "по критерию BIC",
        "06.vs_segments": "## Пути и сегменты\n\nСовпадают ли пути с сегментами? Индекс Рэнда (с поправкой) "
                          "{ari:.2f} (1 — полностью совпадают, 0 — не связаны), V Крамера {cramers_v:.2f}: {verdict}",
        "06.same": "пути повторяют сегменты.",
        "06.different": "путей не столько же, сколько сегментов, и это разные группировки — в каждом "
                        "сегменте есть клиенты разных путей, поэтому карты строятся по путям.",
        "06.side_groups": "## Группы вне исследования\n\nКонверсия по этапам у отложенных групп рядом с "
                          "клиентами исследования: так видно, насколько их путь другой.",
        "06.outputs": "Воронка, пути клиентов, варианты, граф переходов и причины потерь сохранены для карт "
                      "(шаг 7); все таблицы — в `funnel.xlsx`.",
        "07.title": "# 7. Карты пути клиента\n\n"
                    "Карта на каждый путь, найденный в данных (шаг 6), и общая карта всех клиентов. Этапы — "
                    "колонки, слои карты — строки: цели, триггеры, точки входа и контакта, действия, вопросы, "
                    "барьеры, боли, позитивные моменты, эмоции, удовлетворённость, вес этапа в NPS, "
                    "конверсия, потери, время, KPI, ответственные и процессы. За каждым пунктом — его "
                    "источник и число записей (в скобках — документов или сделок).",
        "07.coverage": "## Чем заполнены карты\n\nСколько этапов каждой карты заполнено в каждом слое. "
                       "Пустая клетка на карте помечена: «—» — в данных ничего не найдено, «нет источника» — "
                       "источника нет, «не заполнено» — слой пишет консультант в параметрах (`maps.stages`).",
        "07.maps": "## Карты\n\nПутей: {journeys}. Узкое место общей карты — «{bottleneck}», низшая точка "
                   "эмоций — «{low_point}».",
        "07.emotions": "## Кривая эмоций\n\nСредняя тональность того, что клиенты говорят об этапе (−1 — только "
                       "негатив, +1 — только позитив). Тонкие линии — сегменты, чья кривая заметно "
                       "отличается от кривой пути (на {min_gap:g} и больше, не меньше {min_fragments} "
                       "высказываний на этапе).",
        "07.map": "### {title}\n\n{subtitle}\n\nФайлы: {links}.",
        "07.recommendations": "## Рекомендации\n\nБарьеры и боли, которые называют клиенты, по влиянию: "
                              "сколько сделок теряется на этапе, как часто барьер называют, какой вес у этапа "
                              "в NPS (каждая доля — от наибольшей, влияние — их среднее). Первый — "
                              "«{barrier}» на этапе «{stage}», ответственный — {owner}.",
        "07.touchpoints": "## Точки контакта\n\nВсе точки контакта: этап, канал, сколько раз их называют "
                          "клиенты, сколько касаний в этом канале в CRM, тональность, ответственный.",
        "07.lead": "## Схема пути лида\n\nОт канала прихода по этапам до успеха или потери.",
        "07.outputs": "Модель карт — `journey_model.json`; постеры (PNG, SVG, PDF) и HTML-страницы карт — в "
                      "папке `maps/`; карты в Excel — `journey_maps.xlsx`; таблицы за каждой картой и "
                      "графиком для BI (Power BI и т. п.) — `tables.xlsx` и папка `tables/` (CSV).",
        "04.screening": "## Проверка ответов\n\nИз {rows} строк выгрузки: анкеты, заполненные быстрее "
                        "{min_seconds:g} секунд, и повторные ответы одного клиента (оставлен первый) "
                        "отложены; ответы без связи с CRM оставлены и учтены отдельно.",
        "04.handling": "Как прочитаны вопросы: оценки словами («6 баллов», «10 из 10») прочитаны как числа; "
                       "значения вне шкалы не используются; неизвестные варианты ответа подсчитаны, "
                       "известные варианты тех же анкет сохранены.",
        "04.groups": "## Кто ответил\n\nОтветы клиентов вне сегментов (отложенные на шаге 2 группы и "
                     "ответы без связи с CRM) входят в общий NPS и в анализ драйверов, но не в оценки "
                     "по сегментам.",
        "04.achieved": "## Собранная выборка против плана\n\nФактическая точность — половина ширины "
                       "95%-го интервала NPS сегмента.",
        "04.nps": "## NPS\n\n**NPS клиентской базы — {nps:.0f} (95% ДИ {nps_low:.0f}…{nps_high:.0f})**: "
                  "оценка по {in_segments} ответам клиентов сегментов, взвешенная по размерам сегментов "
                  "(сегменты отвечали с разной охотой, поэтому простой NPS выборки смещён).",
        "04.segments": "### NPS по сегментам\n\nСегменты различаются по NPS (хи-квадрат, {segments_p}). "
                       "Выше всех — «{best}» ({best_nps:.0f}), ниже всех — «{worst}» ({worst_nps:.0f}). "
                       "«Против остальных» — разница с остальными респондентами; p скорректировано "
                       "по Холму на число сегментов.",
        "04.own": "## Сравнение с NPS компании\n\nКомпания сама измеряет NPS ({own_label}): "
                  "{own:.0f} по {own_n} ответам. Разница опроса с ним: **{difference:+.0f} пунктов** "
                  "(95% ДИ {difference_low:+.0f}…{difference_high:+.0f}, {own_p}).",
        "04.own.lower": "**Клиенты в ходе договора оценивают компанию заметно ниже**, чем сразу после "
                        "сделки: NPS компании не показывает, что происходит с лояльностью дальше.",
        "04.own.higher": "Опрос даёт NPS выше, чем измеряет компания.",
        "04.own.same": "Различие не выходит за пределы случайной ошибки: опрос подтверждает NPS компании.",
        "04.no_own": "## Сравнение с NPS компании\n\nСобственный NPS компании не указан в параметрах "
                     "(`survey.own_nps`).",
        "04.months": "## NPS по сроку договора\n\nИзменение NPS по ходу договора: **{per_year:+.0f} "
                     "пунктов в год** (95% ДИ {per_year_low:+.0f}…{per_year_high:+.0f}, {trend_p}; "
                     "регрессия с учётом сегмента), от {first_nps:.0f} в первые месяцы до "
                     "{last_nps:.0f} после {last_band} мес. Оценки по интервалам взвешены по размерам "
                     "сегментов.",
        "04.months.lower": "**Лояльность падает по ходу договора**: удержание и повторные сделки зависят от "
                           "того, что происходит после сделки.",
        "04.months.higher": "Лояльность растёт по ходу договора.",
        "04.months.same": "Достоверного изменения NPS по ходу договора нет.",
        "04.no_months": "## NPS по сроку договора\n\nВ анкете нет вопроса о сроке договора "
                        "(`survey.months`).",
        "04.csat": "## Удовлетворённость этапами (CSAT)\n\nДоля ответивших {satisfied_from} и выше "
                   "по шкале {scale}. Ниже всех оценён этап «{lowest}» ({lowest_share:.0%} довольных).",
        "04.csat_tests": "Различаются ли оценки этапа между сегментами (критерий Краскела–Уоллиса, p "
                         "скорректировано по Холму):",
        "04.choice": "## {question}\n\nДоли ответивших с 95%-ми интервалами (Уилсон); вопрос с "
                     "несколькими вариантами — доли в сумме больше 100%. Ниже — зависит ли выбор варианта "
                     "от сегмента (хи-квадрат, p по Холму; V Крамера — сила связи).",
        "04.drivers": "## Что движет лояльностью\n\nВклад удовлетворённости каждым этапом в оценку "
                      "«порекомендуете ли вы нас» — доля объяснённой дисперсии по Шепли (LMG), устойчивая "
                      "к связанности оценок этапов; интервалы — бутстреп по {n} респондентам со всеми "
                      "ответами ({left_out} без части ответов не вошли). Модель объясняет "
                      "{r2:.0%} разброса оценок. **Главные драйверы: {top}.**",
        "04.moments": "**Моменты истины** (вклад достоверно выше равной доли): {moments}. "
                      "**Исправлять в первую очередь** (важный этап с оценкой ниже средней): {fix_first}.",
        "04.comments": "## Открытые комментарии\n\n{comments} комментариев (уже очищенных от "
                       "персональных данных) переданы в анализ интервью (шаг 5).",
    },
    "en": {
        "01.title": "# 1. Anonymization\n\n"
                    "CRM exports, survey and interviews are cleared of personal data before any "
                    "analysis. Client, deal and manager codes are replaced by pseudonyms (keyed HMAC): "
                    "one person, one pseudonym in every file. Only the client keeps the table that "
                    "maps them back.",
        "01.columns": "## What happened to each column\n\nColumns the parameters do not describe "
                      "were checked by content: a column of phones or e-mails is removed even if "
                      "nobody named it.",
        "01.scrubbed": "## Free text\n\nComments, descriptions, interview transcripts and \"other\" answers: "
                       "names, phones, e-mails, handles and profile links, addresses, document, card and account "
                       "numbers and vehicle plates found and replaced.",
        "01.links": "## Survey and interviews linked to CRM clients\n\nRespondents were found in "
                    "the CRM by phone or e-mail; the contacts were removed afterwards.",
        "01.k_anonymity": "## Re-identification risk (k-anonymity)\n\nGeneralized attributes (birth "
                          "year, town, ...): how many records fall in groups smaller than k.",
        "01.pseudonyms": "## Pseudonyms\n\nDistinct identifiers of each kind replaced.",
        "01.row_ids": "Exports without an identifier column ({sources}) had their rows numbered, and the "
                      "row number replaced by a pseudonym (column row_id): the records can be told apart, and "
                      "the client can map them back to the original file.",
        "01.no_free_text": "## Free text\n\nThe exports hold no free text (comments, descriptions, transcripts).",
        "01.found_by_content": "Removed for their content, though the parameters do not describe them: {columns}.",
        "01.no_k_anonymity": "## Re-identification risk (k-anonymity)\n\nNot checked: no generalized "
                             "attributes (birth year, town ...) were named for it.",
        "02.title": "# 2. Cleaning and scope\n\n"
                    "The anonymized exports are put into common tables: clients, deals, stages, "
                    "touches. Types are parsed, duplicates removed, spelling variants unified. "
                    "Groups that follow other paths are not deleted but set aside in tables of "
                    "their own.",
        "02.duplicates": "## Duplicates\n\nExact repeated rows and repeats of a key (the most "
                         "complete row is kept).",
        "02.quality": "## Data quality\n\nMissing values, fixed values (spelling variants, units "
                      "inside numbers) and rejected values that could not be read.",
        "02.waterfall": "## Scope\n\nRules apply in order; a client goes to the first rule that "
                        "matches, with all of its deals.",
        "02.unknown_stages": "## Stages outside the funnel\n\nStage-history rows whose stage is not "
                             "in the parameters' list. They are kept; the funnel analysis deals "
                             "with them.",
        "02.tables": "## Resulting tables\n\nThe in-scope tables the next steps work on.",
        "02.absent": "Sources this engagement does not have: {names}. The steps that use them "
                     "say so.",
        "02.notes": "## How the exports were read\n\nWhat was done with the data beyond mapping the columns:",
        "03.title": "# 3. Behavioural segmentation\n\n"
                    "In-scope clients are split into groups by features chosen with the client: how they "
                    "buy and who they are. The number of segments is chosen from several measures of "
                    "cluster quality; the client sees alternative splits and a portrait of each segment.",
        "03.none": "No segmentation: no features were chosen for it. The report and the maps describe all "
                   "clients together.",
        "03.k_lowered": "{clients} clients in the study: at most {k_max} segments are tried, so that each has "
                        "at least {per} clients.",
        "03.export_date.params": "Days are counted from a client's last and first deal to the export date "
                                 "({date}).",
        "03.export_date.data": "Days are counted from a client's last and first deal to the latest date in the "
                               "data ({date}).",
        "03.features": "## Features\n\nFeatures with a weight define the segments (the weight is "
                       "their pull on distances between clients); the others only describe them. "
                       "Numbers are standardized (amounts on a log scale), categories become "
                       "indicators with the total variance of one number; missing values take the median.",
        "03.scan": "## How many segments\n\nFor each k from {k_min} to {k_max}: inertia (elbow), "
                   "silhouette, Calinski–Harabasz and Davies–Bouldin indices, and stability (agreement "
                   "of splits on {resamples} random subsamples, adjusted Rand index).",
        "03.peak": "**Recommended k = {k}**: stability peaks here, {stability:.2f} against "
                   "{coarser:.2f} at k − 1 and {finer:.2f} at k + 1. There are as many segments as "
                   "groups in the data: one more cuts a group differently on each resample, one fewer "
                   "merges two groups in varying ways. It is the finest such peak at least "
                   "{threshold} stable.",
        "03.peak_edge": "**Recommended k = {k}**: the smallest k tried, and the most stable, {stability:.2f} against "
                        "{finer:.2f} at k + 1. There are as many segments as groups in the data: one more cuts a "
                        "group differently on each resample.",
        "03.most_stable": "No k reaches the stability threshold; **the most stable k = {k} is "
                          "recommended** ({stability:.2f}). Revisit the features and their weights.",
        "03.options": "## Alternative splits\n\nSeveral solutions side by side: method, number of "
                      "segments, their sizes, silhouette and agreement with the chosen split "
                      "(Rand index, 1 = identical).",
        "03.option": "### Option {option}",
        "03.chosen": "## The chosen split: {k} segments, method {method}\n\n{why}",
        "03.chosen_by_params": "The number of segments was chosen with the client (`n_segments`).",
        "03.chosen_recommended": "The recommended number of segments; the final choice is made with "
                                 "the client (`n_segments`).",
        "03.portraits": "## Segment portraits\n\nEach name is made of the two most distinctive "
                        "traits; a portrait lists the traits where the segment clearly differs from "
                        "the other clients (segment mean or median against all clients).",
        "03.portrait": "**{segment}. {segment_name}** — {clients} clients ({share:.0%}): {portrait}.",
        "03.maps": "## Map of differences and projection",
        "03.outputs": "Segment labels, profiles (also in `segment_profiles.xlsx`) and the fitted model "
                      "are saved: a fresh CRM export can be placed into the same segments "
                      "(`cjm.analysis.segment.assign`).",
        "04.title": "# 4. Survey of clients: NPS, satisfaction with the stages, and what drives loyalty\n\n"
                    "Answers are linked to the segments of step 3, so NPS and satisfaction are shown for "
                    "each segment with 95% intervals, and the estimate for the whole client base is weighted "
                    "by segment size.",
        "04.plan": "## Sample plan\n\nCompleted answers each segment needs for its NPS to be known within "
                   "±{margin:g} points at {confidence:.0%} confidence (worst-case NPS variance, finite "
                   "population correction), and invitations to send at an expected response rate of "
                   "{response_rate:.0%}. \"Short\": even inviting every client of the segment is not "
                   "expected to give the answers needed. The plan for the survey partner is in "
                   "`sample_plan.xlsx`.",
        "04.no_survey": "The survey has not been run yet: only the sample plan is made.",
        "04.no_nps": "The survey does not ask how likely clients are to recommend the company: NPS and what "
                     "drives it are not computed.",
        "05.title": "# 5. Voice of the customer: interviews, open answers and mystery shopping\n\n"
                    "Everything customers said (in-depth interviews, survey comments) and mystery shoppers "
                    "noted is coded with the codebook: themes, touchpoints, barriers, pains, positive moments, "
                    "emotions, questions and goals. Each code belongs to a stage of the journey and goes into "
                    "that cell of the map with its quotes.",
        "05.sources": "## Sources\n\nEvery sentence is coded; in interviews only the respondent's speech, not "
                      "the interviewer's. Turns without a speaker mark (\"Respondent: …\") are not coded and are "
                      "counted below; interviews without any marks are listed: mark them and rerun the step.",
        "05.codebook": "## Codes\n\nThe codebook is in the params (`interviews.codebook`): words are compared in "
                       "their dictionary form (договор, договора, договором) and with negation (\"there was no "
                       "anxiety\" is not anxiety). Mentions and share of documents with the code:",
        "05.segments": "## Codes by segment",
        "05.quotes": "## Quotes\n\nFor each code the most typical statements (closest to the others with the "
                     "code), from different documents.",
        "05.touchpoints": "## Touchpoints\n\nEvery touchpoint customers name: stage, channel, online or offline, "
                          "how often, in what mood (mean tone of what is said of it), mystery-shopper visits "
                          "and CRM touches.",
        "05.emotions": "## Emotion curve\n\nThe journey's low point is \"{low}\" ({low_score:+.2f}); its high "
                       "point \"{high}\" ({high_score:+.2f}).",
        "05.themes": "## New themes\n\nNouns that recur in uncoded statements of different customers: candidate "
                     "codes. If a theme matters, add it to the codebook and rerun the step.",
        "05.sources_plain": "## Sources\n\nEvery sentence of what customers wrote is coded.",
        "05.no_texts": "This engagement has no interviews, open answers or mystery-shopper notes: the layers of "
                       "the map that customers' words fill stay empty.",
        "05.no_tone": "The tone of statements was not scored: there is no lexicon of evaluative words for the "
                      "language of the texts ({text_language}). It can be given in the params "
                      "(`interviews.lexicon`: positive and negative words).",
        "05.no_codes": "No codes are defined yet: everything said is broken down into candidate themes below.",
        "05.outputs": "Fragments, quotes, touchpoints and stage emotions are saved for the maps (step 7); every "
                      "table is in `voice_of_customer.xlsx`.",
        "06.title": "# 6. Funnel and journeys\n\n"
                    "Where leads drop out and why, how long each stage takes and how many distinct journeys "
                    "really lead clients to the company, from the CRM's stage history, its touches and lost reasons.",
        "06.checks": "## Stage history\n\nWhat the stage history holds and what was done with it. A deal's "
                     "events are taken in the CRM's order: a clock error does not reorder stages, but the time "
                     "before such a record is left out. Deals without history are placed by their outcome where "
                     "it tells the stage.",
        "06.unknown": "Stages not in the params (`stages`): their records are not in the funnel. If they are "
                      "steps of the journey, add them to `stages`; if not, to `funnel.ignore_stages`.",
        "06.funnel": "## Funnel\n\nOf {cases} deals, {won} reached \"{won_stage}\" and {open} are still open: "
                     "{won_rate:.0%} of decided deals are won. An open deal is not counted as lost.",
        "06.days_to_convert": "The way to \"{won_stage}\" takes a median {days_to_convert:.0f} days.",
        "06.no_history": "The exports hold no stage history: the funnel goes from the lead straight to the outcome, "
                         "without stages in between or times in them.",
        "06.no_losses": "No deal was lost, so there is no bottleneck.",
        "06.skipped": "No breakdown by what the exports do not have: {names}.",
        "06.no_times": "Times in stage are not counted: the stages have no dates.",
        "06.no_reasons": "The exports record no reasons for losses.",
        "06.activities": "Activities of the log outside the funnel's stages: not in the funnel, but in the paths "
                         "and the process map.",
        "06.process_graph": "The process map (directly-follows graph) of every activity: an arrow is how often one "
                            "activity directly follows another. The most frequent links are shown, together "
                            "{share:.0%} of all transitions ({shown} links); {edges} rarer links ({transitions} "
                            "transitions) are left out.",
        "06.no_journeys.no_channel": "No distinct client journeys are looked for: the exports do not say through "
                                     "which channel a client came.",
        "06.no_journeys.no_client": "No distinct client journeys are looked for: the deals are not linked to "
                                    "clients.",
        "06.bottleneck": "**The bottleneck is \"{bottleneck}\"**: {bottleneck_lost} deals are lost there "
                         "({bottleneck_share:.0%} of all losses), {bottleneck_rate:.0%} of those reaching it.",
        "06.breakdowns": "## Conversion by segment, channel, product and cohort\n\nEach stage's conversion in "
                         "each group (share moving on of the decided deals).",
        "06.times": "## Time in stage\n\nDays in a stage for deals that moved on (median, 75th and 90th "
                    "percentile; repeated visits add up) and days before the loss for deals lost there.",
        "06.reasons": "## Why deals are lost\n\nThe reasons managers recorded when closing a deal, by the stage "
                      "it stopped at.",
        "06.last": "The last touch of a lost deal at its last stage, and the days from it to the closing.",
        "06.touches": "## Touches by stage\n\nHow many contacts (calls, messages, meetings, visits) a deal needs "
                      "at a stage and whether their number goes with moving on: an odds ratio per touch above 1 "
                      "means touches help, below 1 that a stage needing many contacts is a barrier itself. "
                      "Only deals decided at the stage count.",
        "06.paths": "## Paths through the stages\n\nVariants are sequences of stages as they were recorded; the "
                    "{variants_shown} most frequent of {variants} are shown, the most frequent followed by "
                    "{top_variant_share:.0%} of deals.",
        "06.process": "The process map (directly-follows graph): how often one stage follows another and the "
                      "days between them.",
        "06.sankey": "## The lead journey\n\nFrom the channel a lead came through, stage by stage, to the outcome: "
                     "the scheme of the lead journey for the maps.",
        "06.journeys": "## How many journeys\n\nA client's journey is the channel they came through, the "
                       "channels of the contacts on the way and the stages they skipped. A latent class model "
                       "tries each number of journeys; {k} were chosen ({how}): the smallest number giving 90% "
                       "of the BIC improvement.",
        "06.journeys_params": "params", "06.journeys_bic": "by BIC",
        "06.vs_segments": "## Journeys and segments\n\nDo the journeys match the segments? Adjusted Rand index "
                          "{ari:.2f} (1: the same grouping, 0: unrelated), Cramér's V {cramers_v:.2f}: {verdict}",
        "06.same": "the journeys repeat the segments.",
        "06.different": "there are not as many journeys as segments and they group clients differently: every "
                        "segment has clients on several journeys, so the maps are drawn per journey.",
        "06.side_groups": "## Groups outside the study\n\nConversion by stage of the groups set aside next to the "
                          "studied clients: how different their path is.",
        "06.outputs": "Funnel, journeys, variants, the transition graph and lost reasons are saved for the maps "
                      "(step 7); all tables are in `funnel.xlsx`.",
        "07.title": "# 7. Customer journey maps\n\n"
                    "A map for each journey found in the data (step 6) and one for all clients. Stages are "
                    "the columns, the map's layers the rows: goals, triggers, entry points and touchpoints, "
                    "actions, questions, barriers, pain points, positive moments, emotions, satisfaction, the "
                    "stage's weight in NPS, conversion, drop-off, time, KPIs, owners and processes. Behind "
                    "every item are its source and count (in brackets: documents or deals).",
        "07.coverage": "## What fills the maps\n\nHow many stages of each map are filled in each layer. An "
                       "empty cell on a map is marked: \"—\" nothing found in the data, \"no source\" the "
                       "source is absent, \"not written\" the consultant writes the layer in the params "
                       "(`maps.stages`).",
        "07.maps": "## Maps\n\nJourneys: {journeys}. The all-clients map's bottleneck is \"{bottleneck}\", its "
                   "emotional low point \"{low_point}\".",
        "07.emotions": "## Emotion curve\n\nThe mean tone of what customers say about a stage (−1 all negative, "
                       "+1 all positive). Thin lines: segments whose curve differs from the journey's (by "
                       "{min_gap:g} or more, with at least {min_fragments} statements at the stage).",
        "07.map": "### {title}\n\n{subtitle}\n\nFiles: {links}.",
        "07.recommendations": "## Recommendations\n\nThe barriers and pain points customers name, by impact: "
                              "deals lost at the stage, how often the barrier is named, the stage's weight in "
                              "NPS (each share relative to the largest; impact is their mean). First: "
                              "\"{barrier}\" at \"{stage}\", owner: {owner}.",
        "07.touchpoints": "## Touchpoints\n\nEvery touchpoint: stage, channel, how often customers name it, CRM "
                          "touches in its channel, tone, owner.",
        "07.lead": "## The lead journey\n\nFrom the entry channel through the stages to a win or a loss.",
        "07.outputs": "The maps' model is `journey_model.json`; posters (PNG, SVG, PDF) and HTML pages of the "
                      "maps are in `maps/`; the maps in Excel, `journey_maps.xlsx`; the tables behind every map "
                      "and chart for BI (Power BI etc.), `tables.xlsx` and the `tables/` folder (CSV).",
        "04.screening": "## Checking the answers\n\nOf the export's {rows} rows: answers filled in faster "
                        "than {min_seconds:g} seconds and repeat answers of a client (the first kept) are set "
                        "aside; answers not linked to the CRM are kept and counted.",
        "04.handling": "How each question was read: scores written in words (\"6 points\", \"10 of 10\") "
                       "are read as numbers; values outside the scale are not used; unknown options are "
                       "counted and the known options of the same answers kept.",
        "04.groups": "## Who answered\n\nClients outside the segments (groups set aside in step 2, answers "
                     "not linked to the CRM) count in the overall NPS and the driver analysis, not in the "
                     "segment estimates.",
        "04.achieved": "## Sample reached against the plan\n\nThe margin reached is half the width of the "
                       "segment's 95% NPS interval.",
        "04.nps": "## NPS\n\n**The client base's NPS is {nps:.0f} (95% CI {nps_low:.0f} to {nps_high:.0f})**: "
                  "from {in_segments} answers of segmented clients, weighted by segment size (segments "
                  "answered at different rates, so the sample's plain NPS is biased).",
        "04.segments": "### NPS by segment\n\nSegments differ in NPS (chi-square, {segments_p}). Highest: "
                       "\"{best}\" ({best_nps:.0f}); lowest: \"{worst}\" ({worst_nps:.0f}). \"Vs rest\" is the "
                       "difference from the other respondents; p adjusted by Holm for the number of segments.",
        "04.own": "## Against the company's own NPS\n\nThe company measures NPS itself ({own_label}): "
                  "{own:.0f} from {own_n} answers. The survey differs from it by **{difference:+.0f} "
                  "points** (95% CI {difference_low:+.0f} to {difference_high:+.0f}, {own_p}).",
        "04.own.lower": "**Clients rate the company clearly lower during the contract** than right after the "
                        "deal: the company's NPS does not show what happens to loyalty afterwards.",
        "04.own.higher": "The survey gives a higher NPS than the company measures.",
        "04.own.same": "The difference is within chance: the survey confirms the company's NPS.",
        "04.no_own": "## Against the company's own NPS\n\nThe company's own NPS is not given in the params "
                     "(`survey.own_nps`).",
        "04.months": "## NPS over the contract\n\nChange of NPS as the contract runs: **{per_year:+.0f} "
                     "points a year** (95% CI {per_year_low:+.0f} to {per_year_high:+.0f}, {trend_p}; "
                     "regression with the segment), from {first_nps:.0f} in the first months to "
                     "{last_nps:.0f} after {last_band} months. Band estimates are weighted by segment size.",
        "04.months.lower": "**Loyalty falls as the contract runs**: retention and repeat deals depend on what "
                           "happens after the deal.",
        "04.months.higher": "Loyalty grows as the contract runs.",
        "04.months.same": "NPS does not change measurably over the contract.",
        "04.no_months": "## NPS over the contract\n\nThe survey has no question on months since the deal "
                        "(`survey.months`).",
        "04.csat": "## Satisfaction with the stages (CSAT)\n\nShare answering {satisfied_from} or more on "
                   "the {scale} scale. Rated lowest: \"{lowest}\" ({lowest_share:.0%} satisfied).",
        "04.csat_tests": "Do a stage's ratings differ between segments (Kruskal-Wallis, p adjusted by Holm):",
        "04.choice": "## {question}\n\nShares of answers with 95% (Wilson) intervals; with several options "
                     "allowed the shares add up to more than 100%. Below: does the choice depend on the "
                     "segment (chi-square, Holm-adjusted p; Cramér's V is the strength).",
        "04.drivers": "## What drives loyalty\n\nHow much satisfaction with each stage explains the "
                      "likelihood to recommend: Shapley share of explained variance (LMG), robust to the "
                      "stages' ratings being related; intervals by bootstrap over the {n} respondents who "
                      "answered all ({left_out} with some answers missing are left out). The model explains "
                      "{r2:.0%} of the variance. **Main drivers: {top}.**",
        "04.moments": "**Moments of truth** (share clearly above an equal share): {moments}. **Fix first** "
                      "(important stage rated below average): {fix_first}.",
        "04.comments": "## Open comments\n\n{comments} comments (already scrubbed of personal data) are "
                       "passed on to the interview analysis (step 5).",
    },
}

LABELS = {
    "ru": {
        "low_point": "Низшая точка эмоций", "barrier": "Барьер", "owner": "Ответственный", "impact": "Влияние",
        "voice_share": "Доля упоминаний", "nps_weight": "Вес этапа в NPS",
        "top_lost_reason": "Главная причина потерь в CRM",
        "source": "Источник", "column": "Колонка", "treatment": "Обработка", "detail": "Подробности",
        "texts": "Текстов", "name": "Имена", "phone": "Телефоны", "email": "E-mail",
        "passport": "Паспорта", "personal_number": "Личные номера", "rows": "Строк", "handle": "Ники и ссылки",
        "address": "Адреса", "document": "СНИЛС, ИНН", "card": "Карты", "iban": "IBAN", "plate": "Госномера",
        "linked_by_phone": "Найдено по телефону", "linked_by_email": "Найдено по e-mail",
        "ambiguous": "Неоднозначно", "not_found": "Не найдено", "no_contact": "Без контакта",
        "quasi_identifiers": "Квазиидентификаторы", "records": "Записей", "groups": "Групп",
        "smallest_group": "Мин. группа", "groups_under_k": "Групп < k", "records_under_k": "Записей < k",
        "share_under_k": "Записей < k, %", "kind": "Вид", "identifiers": "Идентификаторов",
        "table": "Таблица", "rows_read": "Прочитано", "exact_duplicates": "Полные дубли",
        "key_duplicates": "Дубли по ключу", "excluded_values": "Отложено по значению",
        "rows_kept": "Осталось", "source_column": "Колонка источника", "missing": "Пропуски",
        "fixed": "Исправлено", "rejected": "Отклонено", "rejected_examples": "Примеры отклонённых",
        "rule": "Правило", "label": "Группа", "clients": "Клиенты", "deals": "Сделки",
        "clients_left": "Осталось клиентов", "deals_left": "Осталось сделок", "stage": "Этап",
        "columns": "Колонки", "set_aside": "Отложено",
        "feature": "Признак", "role": "Роль", "weight": "Вес", "distribution": "Медиана (квартили) или доли",
        "k": "k", "inertia": "Инерция", "silhouette": "Силуэт", "calinski_harabasz": "Калински–Харабаш",
        "davies_bouldin": "Дэвис–Болдин", "stability": "Устойчивость", "option": "Вариант",
        "method": "Метод", "sizes": "Размеры сегментов", "agreement": "Согласие с выбранным",
        "segment": "Сегмент", "segment_name": "Название", "share": "Доля", "portrait": "Портрет",
        "population": "Клиентов", "completes": "Нужно анкет", "invitations": "Приглашений", "short": "Не хватит",
        "action": "Действие", "question": "Вопрос", "answers": "Ответов", "unknown": "С неизвестными вариантами",
        "examples": "Примеры", "group": "Группа", "respondents": "Респондентов", "planned": "План",
        "achieved": "Собрано", "share_of_plan": "Выполнение плана", "margin_planned": "Точность по плану, ±",
        "margin_reached": "Точность фактическая, ±", "estimate": "Оценка", "n": "n", "nps": "NPS",
        "se": "Ст. ошибка", "ci_low": "95% ДИ от", "ci_high": "95% ДИ до", "promoters": "Промоутеры",
        "passives": "Нейтралы", "detractors": "Критики", "vs_rest": "Против остальных", "p_value": "p",
        "p_adjusted": "p (Холм)", "band": "Месяцев с начала договора", "scope": "Сегмент", "survey": "NPS опроса",
        "own": "NPS компании", "own_n": "n компании", "difference": "Разница", "driver": "Этап",
        "importance": "Вклад в лояльность", "coefficient": "Коэффициент", "rank": "Место",
        "moment_of_truth": "Момент истины", "performance": "Средняя оценка", "quadrant": "Что делать",
        "chosen": "Выбрали", "chi2": "Хи-квадрат", "dof": "Ст. свободы",
        "cramers_v": "V Крамера", "h": "H", "mean": "Средняя", "satisfied": "Довольны",
        "documents": "Документов", "sentences": "Предложений", "coded": "Закодировано",
        "layer": "Слой карты", "code": "Код", "mentions": "Упоминаний", "quote": "Цитата", "doc_id": "Документ",
        "touchpoint": "Точка контакта", "channel": "Канал", "online": "Онлайн", "sources": "Источники",
        "valence": "Тональность", "mystery_visits": "Визитов ТП", "crm_touches": "Касаний в CRM", "score": "Оценка",
        "fragments": "Фрагментов", "negative": "Негатив", "positive": "Позитив", "theme": "Тема",
        "terms": "Слова", "turns": "Реплик", "respondent": "Респондента", "other_speakers": "Других",
        "unmarked": "Без метки", "speakers_seen": "Говорящие",
        "interviews_without_speakers": "Интервью без меток",
        "check": "Проверка", "count": "Число", "unit": "Единица", "reached": "Дошли", "entered": "Вошли",
        "skipped": "Пропустили", "moved_on": "Перешли дальше", "lost": "Потеряно", "open": "В работе",
        "won": "Успешно", "conversion": "Конверсия", "reach_rate": "Доля дошедших", "lost_share": "Доля потерь",
        "median_days": "Медиана, дн.", "p75_days": "75%, дн.", "p90_days": "90%, дн.",
        "journey_stage": "Этап карты", "moved_on_cases": "Перешли дальше", "lost_cases": "Потеряно",
        "median_days_to_loss": "Дней до потери, медиана", "reason": "Причина", "cases": "Сделок",
        "loss_rate": "Доля потерянных", "rank_lost": "Место по числу", "rank_rate": "Место по доле",
        "bottleneck": "Узкое место", "variant": "Путь по этапам", "stages": "Этапов",
        "cumulative_share": "Накопленная доля", "last_action": "Последнее касание",
        "median_days_to_close": "Дней до закрытия", "mean_touches": "Касаний в среднем",
        "median_touches": "Касаний, медиана", "mean_touches_moved_on": "У перешедших",
        "mean_touches_lost": "У потерянных", "odds_ratio": "Отношение шансов", "move_on_rate": "Перешли дальше",
        "journey": "Путь", "journey_name": "Путь клиента", "log_likelihood": "Лог. правдоподобие", "bic": "BIC",
        "improvement": "Доля улучшения BIC", "block": "Признак пути", "overall": "Все клиенты", "lift": "Лифт",
        "target": "Куда", "probability": "Вероятность", "product": "Продукт", "note": "Что сделано",
        "cohort": "Когорта (месяц создания сделки)",
    },
    "en": {},
}


#: Words inside tables (treatments of columns, kinds of identifiers), by language.
VALUES = {
    "ru": {
        "pseudonymized": "псевдоним", "dropped": "удалена", "generalized": "обобщена", "added": "добавлена",
        "row number": "номер строки",
        "scrubbed": "очищен текст", "kept": "оставлена", "declared not personal": "не персональная (параметры)",
        "declared not personal, text checked": "не персональная (параметры), текст всё равно проверен",
        "looks like free text": "похожа на свободный текст", "found by content": "найдено по содержимому",
        "used to link the person": "использован для связи с клиентом", "declared personal": "персональная (параметры)",
        "town and region": "город и область", "birth year": "год рождения", "age band": "возрастная группа",
        "client": "клиент", "deal": "сделка", "manager": "менеджер", "respondent": "респондент",
        "activity": "дело CRM", "interview": "интервью", "name": "имя", "phone": "телефон", "email": "e-mail",
        "passport": "паспорт", "personal_number": "личный номер",
        "defines": "задаёт сегменты", "describes": "описывает",
        "speeder": "слишком быстрое заполнение", "repeat answer of a client": "повторный ответ клиента",
        "not linked to a CRM client": "нет связи с клиентом CRM", "set aside": "отложено",
        "nps": "NPS", "csat": "CSAT", "months": "месяцы договора", "single_choice": "один вариант",
        "multi_choice": "несколько вариантов", "segment": "в сегментах", "not linked to the CRM": "нет связи с CRM",
        "other CRM client": "другие клиенты CRM", "all respondents": "все респонденты",
        "respondents in segments": "респонденты в сегментах",
        "population (weighted by segment size)": "клиентская база (взвешено по сегментам)",
        "client's own NPS": "NPS компании", "all": "все", "fix first": "исправлять в первую очередь",
        "keep up": "поддерживать", "watch": "наблюдать", "maintain": "не наращивать", "yes": "да", "no": "нет",
        "survey": "анкета", "mystery": "тайный покупатель", "touchpoint": "точка контакта",
        "barrier": "барьер", "pain": "боль", "positive": "позитив", "emotion": "эмоция", "question": "вопрос",
        "goal": "цель", "influencer": "влияние", "theme": "тема",
        "stage events": "записи истории стадий",
        "events of stages outside the funnel": "записи стадий, которых нет в воронке",
        "events of ignored stages": "записи игнорируемых стадий", "events without a stage": "записи без стадии",
        "events without a time": "записи без времени",
        "events of cases not in the cases table": "записи сделок, которых нет в таблице сделок",
        "events earlier than the event before them": "записи со временем раньше предыдущей",
        "cases with events at the same time": "сделки с записями в одно время",
        "cases that went back to an earlier stage": "сделки, вернувшиеся на прежний этап",
        "won cases whose history stops before the won stage": "успешные сделки, чья история обрывается до последнего этапа",
        "cases at the won stage not marked won": "сделки на последнем этапе без статуса «успешна»",
        "cases without stage events": "сделки без истории стадий",
        "lost cases whose CRM lost stage differs from their furthest stage":
            "потерянные сделки, у которых этап отказа в CRM не совпадает с историей",
        "cases without stage events and a known stage": "сделки без истории и без известного этапа",
        "rows": "строк", "cases": "сделок", "read": "прочитаны",
        "left out; add the names to 'stages' or 'funnel.ignore_stages'":
            "не вошли; добавьте названия в 'stages' или 'funnel.ignore_stages'",
        "left out (funnel.ignore_stages)": "не вошли (funnel.ignore_stages)", "left out": "не вошли",
        "kept in log order; the negative time before them is left out of times in stage":
            "оставлены в порядке CRM; отрицательное время до них не входит во время на этапе",
        "kept in log order": "оставлены в порядке CRM",
        "counted once per stage in the funnel; their repeats are in the paths":
            "в воронке этап считается один раз; повторы видны в путях",
        "counted as having reached the won stage": "считаются дошедшими до последнего этапа",
        "counted by their outcome": "учтены по их итогу",
        "placed by their outcome where it tells the stage": "размещены по итогу, если он говорит об этапе",
        "the furthest stage of the history is used": "взят самый дальний этап истории",
        "left out of the funnel (listed in the checks)": "не вошли в воронку",
        "entry": "канал прихода", "contacts": "каналы касаний", "params": "параметры", "bic elbow": "BIC",
        "in scope": "в исследовании",
    },
    "en": {"maintain": "don't add more"},
}


#: The canonical tables as a reader names them.
TABLE_NAMES = {
    "ru": {"clients": "клиенты", "deals": "сделки", "stage_events": "история стадий", "touches": "касания",
           "post_deal_nps": "NPS после сделки", "survey": "опрос", "interviews": "интервью",
           "observations": "тайный покупатель"},
    "en": {"clients": "clients", "deals": "deals", "stage_events": "stage history", "touches": "touches",
           "post_deal_nps": "NPS after the deal", "survey": "survey", "interviews": "interviews",
           "observations": "mystery shopping"},
}
#: 02's notes (:attr:`cjm.analysis.clean.CleanResult.notes`) as sentences; ``{detail}``, ``{count}``.
NOTES = {
    "ru": {"row_ids": "ключ — номер строки выгрузки «{detail}», в ней нет идентификатора",
           "client_is_deal": "клиент — сама запись: кода клиента в выгрузке нет",
           "constant": "у всех записей значение «{detail}»",
           "utc": "время с часовыми поясами ({detail}) приведено к UTC",
           "excel_serial": "{count} значений прочитаны как даты Excel (номер дня)",
           "lifecycle": "{count} событий с переходом «{detail}» отложены: учтены только выбранные переходы",
           "cases_from_log": "{count} случаев собраны из журнала событий «{detail}»",
           "cases_won": "{count} случаев успешны: дошли до {detail}",
           "cases_lost_at": "{count} случаев завершились на «{detail}»",
           "cases_gone_quiet": "{count} случаев потеряны: без событий дольше {detail} дн.",
           "cases_open": "{count} случаев ещё открыты"},
    "en": {"row_ids": "the key is the row number of export «{detail}», which has no identifier",
           "client_is_deal": "the client is the record itself: the export has no client code",
           "constant": "every record has the value «{detail}»",
           "utc": "times with UTC offsets ({detail}) converted to UTC",
           "excel_serial": "{count} values read as Excel dates (day numbers)",
           "lifecycle": "{count} events with transition «{detail}» set aside: only the chosen transitions count",
           "cases_from_log": "{count} cases made from the event log «{detail}»",
           "cases_won": "{count} cases won: they reached {detail}",
           "cases_lost_at": "{count} cases ended at «{detail}»",
           "cases_gone_quiet": "{count} cases lost: no event for more than {detail} days",
           "cases_open": "{count} cases still open"},
}


def table_names(names, language: str) -> str:
    """Canonical table names as the reader calls them, joined."""
    return ", ".join(TABLE_NAMES[language].get(name, name) for name in names)


def notes_table(notes: pd.DataFrame, language: str) -> pd.DataFrame:
    """02's notes as a reader's table: ``table``, ``column``, ``note`` (a sentence)."""
    from cjm.present.plots import format_count

    texts = [NOTES[language][row.note].format(detail=row.detail, count=format_count(row.count, language)
                                              if pd.notna(row.count) else "") for row in notes.itertuples()]
    return pd.DataFrame({"table": notes["table"].map(TABLE_NAMES[language]).fillna(notes["table"]),
                         "column": notes["column"], "note": texts})


def start(engagement: str) -> tuple[dict, EngagementPaths, str]:
    """Set a notebook up: the engagement's params and paths, its language, the house
    plot style and display options that show whole tables.

    Returns
    -------
    params : dict
    paths : EngagementPaths
    language : str
    """
    params = load_params(engagement)
    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_colwidth", 80)
    use_house_style()
    return params, EngagementPaths(engagement), params["language"]


class _Passage(string.Formatter):
    """Fills a passage: a whole number without a format of its own gets thin-space
    thousands, as in tables."""

    def format_field(self, value, format_spec):
        if not format_spec and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return f"{value:,}".replace(",", "\u202f")
        return super().format_field(value, format_spec)


def say(key: str, language: str, **values) -> Markdown:
    """The passage ``key`` of :data:`TEXTS` in ``language``, as Markdown for display."""
    return Markdown(_Passage().format(TEXTS[language][key], **values))


def say_each(key: str, language: str, rows: pd.DataFrame) -> Markdown:
    """The passage ``key`` once per row of ``rows`` (its columns fill the passage)."""
    text = TEXTS[language][key]
    return Markdown("\n\n".join(_Passage().format(text, **row)
                                  for row in rows.to_dict("records")))


def p_text(p: float) -> str:
    """A p-value as a reader sees it: ``p < 0.001``, ``p = 0.012``, ``p = 0.34``."""
    if pd.isna(p):
        return "p —"
    return "p <\u00a00.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def table(frame: pd.DataFrame, language: str, precision: int = 1,
          percent=("share", "missing")):
    """``frame`` for the reader: headers in ``language``, no index, thin-space thousands,
    numbers to ``precision`` decimals, the ``percent`` columns as percentages and
    p-values (``p_value``, ``p_adjusted``) as :func:`p_text` writes them."""
    shown = labelled(frame, language)
    names = dict(zip(frame.columns, shown.columns))
    text = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    formats = {names[c]: "{:.0%}" for c in percent if c in names}
    formats.update({names[c]: lambda p: p_text(p).removeprefix("p").lstrip(" =")
                    for c in ("p_value", "p_adjusted") if c in names})
    styled = shown.style.hide(axis="index").format(thousands="\u202f", precision=precision, na_rep="—")
    if formats:  # an empty formatter would reset every column's format
        styled = styled.format(formats, subset=list(formats), na_rep="—")
    return styled.set_properties(subset=text, **{"text-align": "left"})


def heading(key: str, language: str) -> Markdown:
    """A small heading naming ``key`` (a column, a breakdown) in ``language``."""
    name = LABELS.get(language, {}).get(key) or key.replace("_", " ").capitalize()
    return Markdown(f"### {name}")


def labelled(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """``frame`` with its column headers in ``language`` (English headers keep their names)."""
    words, values = LABELS.get(language, {}), VALUES.get(language, {})
    flags = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]
    if flags:
        frame = frame.assign(**{c: frame[c].map({True: values.get("yes", "yes"), False: values.get("no", "no")})
                                for c in flags})
    if values:
        pattern = "|".join(sorted(map(re.escape, values), key=len, reverse=True))
        frame = frame.copy()
        for column in ("treatment", "detail", "kind", "role", "rule", "action", "group", "estimate", "quadrant",
                       "scope", "source", "layer", "check", "unit", "block"):
            if column in frame:
                frame[column] = frame[column].str.replace(rf"(?<!\w)(?:{pattern})(?!\w)", lambda m: values[m.group(0)],
                                                          regex=True)
    if not words:
        return frame.rename(columns=lambda c: str(c).replace("_", " ").capitalize())
    return frame.rename(columns=lambda c: words.get(c, c))
