"""Parameters: validated on load with messages naming the file, the key and what is expected;
one file per notebook section, rewritten only when its content changes."""

import shutil

import pytest
import yaml
from engagements import readme_params

from cjm.core.errors import CjmError
from cjm.core.params import SECTIONS, check_params, load_params, split_sections
from cjm.core.paths import PROJECT_ROOT


@pytest.fixture
def project(tmp_path):
    """A project root holding a copy of the demo params, and a way to edit them."""
    (tmp_path / "params").mkdir()
    shutil.copy(PROJECT_ROOT / "params" / "demo.yaml", tmp_path / "params" / "demo.yaml")

    def edit(change):
        path = tmp_path / "params" / "demo.yaml"
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(params)
        path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        return path

    return tmp_path, edit


def _fails(project, change, *fragments):
    root, edit = project
    path = edit(change)
    with pytest.raises(CjmError) as error:
        load_params("demo", root)
    message = str(error.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_demo_params_load_with_defaults(project):
    params = load_params("demo", project[0])
    assert params["anonymize"]["k"] == 5
    assert params["segment"]["k_min"] == 2 and params["segment"]["resamples"] == 20
    assert params["_file"].endswith("demo.yaml")


def test_both_demo_layouts_are_valid():
    for name in ("demo", "demo_bitrix"):
        assert load_params(name)["engagement"] == name


def test_unknown_key_suggests_the_close_one(project):
    _fails(project, lambda p: p.update(langauge="ru"), "unknown key 'langauge'", "did you mean 'language'?")


def test_journey_names_under_maps_say_where_they_moved(project):
    names = {1: "Онлайн-заявка"}
    _fails(project, lambda p: p["maps"].update(journey_names=names),
           "key 'maps.journey_names' has moved to 'funnel.journey_names'", "under 'funnel.journey_names'")


def test_unknown_nested_key_names_its_path(project):
    _fails(project, lambda p: p["segment"].update(k_maks=9), "'segment.k_maks'", "did you mean 'k_max'?")


def test_wrong_type_names_key_value_and_expectation(project):
    _fails(project, lambda p: p.update(seed="2025"), "key 'seed' is '2025'", "expected a whole number >= 0")


def test_value_outside_the_choices(project):
    _fails(project, lambda p: p.update(language="de"), "key 'language' is 'de'", "['ru', 'en']")


def test_missing_required_key(project):
    _fails(project, lambda p: p.pop("stages"), "key 'stages'", "<missing>")


def test_won_stage_must_be_a_stage(project):
    _fails(project, lambda p: p.update(won_stage="Оплата"), "won_stage", "'stages'")


def test_table_source_must_be_a_declared_source(project):
    _fails(project, lambda p: p["clean"]["tables"]["deals"].update(source="crm"),
           "'clean.tables.deals.source' names unknown source 'crm'")


def test_scope_rule_needs_exactly_one_condition(project):
    _fails(project, lambda p: p["clean"]["scope"][0].update(not_in=["x"]), "legal_entity", "exactly one of")


def test_segmentation_feature_needs_a_weight(project):
    _fails(project, lambda p: p["segment"]["features"].update(income={"label": "доход"}),
           "'segment.features.income.weight'", "a number")
    _fails(project, lambda p: p["segment"]["features"].update(income={"weight": 1, "colour": "red"}),
           "'segment.features.income.colour'", "label")


def test_capital_feature_needs_the_capital(project):
    _fails(project, lambda p: p["segment"].pop("capital"), "segment.capital")


def test_k_range_must_be_a_range(project):
    _fails(project, lambda p: p["segment"].update(k_min=8, k_max=5), "k_min", "k_min < k_max")


def test_missing_file_and_broken_yaml(tmp_path):
    with pytest.raises(CjmError, match="no parameters file .*nobody.yaml"):
        load_params("nobody", tmp_path)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "broken.yaml").write_text("seed: [1,\n", encoding="utf-8")
    with pytest.raises(CjmError, match="not valid YAML"):
        load_params("broken", tmp_path)


