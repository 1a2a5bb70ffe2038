"""The reports of a real batch: their numbers equal the golden values, and they read well in a browser.

**Numbers.** The metrics the notebooks record equal the committed golden values.

Notebooks are stored without outputs, so nbval (``--nbval-lax``) only proves that they run. This
test runs the batch over ``tests/golden/runs.yml`` and compares every recorded metric with
``tests/golden/<run>.json``: strings and integers exactly, floats to a relative 1e-6 (the runs are
seeded, so only floating-point noise across platforms is tolerated).

Set ``RELMKT_UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change: a run whose
metrics differ from the committed file writes the new file, prints every changed, added and removed
metric (old -> new) and *fails*, as pytest-regressions does, so a regeneration is always seen and
the next run (without the variable) checks the new values.

**Pages.** Every reader's report and the index are opened in headless Chromium (Debian's ``chromium``
and ``chromium-driver``, driven by selenium) and checked for what a student notices: a real title, no
element wider than the page, every figure loaded with its own alt text, no raw TeX, no "NaN"/"None"
cells, no integers printed as ``.000``, a link back to the index, a CJK-capable font, one heading per
notebook on the index. Screenshots are kept (``$RELMKT_SCREENSHOTS``, else the test's temporary
folder). Without the browser the tests skip, except under CI (``CI`` set), where they fail.
``RELMKT_REPORTS_DIR`` points the page checks at an existing reports folder (e.g. ``make reports``'s).
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from relmkt_utils.pipeline import batch

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent


@pytest.fixture(scope="module")
def batch_output(tmp_path_factory):
    config = batch.load_config(GOLDEN / "runs.yml")
    config.notebooks_dir = ROOT / "notebooks"
    config.output_dir = tmp_path_factory.mktemp("golden")
    return config.output_dir, {r.name: r for r in batch.run_batch(config, jobs=2, progress=False)}


@pytest.fixture(scope="module")
def golden_run(batch_output):
    return batch_output[1]


RUNS = [r.name for r in batch.load_config(GOLDEN / "runs.yml").runs]


def _same(want, got) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9)
    return got == want


def metric_changes(old: dict, new: dict) -> list[str]:
    """Lines ``key: old -> new`` for every metric that changed, appeared or disappeared."""
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append(f"  - {key}: {old[key]!r} (removed)")
        elif key not in old:
            lines.append(f"  + {key}: {new[key]!r} (added)")
        elif not _same(old[key], new[key]):
            lines.append(f"  ~ {key}: {old[key]!r} -> {new[key]!r}")
    return lines


def test_metric_changes_lists_every_difference():
    old = {"a": 1.0, "b": "x", "c": 2, "d": None}
    new = {"a": 1.0 + 1e-9, "b": "y", "d": 0.5, "e": True}
    assert metric_changes(old, new) == ["  ~ b: 'x' -> 'y'", "  - c: 2 (removed)", "  ~ d: None -> 0.5",
                                        "  + e: True (added)"]
    assert metric_changes(old, old) == []


@pytest.mark.parametrize("name", RUNS)
def test_recorded_metrics_match_golden(golden_run, name):
    result = golden_run[name]
    assert result.status == "ok", result.error
    path = GOLDEN / f"{name}.json"
    if os.environ.get("RELMKT_UPDATE_GOLDEN"):
        old = json.loads(path.read_text()) if path.exists() else {}
        changes = metric_changes(old, result.metrics)
        if changes:
            path.write_text(json.dumps(result.metrics, indent=2, sort_keys=True) + "\n")
            pytest.fail(f"{path.name} rewritten ({len(changes)} changes):\n" + "\n".join(changes), pytrace=False)
    expected = json.loads(path.read_text())
    changes = metric_changes(expected, result.metrics)
    assert not changes, f"{name} differs from {path.name} (RELMKT_UPDATE_GOLDEN=1 rewrites it):\n" + "\n".join(changes)


def test_every_loyalty_run_writes_customer_scores_beside_its_report(batch_output):
    """Notebook 01 writes each customer's (or, for a summary of patterns, each pattern's) scores as
    customer_scores.csv in its run folder, and the index links the file."""
    folder, results = batch_output
    loyalty = [r for r in results.values() if r.notebook == "01_loyalty_measurement"]
    assert loyalty
    index = (folder / "index.html").read_text(encoding="utf-8")
    for r in loyalty:
        path = folder / r.name / "customer_scores.csv"
        scores = pd.read_csv(path)
        assert f"{r.name}/customer_scores.csv" in r.tables and f"href='{r.name}/customer_scores.csv'" in index
        assert scores["p_alive"].between(0, 1).all() and len(scores) > 0
        if "clv" in scores:  # purchases with amounts: every customer's CLV inside her interval
            assert (scores["clv_lower"] <= scores["clv"] + 1e-9).all() and (scores["clv"] <= scores["clv_upper"] + 1e-9).all()
            assert r.metrics["clv_mean_ci_low"] < r.metrics["clv_mean"] < r.metrics["clv_mean_ci_high"]


def test_every_run_on_the_index_shows_its_headline_findings(batch_output):
    """Each run's card on the index carries 2-5 headline numbers with plain names (the ok findings of its
    answer about its own data), whatever the dataset could support (a summary of donors, a conjoint,
    published cohorts)."""
    import re

    folder, results = batch_output
    index = (folder / "index.html").read_text(encoding="utf-8")
    cards = re.findall(r"<article class='run'>.*?</article>", index, flags=re.S)
    counts = {re.search(r"<b>(.*?)</b>", card).group(1): len(re.findall(r"<li><span class='value'>", card))
              for card in cards}
    assert set(counts) == set(results)
    assert {name: n for name, n in counts.items() if not 2 <= n <= 5} == {}
    assert "{" not in "".join(re.findall(r"</span> ([^<]*)</li>", index))   # every name template filled in


def test_the_index_keeps_each_runs_cell_times_and_the_notebook_none(batch_output):
    """The executed notebook carries no times (same parameters, same bytes); index.json keeps each
    code cell's seconds, and they add up to most of the run (the rest: kernel start and HTML)."""
    folder, results = batch_output
    index = {r["name"]: r for r in json.loads((folder / "index.json").read_text())["runs"]}
    for r in results.values():
        timings = index[r.name]["cell_seconds"]
        notebook = json.loads((folder / r.ipynb).read_text())
        code_cells = [i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"]
        assert [t["cell"] for t in timings] == code_cells, r.name
        assert all(t["seconds"] >= 0 for t in timings)
        assert 0.2 * r.duration_s < sum(t["seconds"] for t in timings) < r.duration_s, r.name
        assert "duration" not in json.dumps([c["metadata"] for c in notebook["cells"]]), r.name


def test_no_report_leaves_out_sections_for_more_than_three_reasons(batch_output):
    """Sections a dataset cannot support are listed at the top of the report, one line per reason; a
    report that is mostly a list of what it cannot show belongs to another dataset."""
    folder, results = batch_output
    reasons = {}
    for r in results.values():
        path = folder / r.name / "skipped.json"
        entries = json.loads(path.read_text()) if path.exists() else []
        reasons[r.name] = {e["reason"] for e in entries}
    assert {name: why for name, why in reasons.items() if len(why) > 3} == {}


def test_what_a_report_leaves_out_is_said_once_at_the_top(batch_output):
    """The "Not in this dataset" list of the header replaces the sentences the setup cell printed."""
    import html as html_lib

    folder, results = batch_output
    runs = [r for r in results.values() if r.skipped]
    assert runs
    for r in runs:
        page = (folder / r.html).read_text(encoding="utf-8")
        for title in r.skipped:
            assert page.count(html_lib.escape(title, quote=False)) == 1, (r.name, title)


# ------------------------------------------------------------------------------------------ pages

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def reports_dir(request):
    given = os.environ.get("RELMKT_REPORTS_DIR")
    return Path(given) if given else request.getfixturevalue("batch_output")[0]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = Path(os.environ.get("RELMKT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reader_reports(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*.html") if not p.name.endswith(".code.html"))


def _screenshot(driver, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height), 12000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)


