"""Write the corpus of small datasets used by the validation tests (output committed).

``valid/`` is a tiny dataset with all seven tables that passes every rule. Each folder under
``malformed/`` is ``valid`` with one mistake, and ``cases.yml`` names the rule (code), file and
column its DataError must name (and, for some cases, the values it quotes and its detail). A case
may change more than one file (``ALSO``) or add a file that ``valid`` lacks (old text None). Run
``python tests/datasets/make_corpus.py`` after changing it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

META = """name: tiny
description: Six tiny tables that pass every rule of the canonical tables.
currency: EUR
time_unit: week
observation_start: 2024-01-01
observation_end: 2024-12-31
provenance: hand-written for relmkt's validation tests
licence: CC0
"""

TABLES = {
    "customers.csv": """customer_id,acquired_at,channel,acquisition_cost,relationship_level,referral_group,region
C1,2024-01-05,organic,10,financial,program,north
C2,2024-02-01,paid,55.5,social,holdout,south
C3,2024-03-10,referral,25,structural,program,north
""",
    "transactions.csv": """customer_id,date,amount,quantity
C1,2024-01-05,20.5,1
C1,2024-03-01,12,2
C2,2024-02-01,40,1
C3,2024-03-10,15.25,1
""",
    "survey.csv": """customer_id,date,nps,satisfaction,repurchase_intent,product_value_1,product_value_2,time_cost_1
C1,2024-04-01,9,6,7,6,5,2
C2,2024-04-02,3,2,3,3,2,6
""",
    "referrals.csv": """referrer_id,invited_at,referee_id,converted_at,reward_referrer,reward_referee
C1,2024-03-01,C3,2024-03-10,25,15
C1,2024-05-01,,,0,0
""",
    "choices.csv": """respondent_id,task,alternative,chosen,price,service_value
R1,1,A,1,30,3
R1,1,B,0,40,5
R2,1,A,0,30,3
R2,1,B,1,40,5
""",
    "spend.csv": """period,acquisition_spend,retention_spend,prospects,new_customers,customers_at_start,retained_customers
0,1000,500,2000,100,400,300
1,1200,600,2100,120,420,330
""",
    "cohorts.csv": """cohort,period,survivors,segment
