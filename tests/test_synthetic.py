"""Tests of the synthetic world (relmkt_utils.data.synthetic): determinism, table rules, and truth recovery."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from relmkt_utils.data.dataset import save
from relmkt_utils.core.errors import ParameterError
from relmkt_utils.data.synthetic import DEFAULT_TRUTH, simulate, synthesize
from relmkt_utils.data.synthetic import choices as sc
from relmkt_utils.data.synthetic import purchases as sp
from relmkt_utils.data.synthetic import referrals as sr
from relmkt_utils.data.synthetic import spend as ss
from relmkt_utils.data.tables import CHANNELS, CONSTRUCTS, REFERRAL_GROUPS, RELATIONSHIP_LEVELS, TABLE_NAMES as ALL_TABLES

# the synthetic world has every canonical table but cohorts (survivors of contractual cohorts)
TABLE_NAMES = tuple(t for t in ALL_TABLES if t != "cohorts")

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "synthetic"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def world():
    return simulate()


@pytest.fixture(scope="module")
def ds(world):
    return world.dataset


def _make_script():
    spec = importlib.util.spec_from_file_location("make_synthetic", ROOT / "data" / "make_synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------------------- determinism

def test_same_seed_same_bytes(tmp_path):
    save(synthesize(seed=7, n_customers=800, bgnbd={"r": 0.2}), tmp_path / "a")
    save(synthesize(seed=7, n_customers=800, bgnbd={"r": 0.2}), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(a) == {f"{t}.csv" for t in TABLE_NAMES} | {"dataset.yml"}
    assert a == b


def test_other_seed_other_data(tmp_path):
    a, b = synthesize(seed=1, n_customers=500), synthesize(seed=2, n_customers=500)
    assert not a.transactions["amount"].equals(b.transactions["amount"])


def test_committed_dataset_is_regenerated_byte_for_byte(tmp_path):
    assert COMMITTED.is_dir(), "data/synthetic is missing: run python data/make_synthetic.py"
    _make_script().main(tmp_path)
    committed, fresh = _files(COMMITTED), _files(tmp_path)
    assert set(committed) == set(fresh)
    for name in fresh:
        assert committed[name] == fresh[name], f"data/synthetic/{name} differs from a fresh regeneration"


# ---------------------------------------------------------------------------- rules of the tables

def test_all_tables_present_and_rule_abiding(ds):
    _assert_rules(ds)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(150, 500))
def test_rules_hold_for_any_seed(tmp_path_factory, seed, n):
    d = synthesize(seed=seed, n_customers=n)
    _assert_rules(d)
    datasets = _datasets_module()
    if datasets is not None:
        out = tmp_path_factory.mktemp("syn")
        save(d, out)
        loaded = datasets.load(out)
        assert len(loaded.customers) == len(d.customers)


def test_too_few_customers_is_a_clear_error():
    with pytest.raises(ParameterError, match="empty table"):
        synthesize(n_customers=1)


def _datasets_module():
    try:
        import relmkt_utils.data.datasets as datasets
    except ImportError:
        return None
    return datasets if hasattr(datasets, "load") else None


def _assert_rules(ds):
    assert all(getattr(ds, t) is not None and len(getattr(ds, t)) > 0 for t in TABLE_NAMES)
    start, end = ds.observation_start, ds.observation_end
    c, tx, sv, rf, ch, sp_ = ds.customers, ds.transactions, ds.survey, ds.referrals, ds.choices, ds.spend

    def in_window(s):
        s = s.dropna()
        return bool(((s >= start) & (s <= end)).all())

    # ids are strings, customer ids unique, references exist
    for df, cols in ((c, ["customer_id"]), (tx, ["customer_id"]), (sv, ["customer_id"]),
                     (rf, ["referrer_id", "referee_id"]), (ch, ["respondent_id", "task", "alternative"])):
        for col in cols:
            assert df[col].dropna().map(type).eq(str).all(), col
    assert c["customer_id"].is_unique
    known = set(c["customer_id"])
    assert set(tx["customer_id"]) <= known and set(sv["customer_id"]) <= known
    assert set(rf["referrer_id"]) <= known and set(rf["referee_id"].dropna()) <= known
    assert rf["referee_id"].dropna().is_unique
    # dates inside the window
    for s in (c["acquired_at"], tx["date"], sv["date"], rf["invited_at"], rf["converted_at"]):
        assert in_window(s)
    # amounts finite and >= 0
    for s in (c["acquisition_cost"], tx["amount"], rf["reward_referrer"], rf["reward_referee"],
              *(sp_[k] for k in sp_.columns if k not in ("period", "period_start"))):
        v = s.to_numpy(dtype=float)
        assert np.isfinite(v).all() and (v >= 0).all()
    # categories
    assert set(c["channel"]) <= set(CHANNELS) and set(c["channel"]) == set(CHANNELS)
    assert set(c["relationship_level"]) == set(RELATIONSHIP_LEVELS)
    assert set(c["referral_group"]) == set(REFERRAL_GROUPS)
    # scales
    assert sv["nps"].between(0, 10).all() and pd.api.types.is_integer_dtype(sv["nps"])
    likert = [f"{k}_{i}" for k in CONSTRUCTS for i in (1, 2, 3)]
    for col in ["satisfaction", "repurchase_intent", *likert]:
        assert pd.api.types.is_integer_dtype(sv[col]) and sv[col].between(1, 7).all(), col
    assert sv["customer_id"].is_unique  # one response each
    # choices: one chosen per respondent and task
    assert ch["chosen"].isin([0, 1]).all()
    assert (ch.groupby(["respondent_id", "task"])["chosen"].sum() == 1).all()
    # referrals: pairs and order
    conv = rf["referee_id"].notna()
    assert (conv == rf["converted_at"].notna()).all()
    assert (rf.loc[conv, "converted_at"] >= rf.loc[conv, "invited_at"]).all()
    # one purchase per customer and day; first purchase on acquired_at
    assert not tx.duplicated(["customer_id", "date"]).any()
    first = tx.groupby("customer_id")["date"].min()
    assert first.reindex(c["customer_id"]).eq(c.set_index("customer_id")["acquired_at"]).all()
    # spend periods unique
    assert sp_["period"].is_unique


def test_csv_text_follows_rules():
    """The committed files as text: ISO dates, ids never numeric-looking floats, empty = not converted."""
    rf = pd.read_csv(COMMITTED / "referrals.csv", dtype=str, keep_default_na=False)
    for col in ("invited_at",):
        assert rf[col].str.match(ISO).all()
    conv = rf["referee_id"] != ""
    assert (conv == (rf["converted_at"] != "")).all()
    assert rf.loc[conv, "converted_at"].str.match(ISO).all()
    tx = pd.read_csv(COMMITTED / "transactions.csv", dtype=str)
    assert tx["date"].str.match(ISO).all() and tx["customer_id"].str.match(r"^C\d+$").all()
    meta = yaml.safe_load((COMMITTED / "dataset.yml").read_text(encoding="utf-8"))
    for key in ("name", "description", "currency", "time_unit", "observation_start", "observation_end",
                "provenance", "licence", "truth"):
        assert key in meta
    assert meta["name"] == "synthetic" and meta["currency"] == "EUR" and meta["time_unit"] == "week"


def test_loads_with_datasets_module():
    datasets = _datasets_module()
    if datasets is None:
        pytest.skip("relmkt_utils.data.datasets.load not available")
    d = datasets.load(COMMITTED)
    assert all(getattr(d, t) is not None for t in TABLE_NAMES)
    assert d.truth["bgnbd"]["r"] == DEFAULT_TRUTH["bgnbd"]["r"]


# ---------------------------------------------------------------------------- truth dict

def test_truth_roundtrips_through_yaml(ds):
    truth = ds.truth
    text = yaml.safe_dump(truth, sort_keys=False)
    assert yaml.safe_load(text) == truth
    assert "!!" not in text  # plain types only (no numpy/python tags)
    committed = yaml.safe_load((COMMITTED / "dataset.yml").read_text(encoding="utf-8"))
    assert committed["truth"] == truth


def test_truth_records_parameters_and_derived_values(ds):
    t = ds.truth
    for section, params in DEFAULT_TRUTH.items():
        for k, v in params.items():
            assert t[section][k] == v, (section, k)
    assert 0.6 < t["realized"]["realized_top20_revenue_share"] < 0.95
    assert 0.16 <= t["referrals"]["derived"]["true_clv_uplift"] <= 0.25
    wtp = t["choices"]["derived"]["wtp_per_level"]
    assert wtp["product_value"] == pytest.approx(-t["choices"]["betas"]["product_value"] / t["choices"]["beta_price"])
    md = t["relationship_levels"]["derived"]["mean_dropout_probability"]
    assert md["financial"] > md["social"] > md["structural"]
    # shares-weighted level means give back the Beta mean a / (a + b)
    sh = t["relationship_levels"]["shares"]
    assert sum(sh[k] * md[k] for k in sh) == pytest.approx(t["bgnbd"]["derived"]["mean_dropout_probability"], rel=1e-6)


def test_overrides_addressing_and_errors():
    a = synthesize(seed=3, n_customers=300, bgnbd={"r": 0.2}).truth
    b = synthesize(seed=3, n_customers=300, bgnbd__r=0.2).truth
    c = synthesize(seed=3, n_customers=300, r=0.2).truth
    assert a["bgnbd"]["r"] == b["bgnbd"]["r"] == c["bgnbd"]["r"] == 0.2
    assert DEFAULT_TRUTH["bgnbd"]["r"] != 0.2  # defaults untouched
    with pytest.raises(ParameterError, match="unknown"):
        synthesize(n_customers=100, not_a_parameter=1)
    with pytest.raises(ParameterError, match="ambiguous"):
        synthesize(n_customers=100, mean=3.0)  # acquisition_cost organic.mean and paid.mean
    with pytest.raises(ParameterError):
        synthesize(n_customers=100, bgnbd={"r": -1})
    with pytest.raises(ParameterError):
        synthesize(n_customers=100, bgnbd={"rr": 1})
    with pytest.raises(ParameterError):
        synthesize(n_customers=0)


def test_streams_are_independent_per_table():
    base = synthesize(seed=5, n_customers=600)
    other = synthesize(seed=5, n_customers=600, choices={"beta_price": -0.1}, spend={"k_a": 0.9},
                       survey={"nps": {"beta": 0.5, "shares": DEFAULT_TRUTH["survey"]["nps"]["shares"]}})
    for t in ("customers", "transactions", "referrals"):
        pd.testing.assert_frame_equal(getattr(base, t), getattr(other, t))
    assert not base.choices["chosen"].equals(other.choices["chosen"])  # only the choices changed
    pd.testing.assert_frame_equal(base.choices.drop(columns="chosen"), other.choices.drop(columns="chosen"))
    pd.testing.assert_series_equal(base.survey["satisfaction"], other.survey["satisfaction"])


# ---------------------------------------------------------------------------- truth recovery

def test_repeat_purchases_match_bgnbd_closed_form(world, ds):
    """Mean repeat purchases of non-referred customers vs E[X(T_i)] averaged over their exposures."""
    t = ds.truth["bgnbd"]
    lat = world.latent
    c = ds.customers.set_index("customer_id").loc[lat["customer_id"]]
    mask = (c["channel"] != "referral").to_numpy()
    x = lat["x"].to_numpy()[mask]
    T = lat["exposure_days"].to_numpy()[mask] / 7.0
    expected = sp.expected_repeat(T, t["r"], t["alpha"], t["a"], t["b"])
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert abs(x.mean() - expected.mean()) < 4 * se
    # the observable count equals the latent one
    n_tx = ds.transactions.groupby("customer_id").size().reindex(lat["customer_id"]).to_numpy() - 1
    assert (n_tx == lat["x"].to_numpy()).all()


def test_dropout_marginal_is_beta(world, ds):
    t = ds.truth["bgnbd"]
    base = world.latent.loc[world.latent["generation"] == 0, "p_base"]
    assert stats.kstest(base, "beta", args=(t["a"], t["b"])).pvalue > 1e-3


def test_scaled_expectation_matches_closed_form():
    for a, b in ((0.4, 1.6), (0.8, 2.4), (2.0, 3.0)):
        assert sp.expected_repeat_scaled(100.0, 0.2, 3.0, a, b, 1.0) == pytest.approx(
            float(sp.expected_repeat(100.0, 0.2, 3.0, a, b)), rel=1e-9)
    assert sp.expected_repeat_scaled(100.0, 0.2, 3.0, 0.8, 2.4, 0.5) > sp.expected_repeat_scaled(100.0, 0.2, 3.0, 0.8, 2.4, 1.0)


def test_relationship_levels_order_dropout(world, ds):
    lat = world.latent
    truth = ds.truth["relationship_levels"]["derived"]["mean_dropout_probability"]
    dead = lat.groupby("relationship_level")["dead"].mean()
    assert dead["financial"] > dead["social"] > dead["structural"]
    p = lat.groupby("relationship_level")["p_base"].agg(["mean", "std", "size"])
    for lv in RELATIONSHIP_LEVELS:
        assert abs(p.loc[lv, "mean"] - truth[lv]) < 4 * p.loc[lv, "std"] / np.sqrt(p.loc[lv, "size"])
    # observable: customers acquired in 2024 H1 with no purchase in the last 26 weeks, by level
    c, tx = ds.customers, ds.transactions
    last = tx.groupby("customer_id")["date"].max()
    early = c[c["acquired_at"] < pd.Timestamp("2024-07-01")].set_index("customer_id")
    quiet = (last.reindex(early.index) < ds.observation_end - pd.Timedelta(weeks=26)).groupby(early["relationship_level"]).mean()
    assert quiet["financial"] > quiet["structural"]


def test_top20_share_recorded(ds):
    rev = ds.transactions.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    k = int(np.ceil(0.2 * len(rev)))
    assert ds.truth["realized"]["realized_top20_revenue_share"] == pytest.approx(rev.iloc[:k].sum() / rev.sum(), rel=1e-9)


def test_choice_shares_follow_the_logit(ds):
    ch = ds.choices
    prob = sc.probabilities(ch, ds.truth)
    assert np.allclose(pd.Series(prob).groupby([ch["respondent_id"], ch["task"]]).sum(), 1.0)
    y = ch["chosen"].to_numpy()
    for _, idx in ch.groupby("price").groups.items():
        pi = prob[ch.index.get_indexer(idx)]
        obs, exp_, sd = y[ch.index.get_indexer(idx)].sum(), pi.sum(), np.sqrt((pi * (1 - pi)).sum())
        assert abs(obs - exp_) < 4 * sd
    # conditional-logit MLE recovers the part-worths
    cols = list(sc.ATTRIBUTES) + ["price"]
    X = ch[cols].to_numpy(dtype=float).reshape(-1, ds.truth["choices"]["n_alternatives"], len(cols))
    Y = y.reshape(X.shape[:2]).argmax(axis=1)

    def nll(beta):
        v = X @ beta
        v = v - v.max(axis=1, keepdims=True)
        return -(v[np.arange(len(Y)), Y] - np.log(np.exp(v).sum(axis=1))).sum()

    res = optimize.minimize(nll, np.zeros(len(cols)), method="BFGS")
    se = np.sqrt(np.diag(res.hess_inv))
    true = np.array([ds.truth["choices"]["betas"][k] for k in sc.ATTRIBUTES] + [ds.truth["choices"]["beta_price"]])
    assert (np.abs(res.x - true) < 4.5 * se).all()


def test_referrals_experiment(world, ds):
    c, rf, t = ds.customers, ds.referrals, ds.truth["referrals"]
    grp = c.set_index("customer_id")["referral_group"]
    # holdout rows: converted word of mouth, unrewarded; program converted rows rewarded
    g = grp.reindex(rf["referrer_id"]).to_numpy()
    conv = rf["referee_id"].notna().to_numpy()
    assert conv[g == "holdout"].all()
    assert (rf.loc[g == "holdout", ["reward_referrer", "reward_referee"]] == 0).all().all()
    assert (rf.loc[(g == "program") & conv, "reward_referrer"] == t["rewards"]["referrer"]).all()
    assert (rf.loc[~conv, ["reward_referrer", "reward_referee"]] == 0).all().all()
    # converted referees are referral-channel customers acquired when they converted, cost = rewards
    ref_c = c.set_index("customer_id").loc[rf.loc[conv, "referee_id"]]
    assert (ref_c["channel"] == "referral").all()
    assert (ref_c["acquired_at"].to_numpy() == rf.loc[conv, "converted_at"].to_numpy()).all()
    paid = rf.loc[conv, ["reward_referrer", "reward_referee"]].sum(axis=1).to_numpy()
    assert np.allclose(ref_c["acquisition_cost"].to_numpy(), paid)
    assert set(c.loc[c["channel"] == "referral", "customer_id"]) == set(rf["referee_id"].dropna())
    # referred customers per customer by group vs the true conditional expectation
    n_ref = rf[conv].groupby("referrer_id").size().reindex(c["customer_id"], fill_value=0)
    by = n_ref.groupby(grp.reindex(c["customer_id"]).to_numpy()).agg(["mean", "std", "size"])
    exp_ = t["derived"]["expected_converted_referrals_per_customer_in_window"]
    for gname in REFERRAL_GROUPS:
        se = by.loc[gname, "std"] / np.sqrt(by.loc[gname, "size"])
        assert abs(by.loc[gname, "mean"] - exp_[gname]) < 4.5 * se + 0.02 * exp_[gname]
    assert by.loc["program", "mean"] > by.loc["holdout", "mean"]
    assert t["derived"]["cannibalization_share"] == pytest.approx(t["invite_rate"]["holdout"] / t["invite_rate"]["program"])


def test_expected_converted_closed_form():
    rng = np.random.default_rng(0)
    n = 400_000
    s, e, end, mean_days = 100, 300, 320, 14.0
    inv = rng.integers(s, e + 1, n)
    ok = (inv + np.floor(rng.exponential(mean_days, n))) <= end
    # rate such that one invitation per day on average over the span
    expected = sr.expected_converted(np.array([365.25]), np.array([s]), np.array([e]), end, 1.0, mean_days)[0]
    assert ok.mean() * (e - s + 1) == pytest.approx(expected, rel=0.01)


def test_survey_measurement_and_links(world, ds):
    sv, t = ds.survey, ds.truth["survey"]
    assert len(sv) / len(ds.customers) == pytest.approx(t["response_share"], abs=0.03)
    for k in CONSTRUCTS:
        items = sv[[f"{k}_{i}" for i in (1, 2, 3)]].to_numpy(dtype=float)
        var = items.var(axis=0, ddof=1).sum()
        alpha = 3 / 2 * (1 - var / items.sum(axis=1).var(ddof=1))
        assert 0.72 < alpha < 0.92, (k, alpha)
    shares = sv["nps"].value_counts(normalize=True).reindex(range(11), fill_value=0).to_numpy()
    assert np.abs(shares - np.asarray(t["nps"]["shares"])).max() < 0.04
    sat = sv["satisfaction"]
    assert np.corrcoef(sat, sv["product_value_1"])[0, 1] > 0.1
    assert np.corrcoef(sat, sv["monetary_cost_1"])[0, 1] < -0.05
    # word of mouth by NPS group
    grp = np.where(sv["nps"] >= 9, "promoter", np.where(sv["nps"] >= 7, "passive", "detractor"))
    wom = ds.truth["word_of_mouth"]
    for gname in ("promoter", "detractor"):
        m = sv.loc[grp == gname, ["positive_mentions", "negative_mentions"]].mean()
        assert m["positive_mentions"] == pytest.approx(wom["positive_mean"][gname], rel=0.1, abs=0.2)
        assert m["negative_mentions"] == pytest.approx(wom["negative_mean"][gname], rel=0.1, abs=0.2)
    # delivered value shifts satisfaction and dropout the way the truth says
    lat = world.latent.set_index("customer_id").loc[sv["customer_id"]]
    assert stats.spearmanr(lat["z_value"], sat).statistic > 0.5


def test_spend_follows_response_curves(ds):
    sp_, t = ds.spend, ds.truth["spend"]
    a = ss.acquisition_rate(sp_["acquisition_spend"] / sp_["prospects"], t)
    r = ss.retention_rate(sp_["retention_spend"] / sp_["customers_at_start"], t)
    za = (sp_["new_customers"] - sp_["prospects"] * a) / np.sqrt(sp_["prospects"] * a * (1 - a))
    zr = (sp_["retained_customers"] - sp_["customers_at_start"] * r) / np.sqrt(sp_["customers_at_start"] * r * (1 - r))
    assert np.abs(za).max() < 4.5 and np.abs(zr).max() < 4.5
    nxt = (sp_["retained_customers"] + sp_["new_customers"]).to_numpy()[:-1]
    assert (sp_["customers_at_start"].to_numpy()[1:] == nxt).all()
    o = t["derived"]
    assert 0 < o["optimal_acquisition_spend_per_prospect"] and 0 < o["optimal_retention_spend_per_customer"]