PAGE_FACTS = """
const body = document.body, root = document.documentElement;
const wide = [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > root.clientWidth + 2 && !e.closest('.relmkt-table, .jp-OutputArea-output pre');
}).slice(0, 5).map(e => e.tagName + '.' + e.className);
const imgs = [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt') || ''}));
const cells = [...document.querySelectorAll('td, th')].map(c => c.textContent.trim());
return {title: document.title, wide: wide, scroll: root.scrollWidth - root.clientWidth, imgs: imgs, cells: cells,
        text: body.innerText, back: !!document.querySelector('a[href="../index.html"]'),
        font: getComputedStyle(document.querySelector('.jp-RenderedHTMLCommon') || body).fontFamily};
"""


def test_every_reader_report_reads_well_in_a_browser(browser, reports_dir, screenshots):
    pages = reader_reports(reports_dir)
    assert pages, f"no reports in {reports_dir}"
    problems = []
    for page in pages:
        browser.get(page.as_uri())
        f = browser.execute_script(PAGE_FACTS)
        name = f"{page.parent.name}/{page.name}"
        _screenshot(browser, screenshots / f"{page.parent.name}.png")
        if " — " not in f["title"] or f["title"].lower().startswith("notebook"):
            problems.append(f"{name}: title {f['title']!r}")
        if f["scroll"] > 2 or f["wide"]:
            problems.append(f"{name}: wider than the page by {f['scroll']} px ({f['wide']})")
        for img in f["imgs"]:
            if not img["ok"] or len(img["alt"]) < 10 or img["alt"] == NBCONVERT_DEFAULT_ALT:
                problems.append(f"{name}: image not loaded or without real alt text ({img['alt'][:60]!r})")
        raw_tex = re.findall(r"\$[^$\n]{1,80}\$|\\(?:chi|frac|hat|sum|alpha|beta|mathrm)\b", f["text"])
        if raw_tex:
            problems.append(f"{name}: raw TeX {raw_tex[:3]}")
        bad_cells = [c for c in f["cells"] if c in ("NaN", "nan", "None", "NaT") or re.fullmatch(r"-?[\d,]+\.000", c)]
        if bad_cells:
            problems.append(f"{name}: cells {sorted(set(bad_cells))[:5]}")
        if not f["back"]:
            problems.append(f"{name}: no link back to the index")
        if "CJK" not in f["font"]:
            problems.append(f"{name}: no CJK font in {f['font']!r}")
    assert not problems, "\n".join(problems)