def test_split_rewrites_only_the_sections_that_changed(project):
    root, edit = project
    assert split_sections("demo", root) == [*SECTIONS, "report"]
    assert split_sections("demo", root) == []
    edit(lambda p: p["segment"].update(k_max=10))
    assert split_sections("demo", root) == ["segment"]
    edit(lambda p: p.update(seed=7))  # a shared key: every step reruns (the report's date does not change)
    assert split_sections("demo", root) == list(SECTIONS)
    edit(lambda p: p.update(report_date="2025-10-02"))
    assert split_sections("demo", root) == ["report"]
    edit(lambda p: p.update(question="Why do leads stop at the documents?"))  # the summary's only
    assert split_sections("demo", root) == ["report"]


def test_survey_section_defaults(project):
    survey = load_params("demo", project[0])["survey"]
    assert survey["confidence"] == 0.95 and survey["driver_resamples"] == 200


@pytest.mark.parametrize("change, fragments", [
    (lambda s: s.update(csat_scale=[5, 1]), ("survey.csat_scale", "[lowest, highest]")),
    (lambda s: s.update(month_bands=[0, 12, 6]), ("survey.month_bands", "increasing")),
    (lambda s: s["plan"].update(response_rate=15), ("survey.plan.response_rate", "between 0 and 1")),
    (lambda s: s.update(own_nps={"nps": 57}), ("survey.own_nps", "'nps' and 'n'")),
    (lambda s: s.update(nsp="Q1"), ("unknown key 'survey.nsp'", "did you mean 'nps'?")),
])
def test_survey_section_checks(project, change, fragments):
    _fails(project, lambda p: change(p["survey"]), *fragments)


def test_choice_question_needs_one_column_or_option_columns(project):
    def both(p):
        p["survey"]["single_choice"]["Как вы узнали о нас"]["columns"] = {"Сайт": "Q1_1"}

    _fails(project, both, "survey.single_choice.Как вы узнали о нас", "exactly one of 'column'")


def test_codebook_stages_must_be_journey_stages(project):
    def wrong_stage(p):
        p["interviews"]["codebook"]["barrier"]["Высокий аванс"]["stage"] = "Оплата"

    _fails(project, wrong_stage, "interviews.codebook.barrier.Высокий аванс: stage 'Оплата'", "Поиск и выбор")


def test_codebook_layers_are_map_layers(project):
    _fails(project, lambda p: p["interviews"]["codebook"].update(feeling={}), "unknown layer 'feeling'", "barrier")


@pytest.mark.parametrize("change, fragments", [
    (lambda a: a["Много документов"].update(effort="huge"),
     ("maps.actions.Много документов.effort", "'huge'", "one of ['low', 'medium', 'high']")),
    (lambda a: a["Много документов"].pop("action"), ("maps.actions.Много документов", "action")),
    (lambda a: a.update({"Дорогая парковка": {"action": "Парковка у офиса", "effort": "low"}}),
     ("maps.actions.Дорогая парковка' is not a barrier or pain of 'interviews.codebook'", "Высокий аванс")),
])
def test_map_actions_are_checked(project, change, fragments):
    _fails(project, lambda p: change(p["maps"]["actions"]), *fragments)


def test_survey_stages_must_be_journey_stages(project):
    _fails(project, lambda p: p["survey"]["csat"].update({"Оплата": "CSAT: Оплата"}),
           "'survey.csat.Оплата' is not a journey stage")


