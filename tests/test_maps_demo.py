"""07 against the demo's planted truth: a map per planted journey, the bottleneck and the
emotional low point where they were planted, and every number of the maps equal to the
tables of 04-06 it comes from."""

import os
import stat

import numpy as np
import pandas as pd
import pytest

from cjm.core.io import read_table
from cjm.analysis.journey_model import model_table
from cjm.present.maps import from_json


@pytest.fixture(scope="module")
def mapped(demo_world):
    return demo_world.mapped


def test_each_planted_journey_has_its_map(demo_world, mapped):
    labels = read_table(demo_world.paths, "journeys")
    planted = demo_world.planted(labels["client_id"], "journey")
    cross = pd.crosstab(labels["journey"].astype(str), planted)
    maps = [m for m in mapped.models if m.journey != "all"]
    assert len(maps) == len(demo_world.truth_json()["journeys"]) == 3
    purity = cross.max(axis=1) / cross.sum(axis=1)
    assert (purity >= 0.95).all()
    assert cross.idxmax(axis=1).is_unique  # one map per planted journey
    for model in maps:
        assert model.clients == cross.loc[model.journey].sum()
        assert set(mapped.files[model.journey]) == {demo_world.paths.report / "maps" / f"map_journey_{model.journey}{s}"
                                                     for s in (".png", ".svg", ".pdf", ".html")}
    assert all(path.exists() for files in mapped.files.values() for path in files)


def test_planted_bottleneck_is_the_top_barrier(demo_world, mapped):
    truth = demo_world.truth_json()
    stage = demo_world.params["funnel"]["journey_stage_of"][truth["bottleneck_stage"]]
    everyone = mapped.models[0]
    assert everyone.bottleneck == stage
    assert everyone.recommendations[0]["stage"] == stage
    crm = [c.text for c in everyone.stage(stage).cells["barriers"] if c.unit == "deals"]
    planted = truth["lost_reasons_by_stage"][truth["bottleneck_stage"]]
    assert set(crm[:2]) == set(sorted(planted, key=planted.get, reverse=True)[:2])


def test_planted_low_point_is_the_curve_minimum(demo_world, mapped):
    everyone = mapped.models[0]
    scores = np.array([np.nan if s is None else s for s in everyone.curves[0].scores])
    low = everyone.stages[int(np.nanargmin(scores))].name
    assert low == everyone.low_point == demo_world.truth_json()["voice"]["emotion_low_stage"]


def test_every_number_matches_the_tables_of_04_to_06(demo_world, mapped):
    paths = demo_world.paths
    items = model_table(from_json(paths.report / "journey_model.json"))
    funnel = read_table(paths, "stage_funnel")
    funnel["group"] = funnel["group"].astype(str)
    crm_of = dict(zip(funnel["journey_stage"], funnel["stage"]))
    checked = 0
    for row in items[items["value"].notna() | items["n"].notna()].itertuples():
        crm = crm_of.get(row.stage)
        key = ("all", "all") if row.journey == "all" else ("journey", row.journey)
        if row.source == "stage_funnel":
            ours = funnel[(funnel["breakdown"] == key[0]) & (funnel["group"] == key[1]) & (funnel["stage"] == crm)]
            column = {"conversion": "conversion", "time_in_stage": "median_days"}.get(row.layer)
            if column:
                assert row.value == pytest.approx(ours[column].iloc[0])
            else:
                assert row.n == ours["lost"].iloc[0]
        elif row.source in ("lost_reasons", "journey_lost_reasons"):
            table = read_table(paths, row.source)
            if row.journey != "all":
                table = table[table["journey"].astype(str) == row.journey]
            assert row.n == table.set_index(["stage", "reason"]).loc[(crm, row.text), "cases"]
        elif row.source == "csat_by_stage":
            csat = read_table(paths, "csat_by_stage").query("segment == 'all'").set_index("stage")
            assert (row.value, row.n) == (pytest.approx(csat.loc[row.stage, "satisfied"]), csat.loc[row.stage, "n"])
        elif row.source == "stage_emotions":
            emotions = read_table(paths, "stage_emotions").set_index("stage")
            assert row.value == pytest.approx(emotions.loc[row.stage, "score"])
        elif row.source == "survey_drivers":
            drivers = read_table(paths, "survey_drivers").set_index("driver")
            assert row.value == pytest.approx(drivers.loc[row.stage, "importance"])
        elif row.source == "stage_touches":
            touches = read_table(paths, "stage_touches").set_index("stage")
            assert row.value == pytest.approx(touches.loc[crm, "mean_touches"])
        else:
            continue
        checked += 1
    assert checked > 150


def test_tables_for_bi(demo_world, mapped):
    tables = demo_world.paths.report / "tables"
    for name in ("map_items", "recommendations", "touchpoint_list", "emotion_curves", "stage_funnel",
                 "lead_flows", "nps_by_segment"):
        frame = pd.read_csv(tables / f"{name}.csv", encoding="utf-8-sig")
        assert len(frame) == len(mapped.tables[name])
    assert (demo_world.paths.report / "tables.xlsx").exists()
    assert not any("client_id" in frame for frame in mapped.tables.values())  # aggregates only


def test_the_report_is_readable_when_published_and_private_is_not(demo_world, mapped):
    mask = os.umask(0)
    os.umask(mask)
    if mask & 0o005:
        pytest.skip(f"the umask {mask:03o} itself keeps files from others")
    report = demo_world.paths.report
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [report, *report.rglob("*")]}
    assert {p.suffix for p in modes} >= {".png", ".svg", ".pdf", ".html", ".xlsx", ".json", ".csv"}
    for path, mode in modes.items():  # a web server (another user) reads every file and enters every folder
        assert mode & (0o005 if path.is_dir() else 0o004), f"{path.relative_to(report)}: {mode:o}"
    private = demo_world.paths.private
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in private.iterdir()}
    assert {"secret.key", "reidentification.csv"} <= set(modes)  # and the leak check's caches, once it ran
    assert set(modes.values()) == {0o600}, modes
