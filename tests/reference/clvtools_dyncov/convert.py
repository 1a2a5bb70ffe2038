"""Extract CLVTools' fitted dynamic-covariate Pareto/NBD (``tests/testthat/fitted_dyncov.rds``) into CSVs.

Source: the R package CLVTools, GitHub bachmannpatrick/CLVTools at commit
1b06356b0ec07640b532c666aff29e2a3b8393fa (release 0.12.1), file ``tests/testthat/fitted_dyncov.rds``
(GPL-3): a ``clv.pnbd.dynamic.cov`` object fitted by CLVTools' test helper (a short Nelder-Mead run) to
400 customers of CLVTools' earlier apparel data, 52 weeks of calibration from 2005-01-02, with the
covariates High.Season (the same for everybody, weekly), Gender and Channel (per customer, constant) for
both processes. Its slot ``LL.data`` holds CLVTools' C++ log-likelihood of each customer
(``pnbd_dyncov_LL_ind``) and its intermediate values at the parameters in ``optimx.estimation.output``.

Written: ``transactions.csv`` (customer_id, date: the calibration purchases), ``covariates.csv``
(period_start, high_season: the weekly covariate through the calibration), ``customers.csv``
(customer_id, gender, channel, and CLVTools' ``LL``, ``A1sum`` = sum of the purchase covariate effects at
the repeat purchases, ``Bksum`` = B(T), ``DkT`` = D(T)), ``params.csv`` (CLVTools' parameter name, value).
The .rds is read by ``data/rda.py`` extended here for R's S4 objects and closures; its SHA-256 is checked.

Usage::

    python tests/reference/clvtools_dyncov/convert.py PATH/TO/CLVTools
"""
from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "data"))
import rda  # noqa: E402

SHA256 = "a48dd065ca51d743ad034a52e42ba4f6c5b1a8f7f898b75605a8529c6ce9048a"
CALIBRATION_END = 13149.0          # 2006-01-01, the object's clv.time@timepoint.estimation.end (days)


class _Reader(rda._Reader):
    """rda's reader with R's S4 objects (type 25), closures (3) and promises (5)."""

    def item(self):
        save = self.i
        flags = self.int()
        t = flags & 0xFF
        if t == 25:
            return ("S4", self.attributes(flags))
        if t == 3:
            self.attributes(flags)
            self.item(), self.item(), self.item()
            return ("closure",)
        if t == 5:
            self.attributes(flags)
            if flags & (1 << 10):
                self.item()
            self.item(), self.item()
            return ("promise",)
        self.i = save
        return super().item()


def _frame(obj) -> pd.DataFrame:
    names = obj.attrs["names"].value
    return pd.DataFrame({n: (v.value if isinstance(v, rda._RObj) else v) for n, v in zip(names, obj.value)})


def main(root: Path) -> None:
    path = root / "tests" / "testthat" / "fitted_dyncov.rds"
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{path}: SHA-256 {digest} is not the one of commit 1b06356")
    r = _Reader(gzip.decompress(raw))
    r.i = 7
    version = r.int()
    r.int(), r.int()
    if version == 3:
        r.take(r.int())
    fitted = rda._Reader.pairlist_dict(r.item())["fitted_dyncov"][1]
    data = fitted["clv.data"][1]
    tr = _frame(data["data.transactions"])
    cov = _frame(data["data.cov.life"])
    covt = _frame(data["data.cov.trans"])
    if not np.array_equal(cov[["High.Season", "Gender", "Channel"]].to_numpy(),
                          covt[["High.Season", "Gender", "Channel"]].to_numpy()):
        raise SystemExit("the lifetime and transaction covariates differ")
    if cov.groupby("Cov.Date")["High.Season"].nunique().max() != 1 or cov.groupby("Id")[["Gender", "Channel"]].nunique().max().max() != 1:
        raise SystemExit("High.Season differs between customers or Gender/Channel change over time")
    ll = _frame(fitted["LL.data"])
    est = fitted["optimx.estimation.output"]
    names = est.attrs["names"].value
    params = {n: float(v.value[0]) for n, v in zip(names, est.value) if n.startswith(("log.", "life.", "trans."))}
    day = lambda d: pd.to_datetime(d, unit="D").dt.strftime("%Y-%m-%d")   # noqa: E731
    cal = tr[tr["Date"] <= CALIBRATION_END]
    pd.DataFrame({"customer_id": cal["Id"], "date": day(cal["Date"])}).to_csv(HERE / "transactions.csv", index=False,
                                                                             lineterminator="\n")
    weeks = cov.groupby("Cov.Date", as_index=False)["High.Season"].first()
    weeks = weeks[weeks["Cov.Date"] <= CALIBRATION_END + 7]
    pd.DataFrame({"period_start": day(weeks["Cov.Date"]), "high_season": weeks["High.Season"].astype(int)}).to_csv(
        HERE / "covariates.csv", index=False, lineterminator="\n")
    static = cov.groupby("Id")[["Gender", "Channel"]].first().astype(int)
    out = ll.set_index("Id")[["LL", "A1sum", "Bksum", "DkT"]]
    customers = static.rename(columns={"Gender": "gender", "Channel": "channel"}).join(out)
    customers.index.name = "customer_id"
    customers.sort_index().to_csv(HERE / "customers.csv", float_format="%.17g", lineterminator="\n")
    pd.Series(params, name="value").rename_axis("parameter").to_csv(HERE / "params.csv", float_format="%.17g",
                                                                    lineterminator="\n")
    print(f"{len(customers)} customers, {len(cal)} calibration transactions, {len(weeks)} weeks; SHA-256 {digest}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
