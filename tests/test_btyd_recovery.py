"""Parameter recovery: 95% intervals cover the true parameters in 90-99 of 100 simulated datasets."""
import numpy as np
import pytest

from relmkt_utils.btyd import BetaGeo, GammaGamma, simulate_bgnbd, simulate_gammagamma

TRUE_BG = dict(r=0.5, alpha=5.0, a=0.8, b=2.5)
TRUE_GG = dict(p=6.0, q=4.0, gamma=15.0)
N_DATASETS, N_CUSTOMERS = 100, 5000


def _coverage():
    hits_bg = {k: 0 for k in TRUE_BG}
    hits_gg = {k: 0 for k in TRUE_GG}
    for seed in range(N_DATASETS):
        T = np.random.default_rng(10_000 + seed).uniform(20, 60, N_CUSTOMERS)
        sim = simulate_bgnbd(N_CUSTOMERS, T=T, seed=seed, **TRUE_BG)
        res = BetaGeo(sim.frequency, sim.recency, sim["T"]).fit()
        assert res.converged
        ci = res.conf_int()
        for k, v in TRUE_BG.items():
            hits_bg[k] += int(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"])
        x = sim.frequency[sim.frequency > 0].to_numpy()
        spend = simulate_gammagamma(x, seed=seed, **TRUE_GG)
        gg = GammaGamma(spend.frequency, spend.monetary_value).fit()
        assert gg.converged
        ci = gg.conf_int()
        for k, v in TRUE_GG.items():
            hits_gg[k] += int(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"])
    return hits_bg, hits_gg


@pytest.mark.slow
def test_interval_coverage_bgnbd_and_gammagamma():
    hits_bg, hits_gg = _coverage()
    print("coverage BG/NBD", hits_bg, "Gamma-Gamma", hits_gg)
    for name, hits in {**hits_bg, **hits_gg}.items():
        assert 90 <= hits <= 99, (name, hits)