def test_every_params_example_of_the_readme_is_valid(tmp_path):
    examples = readme_params()
    assert {"bank_leads", "telco_churn", "cd_store", "loan_process"} <= set(examples)
    (tmp_path / "params").mkdir()
    for name, text in examples.items():
        (tmp_path / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")
        assert load_params(name, tmp_path)["engagement"] == name


def test_an_unknown_text_language_names_the_key(project):
    _fails(project, lambda p: p.update(text_language="xx"), "'text_language'", "'xx'")


# ----------------------------------------------------------------------------- every problem at once
def test_every_problem_is_listed_at_once_under_the_file_named_once(project):
    root, edit = project

    def five(p):
        p.update(langauge="ru", seed="2025", won_stage="Оплата")  # unknown key, wrong type, consistency
        p["segment"]["method"] = "dbscan"                         # not one of the choices
        p.pop("engagement")                                       # a required key missing

    path = edit(five)
    with pytest.raises(CjmError) as error:
        load_params("demo", root)
    message = str(error.value)
    assert message.count(str(path)) == 1
    lines = message.splitlines()
    assert lines[0] == f"{path}: 5 problems"
    # in the file's order (the edit writes keys sorted), the missing key and the checks across keys last
    assert lines[1].startswith("  1. unknown key 'langauge' -> did you mean 'language'? expected one of: engagement")
    assert lines[2:6] == [
        "  2. key 'seed' is '2025' -> expected a whole number >= 0",
        "  3. key 'segment.method' is 'dbscan' -> expected one of ['kmeans', 'gmm', 'ward']",
        "  4. key 'engagement' is '<missing>' -> expected a text",
        "  5. key 'won_stage' is 'Оплата' -> expected one of the names listed under 'stages'",
    ]
    assert error.value.fix.startswith("correct each key")


def test_a_section_given_as_a_list_does_not_stop_the_checking_of_the_rest(project):
    root, edit = project
    edit(lambda p: p.update(survey=[1, 2], clean=["tables"], seed=-1))
    checked = check_params("demo", root)
    assert [e.problem.split(": ", 1)[1] for e in checked.errors] == [
        "key 'clean' is ['tables']", "key 'seed' is -1", "key 'survey' is [1, 2]"]  # sorted, as written
    assert all(e.problem.startswith(str(checked.path)) for e in checked.errors)
    assert checked.params["stages"][0] == "Новая заявка" and "survey" not in checked.params
    assert checked.keys > 300  # the demo's keys, nested ones included


def test_consistency_problems_are_all_listed(project):
    def three(p):
        p["clean"]["tables"]["deals"]["source"] = "crm"
        p["interviews"]["codebook"]["barrier"]["Высокий аванс"]["stage"] = "Оплата"
        p["interviews"]["codebook"]["pain"]["Не перезвонили"]["stage"] = "Оплата"

    _fails(project, three, "3 problems", "'clean.tables.deals.source' names unknown source 'crm'",
           "barrier.Высокий аванс: stage 'Оплата'", "pain.Не перезвонили: stage 'Оплата'")


def test_a_clean_file_has_no_problem(project):
    checked = check_params("demo", project[0])
    assert checked.errors == [] and checked.error is None and checked.params["seed"] == 2025


def test_clean_date_and_duplicate_rules_default_and_check(project):
    clean = load_params("demo", project[0])["clean"]
    assert clean["dates"] == {"future": "set_aside", "closed_before_created": "set_aside"}
    assert clean["duplicates"] == "keep_latest"
    root, edit = project
    edit(lambda p: p["clean"].update(dates={"future": "keep"}))
    assert load_params("demo", root)["clean"]["dates"] == {"future": "keep", "closed_before_created": "set_aside"}
    _fails(project, lambda p: p["clean"].update(dates={"future": "drop"}), "'clean.dates.future' is 'drop'",
           "['set_aside', 'keep', 'stop']")
    _fails(project, lambda p: p["clean"].update(dates={}, duplicates="keep_first"),
           "'clean.duplicates' is 'keep_first'", "['keep_latest', 'keep_won', 'stop']")


def test_clean_hygiene_reasons_are_the_clients_own_values_set_aside_by_default(project):
    root, edit = project
    edit(lambda p: p["clean"].pop("hygiene_reasons", None))
    clean = load_params("demo", root)["clean"]
    assert clean["hygiene_reasons"] == [] and clean["hygiene"] == "set_aside"
    _fails(project, lambda p: p["clean"].update(hygiene="drop"), "'clean.hygiene' is 'drop'", "['set_aside', 'keep']")
    _fails(project, lambda p: p["clean"].update(hygiene_reasons="Дубль заявки"), "'clean.hygiene_reasons'")


def test_the_question_is_optional_text(project):
    root, edit = project
    edit(lambda p: p.pop("question", None))
    assert "question" not in load_params("demo", root)
    _fails(project, lambda p: p.update(question=["two", "questions"]), "question")
