"""Small groups are pooled for every group comparison (issue 24): 40 groups, 30 of them tiny."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.core.errors import ParameterError
from relmkt_utils.data.dataset import Dataset


def shop(sizes):
    labels = np.repeat([f"c{i:02d}" for i in range(len(sizes))], sizes)
    customers = pd.DataFrame({"customer_id": [str(i) for i in range(len(labels))], "country": labels})
    return Dataset("shop", {"observation_start": "2020-01-01", "observation_end": "2020-12-31"}, customers=customers)


def test_forty_groups_thirty_of_them_small_become_at_most_eight():
    ds = shop([300] * 5 + [60] * 5 + [10] * 30)
    columns, notes = ds.pool_segments("country", min_size=50)
    counts = ds.customers["country"].value_counts()
    assert columns == ["country"] and len(counts) == 8 and counts.min() >= 50
    assert counts["other (33 groups, 480 customers)"] == 480 and counts.sum() == 2100   # nobody lost
    assert "33 groups with fewer than 50 customers" in notes[0]


def test_groups_that_are_all_large_and_few_are_left_alone():
    ds = shop([100, 200, 300])
    before = ds.customers.copy()
    assert ds.pool_segments("country", min_size=50) == (["country"], [])
    pd.testing.assert_frame_equal(ds.customers, before)


def test_missing_labels_stay_missing_and_bad_sizes_are_refused():
    ds = shop([100, 100, 5])
    ds.customers.loc[0, "country"] = None
    ds.pool_segments("country", min_size=50)
    assert ds.customers["country"].isna().sum() == 1
    with pytest.raises(ParameterError, match="segment_min_size"):
        shop([10]).pool_segments("country", min_size=0)