def test_the_index_has_one_section_per_notebook(browser, reports_dir, screenshots):
    index = json.loads((reports_dir / "index.json").read_text())
    browser.get((reports_dir / "index.html").as_uri())
    _screenshot(browser, screenshots / "index.png")
    headings = browser.execute_script("return [...document.querySelectorAll('h2')].map(h => h.textContent)")
    notebooks = list(dict.fromkeys(r["notebook"] for r in index["runs"]))
    assert len(headings) == len(notebooks) and all("·" in h for h in headings)
    text = browser.execute_script("return document.body.innerText")
    assert "None" not in text and "NaN" not in text
    assert browser.title.startswith("relmkt reports")
    badges = browser.execute_script("return [...document.querySelectorAll('.badge')].map(b => b.textContent)")
    assert len(badges) == len(index["runs"]) and set(badges) <= {"full", "partial", "failed", "not run", "interrupted"}


# ------------------------------------------------------------------------------------------ issue 21: truth, answer first

#: "12.4 (9.1 to 15.6)", "30.73 USD (28.57 to 34.15 USD)", "48.3% (95% CI 46.3% to 50.3%": an estimate and its interval
NUMBER = r"[−-]?\d[\d,]*(?:\.\d+)?(?:e[−+-]?\d+)?"
UNIT = r"(?:\s?%|×|\s[A-Z]{3}|\s(?:days|weeks|points|purchases|percentage points))?"
INTERVAL = re.compile(rf"({NUMBER}){UNIT}\s\((?:95% CI )?({NUMBER}){UNIT} to ({NUMBER}){UNIT}[;)]")
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/])")
RAW_WARNING = re.compile(r"\b\w*Warning\b|/tmp/ipykernel|Traceback \(most recent|site-packages")

ANSWER_FACTS = """
const a = document.getElementById('answer');
if (!a) return null;
const r = a.getBoundingClientRect();
const top = r.top + window.scrollY, bottom = r.bottom + window.scrollY;
const sentences = [...a.querySelectorAll('li:not(.text)')].map(li => li.innerText);   // a text finding states a direction
document.querySelectorAll('details.relmkt-researcher').forEach(d => d.open = true);   // researchers' blocks too
document.querySelectorAll('code, pre, .jp-InputArea').forEach(e => e.style.display = 'none');
return {top: top, bottom: bottom, sentences: sentences, text: document.body.innerText,
        tables: [...document.querySelectorAll('.relmkt-table')].filter(t => t.scrollWidth > t.clientWidth + 1)
                 .map(t => (t.querySelector('th') || t).innerText.slice(0, 40))};
"""


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def test_interval_check_reads_scientific_notation():
    assert interval_problems("dropout: 4.29e-03 (-2.03 to 2.03) and 1.5e+02 (1.2e+02 to 1.4e+02)") == \
        ["1.5e+02 (1.2e+02 to 1.4e+02)"]


def interval_problems(text: str) -> list[str]:
    """Every "x (lo to hi)" of a page whose estimate lies outside its interval."""
    out = []
    for m in INTERVAL.finditer(text):
        x, lo, hi = (_number(g) for g in m.groups())
        if not lo - 1e-9 <= x <= hi + 1e-9:
            out.append(m.group(0))
    return out


