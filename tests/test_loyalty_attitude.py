"""Dick & Basu (1994) matrix on a hand example."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.loyalty import DICK_BASU_CELLS, dick_basu_cell, dick_basu_matrix


@pytest.fixture
def data():
    tx = pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "C", "C", "D", "Z"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-10", "2024-01-05", "2024-01-20",
                                "2024-03-01", "2024-03-15", "2024-03-16"]),
        "amount": [15.0, 20.0, 5.0, 100.0, 30.0, 30.0, 7.0, 999.0],
    })
    survey = pd.DataFrame({  # A answered twice: the later answer (9) counts
        "customer_id": ["A", "B", "C", "D", "F", "A"],
        "date": pd.to_datetime(["2024-03-01", "2024-02-01", "2024-02-01", "2024-02-01", "2024-02-01",
                                "2024-01-15"]),
        "nps": [9, 10, 3, 6, 9, 2],
    })
    return survey, tx


def test_dick_basu_hand_example(data):
    survey, tx = data
    res = dick_basu_matrix(survey, tx)
    # frequencies A3 B1 C2 D1 F0 -> median 1; high patronage = A, C. Z is not surveyed.
    assert res.patronage_threshold == 1.0
    assert res.customers["cell"].astype(str).to_dict() == {
        "A": "true loyalty", "B": "latent loyalty", "C": "spurious loyalty", "D": "no loyalty",
        "F": "latent loyalty"}
    cells = res.cells
    assert cells.index.tolist() == list(DICK_BASU_CELLS)
    assert cells["customers"].tolist() == [1, 2, 1, 1]
    assert cells["revenue"].tolist() == [40.0, 100.0, 60.0, 7.0]
    assert cells["share_revenue"].sum() == pytest.approx(1.0)
    assert cells.loc["latent loyalty", "revenue_per_customer"] == pytest.approx(50.0)


def test_dick_basu_thresholds_are_parameters(data):
    survey, tx = data
    res = dick_basu_matrix(survey, tx, attitude_threshold=3, patronage_threshold=0)
    # everyone has attitude >= 3 except none; patronage > 0 except F
    assert res.cells.loc["true loyalty", "customers"] == 4
    assert res.cells.loc["latent loyalty", "customers"] == 1
    assert res.cells.loc["spurious loyalty", "customers"] == 0


def test_dick_basu_cell_rule():
    cells = dick_basu_cell(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    assert cells.tolist() == list(DICK_BASU_CELLS)