2024Q1,0,100,north
2024Q1,1,70,north
2024Q1,2,55,north
2024Q2,0,80,
2024Q2,1,60,
""",
}

# case name: (file to change, old text, new text, expected code, file named, column named)
CASES = {
    "missing_column_amount": ("transactions.csv", "customer_id,date,amount,quantity", "customer_id,date,value,quantity", "missing_column", "transactions.csv", "amount"),
    "duplicate_customer_id": ("customers.csv", "C3,2024-03-10,referral,25,structural,program,north\n", "C3,2024-03-10,referral,25,structural,program,north\nC1,2024-04-01,organic,5,financial,holdout,south\n", "unique", "customers.csv", "customer_id"),
    "unknown_customer_in_transactions": ("transactions.csv", "C3,2024-03-10,15.25", "C9,2024-03-10,15.25", "foreign_key", "transactions.csv", "customer_id"),
    "unknown_referrer": ("referrals.csv", "C1,2024-05-01", "C7,2024-05-01", "foreign_key", "referrals.csv", "referrer_id"),
    "bad_date_format": ("transactions.csv", "C1,2024-03-01", "C1,03/01/2024x", "date_format", "transactions.csv", "date"),
    "date_outside_window": ("transactions.csv", "C2,2024-02-01,40", "C2,2025-02-01,40", "date_window", "transactions.csv", "date"),
    "negative_amount": ("transactions.csv", "C1,2024-03-01,12", "C1,2024-03-01,-12", "finite_nonnegative", "transactions.csv", "amount"),
    "infinite_amount": ("transactions.csv", "C1,2024-03-01,12", "C1,2024-03-01,inf", "finite_nonnegative", "transactions.csv", "amount"),
    "text_amount": ("transactions.csv", "C1,2024-03-01,12", "C1,2024-03-01,twelve", "number", "transactions.csv", "amount"),
    "negative_acquisition_cost": ("customers.csv", "paid,55.5", "paid,-55.5", "finite_nonnegative", "customers.csv", "acquisition_cost"),
    "negative_spend": ("spend.csv", "1,1200,600", "1,1200,-600", "finite_nonnegative", "spend.csv", "retention_spend"),
    "unknown_channel": ("customers.csv", "C2,2024-02-01,paid", "C2,2024-02-01,tv", "category", "customers.csv", "channel"),
    "unknown_relationship_level": ("customers.csv", "financial,program", "emotional,program", "category", "customers.csv", "relationship_level"),
    "unknown_referral_group": ("customers.csv", "social,holdout", "social,control", "category", "customers.csv", "referral_group"),
    "nps_out_of_range": ("survey.csv", "C1,2024-04-01,9", "C1,2024-04-01,11", "integer_range", "survey.csv", "nps"),
    "nps_not_integer": ("survey.csv", "C2,2024-04-02,3", "C2,2024-04-02,3.5", "integer_range", "survey.csv", "nps"),
    "likert_out_of_range": ("survey.csv", "6,7,6,5,2", "6,7,6,5,0", "integer_range", "survey.csv", "time_cost_1"),
    "two_chosen": ("choices.csv", "R2,1,A,0", "R2,1,A,1", "one_chosen", "choices.csv", "chosen"),
    "none_chosen": ("choices.csv", "R1,1,A,1", "R1,1,A,0", "one_chosen", "choices.csv", "chosen"),
    "chosen_not_binary": ("choices.csv", "R1,1,B,0", "R1,1,B,2", "binary", "choices.csv", "chosen"),
    "converted_before_invited": ("referrals.csv", "C3,2024-03-10", "C3,2024-02-10", "conversion_order", "referrals.csv", "converted_at"),
    "converted_without_referee": ("referrals.csv", "C1,2024-03-01,C3,2024-03-10", "C1,2024-03-01,,2024-03-10", "conversion_pair", "referrals.csv", "converted_at"),
    "empty_table": ("survey.csv", None, "customer_id,date,nps\n", "empty", "survey.csv", None),
    "not_utf8": ("customers.csv", "north\nC2", "nörth\nC2", "encoding", "customers.csv", None),
    "ragged_csv": ("transactions.csv", "C1,2024-01-05,20.5,1", "C1,2024-01-05,20.5,1,9,9", "csv_syntax", "transactions.csv", None),
    "empty_customer_id": ("transactions.csv", "C3,2024-03-10,15.25", ",2024-03-10,15.25", "id_empty", "transactions.csv", "customer_id"),
    "duplicate_spend_period": ("spend.csv", "1,1200", "0,1200", "unique", "spend.csv", "period"),
    "yaml_missing_key": ("dataset.yml", "observation_end: 2024-12-31\n", "", "yaml_key", "dataset.yml", "observation_end"),
    "yaml_syntax": ("dataset.yml", "currency: EUR", "currency: [EUR", "yaml_syntax", "dataset.yml", None),
    "yaml_bad_window": ("dataset.yml", "observation_end: 2024-12-31", "observation_end: 2023-12-31", "yaml_date", "dataset.yml", "observation_start"),
    # a UTC offset is converted to UTC: 00:30 at +02:00 on 1 January is 31 December in UTC
    "tz_date_outside_window": ("transactions.csv", "C1,2024-01-05,20.5", "C1,2024-01-01T00:30:00+02:00,20.5", "date_window", "transactions.csv", "date"),
    "duplicate_header": ("customers.csv", "referral_group,region", "referral_group,channel", "duplicate_column", "customers.csv", "channel"),
    "duplicate_header_with_space": ("transactions.csv", "customer_id,date,amount,quantity", "customer_id,date,amount, amount", "duplicate_column", "transactions.csv", "amount"),
    "extra_ragged_csv": ("notes.csv", None, "customer_id,note\nC1,first\nC2,second,third,fourth\n", "csv_syntax", "notes.csv", None),
    "extra_not_utf8": ("notes.csv", None, "customer_id,note\nC1,nörth\n", "encoding", "notes.csv", None),
    "extra_empty": ("notes.csv", None, "", "empty", "notes.csv", None),
    "extra_missing": ("dataset.yml", "licence: CC0\n", "licence: CC0\nextras:\n  notes: free notes per customer\n", "extra_missing", "dataset.yml", "notes"),
    "duplicate_transaction": ("transactions.csv", "C2,2024-02-01,40,1\n", "C2,2024-02-01,40,1\nC2,2024-02-01,40,1\n", "duplicate_rows", "transactions.csv", None),
    "yaml_bool": ("dataset.yml", "licence: CC0\n", "licence: CC0\nallow_duplicate_transactions: sometimes\n", "yaml_bool", "dataset.yml", "allow_duplicate_transactions"),
    "yaml_unknown_key": ("dataset.yml", "licence: CC0\n", "licence: CC0\ncalibraton_end: 2024-06-30\n", "yaml_unknown_key", "dataset.yml", "calibraton_end"),
    "yaml_date_now": ("dataset.yml", "observation_end: 2024-12-31", "observation_end: now", "yaml_iso_date", "dataset.yml", "observation_end"),
    "yaml_date_slashes": ("dataset.yml", "observation_start: 2024-01-01", "observation_start: 2024/01/01", "yaml_iso_date", "dataset.yml", "observation_start"),
    "yaml_date_impossible": ("dataset.yml", "observation_end: 2024-12-31", "observation_end: 2024-13-01", "yaml_iso_date", "dataset.yml", "observation_end"),
    "yaml_calibration_end_today": ("dataset.yml", "licence: CC0\n", "licence: CC0\ncalibration_end: today\n", "yaml_iso_date", "dataset.yml", "calibration_end"),
    "yaml_source_figures": ("dataset.yml", "licence: CC0\n", "licence: CC0\nsource_figures: [1, 2]\n", "yaml_source_figures", "dataset.yml", "source_figures"),
    "cohort_survivors_increase": ("cohorts.csv", "2024Q1,2,55", "2024Q1,2,75", "cohort_increasing", "cohorts.csv", "survivors"),
    "cohort_period_gap": ("cohorts.csv", "2024Q1,2,55", "2024Q1,3,55", "cohort_periods", "cohorts.csv", "period"),
    "cohort_without_period_0": ("cohorts.csv", "2024Q2,0,80,\n2024Q2,1,60,", "2024Q2,1,80,\n2024Q2,2,60,", "cohort_periods", "cohorts.csv", "period"),
    "cohort_duplicate_period": ("cohorts.csv", "2024Q2,1,60,\n", "2024Q2,1,60,\n2024Q2,1,60,\n", "cohort_duplicate", "cohorts.csv", "period"),
    "cohort_negative_period": ("cohorts.csv", "2024Q2,0,80,", "2024Q2,-1,80,", "integer_range", "cohorts.csv", "period"),
    "cohort_negative_survivors": ("cohorts.csv", "2024Q2,1,60,", "2024Q2,1,-60,", "finite_nonnegative", "cohorts.csv", "survivors"),
    "cohort_missing_survivors": ("cohorts.csv", "cohort,period,survivors,segment", "cohort,period,alive,segment", "missing_column", "cohorts.csv", "survivors"),
    "missing_date_invoicedate": ("transactions.csv", "customer_id,date,amount,quantity", "customer_id,InvoiceDate,amount,quantity", "missing_column", "transactions.csv", "date"),
}

NOTES_EXTRA = ("dataset.yml", "licence: CC0\n", "licence: CC0\nextras:\n  notes: free notes per customer\n")

# further changes of a case: (file, old text, new text)
ALSO = {
    "extra_ragged_csv": [NOTES_EXTRA],
    "extra_not_utf8": [NOTES_EXTRA],
    "extra_empty": [NOTES_EXTRA],
    # repeated transaction lines are reported unless dataset.yml accepts them
    "duplicate_transaction": [("dataset.yml", "licence: CC0\n", "licence: CC0\nallow_duplicate_transactions: false\n")],
}

# the values a case's problem must quote, as the user typed them
VALUES = {
    "bad_date_format": ['"03/01/2024x"'],
    "date_outside_window": ['"2025-02-01"'],
    "tz_date_outside_window": ['"2024-01-01T00:30:00+02:00"'],
    "text_amount": ['"twelve"'],
    "negative_amount": ['"-12"'],
    "infinite_amount": ['"inf"'],
    "unknown_channel": ['"tv"'],
    "nps_out_of_range": ['"11"'],
    "nps_not_integer": ['"3.5"'],
    "chosen_not_binary": ['"2"'],
    "unknown_customer_in_transactions": ['"C9"'],
    "duplicate_customer_id": ['"C1"'],
    "duplicate_spend_period": ['"0"'],
    "duplicate_header_with_space": ['"amount"', '" amount"'],
    "duplicate_transaction": ['"C2,2024-02-01,40,1"'],
    "yaml_bool": ['"sometimes"'],
    "yaml_date_now": ['"now"'],
    "yaml_date_slashes": ['"2024/01/01"'],
    "yaml_date_impossible": ['"2024-13-01"'],
    "yaml_calibration_end_today": ['"today"'],
    "cohort_survivors_increase": ['"75"'],
    "cohort_period_gap": ['"3"'],
    "cohort_without_period_0": ['"1"', '"2"'],
    "cohort_duplicate_period": ['"1"'],
}

# the detail a case's problem must give
DETAIL = {
    "missing_column_amount": "found value",
    "missing_date_invoicedate": "found InvoiceDate",
    "yaml_unknown_key": "did you mean 'calibration_end'?",
    "cohort_survivors_increase": "cohort '2024Q1'",
    "cohort_period_gap": "cohort '2024Q1'",
}


# ---------------------------------------------------------------------------------------------------------------
# The second safety round (issue 23): bounded YAML, names that stay inside the folder, encodings named, markers of
# completeness. Each case is a function that changes the files of ``valid`` (name -> bytes) in place.

def _meta_append(files: dict[str, bytes], text: str) -> None:
    files["dataset.yml"] = files["dataset.yml"] + text.encode("utf-8")


def _extra(name_yaml: str):
    return lambda files: _meta_append(files, f"extras:\n  {name_yaml}: a table that is not where it should be\n")


def _tpath(value: str):
    return lambda files: _meta_append(files, f"transactions_path: {value}\n")


def _recode(file: str, codec: str, bom: bytes = b""):
    def apply(files):
        files[file] = bom + files[file].decode("utf-8").encode(codec)
    return apply


def _marker(doc):
    """Add the marker of completeness of a relmkt import: ``doc(files)`` gives its content."""
    import hashlib
    import json

    def record(files):
        return {n: {"bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in sorted(files.items())}

    def apply(files):
        content = doc(files, record(files))
        files[".relmkt-dataset"] = content if isinstance(content, bytes) else json.dumps(content).encode()
    return apply


def _changed(files, rec):
    rec["transactions.csv"]["sha256"] = "0" * 64          # same size, other bytes
    return {"written_by": "relmkt import", "complete": True, "files": rec}


def _truncated(files, rec):
    rec["transactions.csv"]["bytes"] += 1000              # the file is shorter than relmkt wrote it
    return {"written_by": "relmkt import", "complete": True, "files": rec}


def _missing(files, rec):
    rec["returns.csv"] = {"bytes": 10, "sha256": "0" * 64}
    return {"written_by": "relmkt import", "complete": True, "files": rec}


BOMB = "".join(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))

# case: (change, expected code, file named, column named)
SAFETY_CASES = {
    # YAML beyond bounds: merge keys instead of lists, a self-reference, nesting deeper than the parser follows
    "yaml_merge_key_bomb": (lambda f: _meta_append(f, "truth:\n  l0: &l0 {a: 1, b: 2, c: 3}\n" + "".join(
        f"  m{i}: &m{i} {{" + ", ".join(f"k{j}: *{'l0' if i == 1 else f'm{i - 1}'}" for j in range(9)) + "}\n"
        for i in range(1, 10))), "yaml_limit", "dataset.yml", None),
    "yaml_list_alias_bomb_in_offers": (lambda f: _meta_append(f, "offers:\n  l0: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
                                                              + BOMB), "yaml_limit", "dataset.yml", None),
    "yaml_self_reference": (lambda f: _meta_append(f, "truth: &t {inner: *t}\n"), "yaml_limit", "dataset.yml", None),
    "yaml_nested_too_deep": (lambda f: _meta_append(f, "truth: " + "[" * 5000 + "]" * 5000 + "\n"),
                             "yaml_limit", "dataset.yml", None),
    "yaml_lone_surrogate": (lambda f: f.__setitem__("dataset.yml", f["dataset.yml"].replace(
        b"description: Six tiny tables that pass every rule of the canonical tables.",
        b'description: "Six tiny tables \\udc80"')), "yaml_text", "dataset.yml", None),
    "yaml_surrogate_in_key": (lambda f: _meta_append(f, '"\\ud800key": 1\n'), "yaml_text", "dataset.yml", None),
    "yaml_nul_byte": (lambda f: _meta_append(f, "truth: {a: \x00}\n"), "yaml_syntax", "dataset.yml", None),
    # extras are table names inside the folder
    "extras_absolute_path": (_extra("/etc/passwd"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_subfolder": (_extra("sub/notes"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_hidden_name": (_extra(".notes"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_canonical_table": (_extra("customers"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_number_key": (_extra("2024"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_backslash": (_extra("'..\\secret'"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_home": (_extra("'~/secret'"), "yaml_extras_name", "dataset.yml", "extras"),
    "extras_space": (_extra("'my notes'"), "yaml_extras_name", "dataset.yml", "extras"),
    # transactions_path stays inside the dataset folder
    "transactions_path_absolute": (_tpath("/tmp/*.parquet"), "transactions_path", "dataset.yml", "transactions_path"),
    "transactions_path_home": (_tpath("'~/logs/*.parquet'"), "transactions_path", "dataset.yml", "transactions_path"),
    "transactions_path_parent": (_tpath("../logs/*.parquet"), "transactions_path", "dataset.yml", "transactions_path"),
    "transactions_path_dotdot_inside": (_tpath("logs/../../x/*.parquet"), "transactions_path", "dataset.yml",
                                        "transactions_path"),
    "transactions_path_drive": (_tpath("'C:/logs/x.parquet'"), "transactions_path", "dataset.yml", "transactions_path"),
    # encodings are named
    "utf16le_table": (_recode("customers.csv", "utf-16-le", b"\xff\xfe"), "encoding_other", "customers.csv", None),
    "utf16be_table": (_recode("survey.csv", "utf-16-be", b"\xfe\xff"), "encoding_other", "survey.csv", None),
    "utf32_table": (_recode("spend.csv", "utf-32-le", b"\xff\xfe\x00\x00"), "encoding_other", "spend.csv", None),
    "utf16_table_without_bom": (_recode("choices.csv", "utf-16-le"), "encoding_other", "choices.csv", None),
    "utf16_dataset_yml": (_recode("dataset.yml", "utf-16-le", b"\xff\xfe"), "encoding_other", "dataset.yml", None),
    "utf16_extra": (lambda f: (f.__setitem__("notes.csv", b"\xff\xfe" + "customer_id,note\nC1,a\n".encode("utf-16-le")),
                               _meta_append(f, "extras:\n  notes: free notes per customer\n")),
                    "encoding_other", "notes.csv", None),
    # the marker of completeness of an import
    "import_unfinished": (_marker(lambda f, r: {"written_by": "relmkt import", "complete": False}),
                          "incomplete", "import_unfinished", None),
    "import_changed_since": (_marker(_changed), "incomplete", "import_changed_since", None),
    "import_truncated": (_marker(_truncated), "incomplete", "import_truncated", None),
    "import_file_missing": (_marker(_missing), "incomplete", "import_file_missing", None),
    "import_marker_not_json": (_marker(lambda f, r: b"{complete: yes"), "incomplete", "import_marker_not_json", None),
}

SAFETY_DETAIL = {
    "yaml_self_reference": "the YAML refers to itself through an alias (an anchor used inside itself)",
    "yaml_nested_too_deep": "the YAML is nested too deeply (more than 100 levels of [ or {)",
    "utf16le_table": "it is UTF-16",
    "utf32_table": "it is UTF-32",
    "utf16_table_without_bom": "it is UTF-16 (little-endian, without a byte-order mark)",
    "import_unfinished": "relmkt import was stopped before it finished writing this folder",
    "import_changed_since": "transactions.csv differs from what relmkt wrote (SHA-256)",
    "import_file_missing": "returns.csv is missing",
}
SAFETY_VALUES = {
    "extras_absolute_path": ['"/etc/passwd"'],
    "extras_canonical_table": ['"customers"'],
    "extras_number_key": ['"2024"'],
}


def change(files: dict[str, bytes], file: str, old: str | None, new: str, encoding: str = "utf-8") -> None:
    """Replace ``old`` by ``new`` in ``file`` once (old None: the file becomes ``new``)."""
    if old is None:
        files[file] = new.encode(encoding)
        return
    text = files[file].decode()
    assert old in text, (file, old)
    files[file] = text.replace(old, new, 1).encode(encoding)


def write(folder: Path, files: dict[str, bytes]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def main() -> None:
    base = {"dataset.yml": META.encode(), **{k: v.encode() for k, v in TABLES.items()}}
    write(HERE / "valid", base)
    manifest = {}
    for case, (file, old, new, code, named_file, column) in CASES.items():
        files = dict(base)
        change(files, file, old, new, "latin-1" if code == "encoding" else "utf-8")
        for also in ALSO.get(case, []):
            change(files, *also)
        write(HERE / "malformed" / case, files)
        manifest[case] = {"code": code, "file": named_file, "column": column}
        if case in VALUES:
            manifest[case]["values"] = VALUES[case]
        if case in DETAIL:
            manifest[case]["detail"] = DETAIL[case]
    for case, (apply, code, named_file, column) in SAFETY_CASES.items():
        files = dict(base)
        apply(files)
        write(HERE / "malformed" / case, files)
        manifest[case] = {"code": code, "file": named_file, "column": column}
        if case in SAFETY_VALUES:
            manifest[case]["values"] = SAFETY_VALUES[case]
        if case in SAFETY_DETAIL:
            manifest[case]["detail"] = SAFETY_DETAIL[case]
    (HERE / "malformed" / "cases.yml").write_text(yaml.safe_dump(manifest, sort_keys=True), encoding="utf-8")
    assert set(ALSO) | set(VALUES) | set(DETAIL) <= set(CASES)
    assert set(SAFETY_VALUES) | set(SAFETY_DETAIL) <= set(SAFETY_CASES) and not set(SAFETY_CASES) & set(CASES)
    print(f"wrote valid/ and {len(CASES) + len(SAFETY_CASES)} malformed datasets")


if __name__ == "__main__":
    main()