def test_interval_check_finds_an_estimate_outside_its_interval():
    assert interval_problems("coefficient −0.07 (0.88 to 0.99) and 30.73 USD (28.57 to 34.15 USD)") == ["−0.07 (0.88 to 0.99)"]
    assert interval_problems("48.3% of them (95% CI 46.3% to 50.3%; Wilson)") == []
    assert interval_problems("1,353.68 TWD (95% CI 1,318.27 to 1,382.32 TWD; parameter uncertainty only)") == []


def test_raw_key_and_warning_checks_find_what_they_look_for():
    assert SNAKE.findall("the wtp_product_ci_low and mxl_wtp_cl_kr_high, not a-b or data/x_y.csv") == \
        ["wtp_product_ci_low", "mxl_wtp_cl_kr_high"]
    assert RAW_WARNING.search("UserWarning: Tight layout not applied /tmp/ipykernel_12/3.py")


def test_reports_answer_first_and_tell_the_truth(browser, reports_dir):
    """Issue 21: every reader's report opens with its answer within the first 900 px (sentences with
    numbers), every "x (lo to hi)" holds its estimate, no raw key or Python warning is visible, and no
    table is wider than its column."""
    from relmkt_utils.data.datasets import available

    names = set(available())                              # a dataset's name is a proper noun, not a raw key
    problems = []
    for page in reader_reports(reports_dir):
        name = f"{page.parent.name}/{page.name}"
        browser.get(page.as_uri())
        f = browser.execute_script(ANSWER_FACTS)
        if f is None:
            problems.append(f"{name}: no answer block")
            continue
        if f["bottom"] > 900:
            problems.append(f"{name}: the answer ends at {f['bottom']:.0f} px, below the first screen")
        if not 2 <= len(f["sentences"]) <= 6 or not all(re.search(r"\d", s) for s in f["sentences"]):
            problems.append(f"{name}: the answer has {len(f['sentences'])} sentences, some without a number")
        problems += [f"{name}: interval does not hold its estimate: {x}" for x in interval_problems(f["text"])]
        keys = sorted(set(SNAKE.findall(f["text"])) - names)
        if keys:
            problems.append(f"{name}: raw keys {keys[:6]}")
        if RAW_WARNING.search(f["text"]):
            problems.append(f"{name}: a raw Python warning: {RAW_WARNING.search(f['text']).group(0)}")
        if f["tables"]:
            problems.append(f"{name}: tables wider than their column: {f['tables'][:3]}")
    assert not problems, "\n".join(problems)


def test_each_reading_is_shown_exactly_where_its_condition_holds(golden_run, batch_output):
    """Issue 21: every reading of every golden run's notebook is evaluated on the run's own findings
    (findings.json) and appears in its report (id="reading-<id>") if and only if its condition holds and
    its section ran."""
    from relmkt_utils.present.findings import Findings
    from relmkt_utils.present.narratives import spec

    folder, _ = batch_output
    problems, shown_somewhere = [], 0
    for name, result in golden_run.items():
        findings = Findings.from_json(json.loads((folder / name / "findings.json").read_text()))
        page = (folder / result.html).read_text(encoding="utf-8")
        skipped = {s["section"] if isinstance(s["section"], str) else x
                   for s in json.loads((folder / name / "skipped.json").read_text())
                   for x in ([s["section"]] if isinstance(s["section"], str) else s["section"])} \
            if (folder / name / "skipped.json").exists() else set()
        for reading in spec(result.notebook).readings:
            expected = reading.holds(findings) and reading.section not in skipped
            shown = f'id="reading-{reading.id}"' in page
            shown_somewhere += shown
            if expected != shown:
                problems.append(f"{name}: reading {reading.id} ({reading.condition}) "
                                f"{'missing' if expected else 'shown though its condition does not hold'}")
    assert shown_somewhere > 0
    assert not problems, "\n".join(problems)


def test_index_cards_show_the_answers_ok_findings_of_their_own_data(batch_output):
    """Issue 21: a run's card shows only findings of its own answer that are ok and about its own data
    (never a finding with a caution, never a published benchmark of another dataset), as on the report."""
    import html as html_lib

    from relmkt_utils.pipeline.index import card_findings

    folder, results = batch_output
    index = (folder / "index.html").read_text(encoding="utf-8")
    for r in results.values():
        card = next(c for c in re.findall(r"<article class='run'>.*?</article>", index, re.S)
                    if f"<b>{html_lib.escape(r.name)}</b>" in c)
        shown, care = card_findings(r)
        assert all(f.ok and f.card for f in shown)
        values = re.findall(r"<span class='value'>(.*?)</span>", card)
        assert len(values) == len(shown), r.name
        not_ok = [f for f in (r.findings or []) if f["status"] != "ok" and f["value"] is not None]
        page = (folder / r.html).read_text(encoding="utf-8")
        assert 'id="answer"' in page
        for f in not_ok:
            assert f["label"] not in card, (r.name, f["key"])
