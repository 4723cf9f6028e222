"""03 on clients that are not the demo's: the README's examples of a lead list, subscription
customers and a purchase log, on generated exports with planted groups. The chosen split
recovers the groups from the engagement's own columns and derived features, and the
portraits speak the engagement's words."""

import re

import pandas as pd
import pytest
from engagements import make_engagement
from sklearn.metrics import adjusted_rand_score

from cjm.privacy.anonymize import anonymize
from cjm.analysis.clean import clean
from cjm.core.params import load_params
from cjm.core.paths import EngagementPaths
from cjm.analysis.segment import segment
from cjm.present.segments import portray


def _segmented(tmp_path, name, n_segments):
    truth = make_engagement(tmp_path, name, scale=0.5)
    params = load_params(name, tmp_path)
    params["segment"]["n_segments"] = n_segments
    anonymized = anonymize(params, EngagementPaths(name, tmp_path))
    tables = clean(params, anonymized.frames).tables
    section = params["segment"]
    result = portray(segment(tables["clients"], tables["deals"], tables.get("touches"), section, params["seed"],
                             params.get("export_date")), section, params["language"])
    back = anonymized.reidentification.set_index("pseudonym")["original"]
    return result, truth, result.labels.index.to_series().map(back)


def _check_words(result):
    names = result.portraits["segment_name"]
    assert names.is_unique
    for portrait in result.portraits["portrait"]:  # a stated difference has two different numbers
        for a, b in re.findall(r"(\S+) (?:vs|против) (\S+?)(?:;|$)", portrait):
            assert a != b, portrait


def test_leads_segments_are_the_planted_groups(tmp_path):
    result, truth, originals = _segmented(tmp_path, "bank_leads", 3)
    planted = originals.map(lambda o: truth["group"].iloc[int(o.split(":")[1]) - 1])
    assert adjusted_rand_score(planted, result.labels) >= 0.7
    _check_words(result)
    assert any("older" in name for name in result.portraits["segment_name"])


def test_subscription_segments_are_the_planted_groups(tmp_path):
    result, truth, originals = _segmented(tmp_path, "telco_churn", 3)
    planted = originals.map(truth.set_index("customerID")["group"])
    assert adjusted_rand_score(planted, result.labels) >= 0.7
    _check_words(result)
    assert result.summary["feature"].tolist()[:2] == ["стаж, мес.", "платёж в месяц"]


def test_purchase_log_segments_from_recency_frequency_and_money(tmp_path):
    result, truth, originals = _segmented(tmp_path, "cd_store", 3)
    customers = truth["customers"].set_index("customer_id")
    planted = originals.map(customers["group"])
    assert adjusted_rand_score(planted, result.labels) >= 0.7
    _check_words(result)
    features = result.features.assign(original=originals)
    frequency = features.set_index("original")["frequency"]
    assert (frequency == customers["purchases"].reindex(frequency.index)).all()
    monetary = features.set_index("original")["monetary"]
    assert monetary.to_numpy() == pytest.approx(customers["total_amount"].reindex(monetary.index).to_numpy())
    last = pd.to_datetime(customers["last_purchase"]).reindex(frequency.index)
    recency = features.set_index("original")["recency"]
    assert recency.to_numpy() == pytest.approx(((pd.Timestamp("1998-07-01") - last).dt.days).to_numpy())
    assert result.notes == {"export_date": "1998-07-01", "export_date_from": "params"}
