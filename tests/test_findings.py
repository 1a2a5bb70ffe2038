"""Findings as data (issue 21): typed findings, their sentences and statuses, readings as rules, the
notebooks' specs, the names registry and the glossary."""
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.present import names
from relmkt_utils.present.findings import (CAUTION, NOT_ESTIMABLE, OK, Finding, Findings, answer_html, interval_text,
                                           make)
from relmkt_utils.present.glossary import CONCEPTS, TERMS, TERMS_BY_ID, glossary_html
from relmkt_utils.present.narratives import MODULES, Section, Spec, at_least, spec
from relmkt_utils.present.readings import Reading, applicable


def test_a_finding_states_its_value_in_its_kind_with_its_interval():
    f = make("repeat_rate", 0.4832, lower=0.4631, upper=0.5034, covers="Wilson score interval",
             template="{value} of the customers bought again{interval}.")
    assert f.status == OK and f.kind == "share"
    assert f.sentence == ("<strong>48.3%</strong> of the customers bought again (95% CI 46.3% to 50.3%; "
                          "Wilson score interval).")
    money = make("clv_mean", 30.7337, lower=28.567, upper=34.147, currency="USD", covers="parameter uncertainty only")
    assert money.text() == "30.73 USD" and money.interval() == "95% CI 28.57 to 34.15 USD; parameter uncertainty only"
    assert make("median_gap_days", 9.0).text() == "9 days"                  # not "9.00 days"
    assert interval_text(-0.1, 0.05, "points") == "95% CI −10.0 to +5.0"


def test_a_missing_value_is_not_estimable_and_says_why():
    f = make("km_active_share", float("nan"), reason="the data do not follow customers for a year",
             template="{value} were still active{interval}.")
    assert f.status == NOT_ESTIMABLE and f.value is None
    assert f.sentence == ("Customers still active a year after acquisition could not be estimated: the data do not "
                          "follow customers for a year.")


def test_a_caution_carries_its_reason_in_its_sentence():
    f = make("clv_mean", 1353.68, currency="TWD", status=CAUTION, reason="the model missed the holdout by 9.9%")
    assert f.sentence.endswith("<em>Caution: the model missed the holdout by 9.9%.</em>")
    with pytest.raises(ValueError, match="needs its reason"):
        Finding("clv_mean", 1.0, status=CAUTION)


def test_an_estimate_and_its_interval_must_be_on_one_scale():
    """The Cox table printed a coefficient with the hazard ratio's interval: "−0.07 (0.88 to 0.99)"."""
    with pytest.raises(ValueError, match="outside its interval"):
        make("hr_delivered_value", -0.07, lower=0.88, upper=0.99)
    with pytest.raises(ValueError, match="a share lies in"):
        make("repeat_rate", 85.0)


def test_values_from_data_are_escaped_in_sentences():
    f = make("group_revenue_share", 0.18, template="The {group} customers bring {value}.", group="<script>x</script>")
    assert "<script>" not in f.sentence and "&lt;script&gt;" in f.sentence


def test_findings_give_the_golden_metrics_and_round_trip_as_json():
    fs = Findings()
    fs.add(make("repeat_rate", 0.5, lower=0.4, upper=0.6))
    fs.add(make("n_customers", 2357.0))
    assert fs.metrics() == {"repeat_rate": 0.5, "repeat_rate_ci_low": 0.4, "repeat_rate_ci_high": 0.6,
                            "n_customers": 2357}
    again = Findings.from_json(json.loads(json.dumps(fs.to_json())))
    assert again["repeat_rate"] == fs["repeat_rate"] and again.value("n_customers") == 2357


def test_a_rule_never_reads_a_finding_that_is_not_ok():
    fs = Findings()
    fs.add(make("holdout_error", -0.2, status=CAUTION, reason="short history"))
    assert fs.value("holdout_error") is None and not fs.ok("holdout_error")
    reading = Reading("under", "value", "the model under-predicts", lambda f: f.value("holdout_error") < -0.1, "x")
    assert not reading.holds(fs)                            # a caution is not read as a number; a missing one neither
    assert not reading.holds(Findings())


def test_readings_apply_to_their_section_only_where_they_hold():
    rules = (Reading("low", "s", "r < 0.5", lambda f: f.value("repeat_rate") < 0.5, "few come back"),
             Reading("high", "s", "r >= 0.5", lambda f: f.value("repeat_rate") >= 0.5, lambda f: "most come back"),
             Reading("other", "t", "always", lambda f: True, "elsewhere"))
    fs = Findings()
    fs.add(make("repeat_rate", 0.63))
    assert [r.id for r in applicable(rules, "s", fs)] == ["high"]
    assert 'id="reading-high"' in rules[1].render(fs) and "most come back" in rules[1].render(fs)


def test_a_spec_checks_its_parameters_and_its_readings_sections():
    s = Spec("x", "why?", sections=(Section("a", "section a"),), parameters={"n": at_least(20)})
    assert s.parameter_problems({"n": 5}) == ["parameter n must be at least 20, got 5"]
    assert s.parameter_problems({"n": "five"}) == ["parameter n must be at least 20, got 'five'"]
    with pytest.raises(ValueError, match="undeclared sections"):
        Spec("x", "?", sections=(Section("a", "a"),), readings=(Reading("r", "b", "c", lambda f: True, "t"),))


@pytest.mark.parametrize("notebook", sorted(MODULES))
def test_every_notebook_spec_names_its_answer_and_sentences(notebook):
    s = spec(notebook)
    if not s.question:                                      # a spec not written yet
        pytest.skip(f"{notebook} has no spec")
    assert 1 <= len(s.answer)
    for key in [*s.answer, *s.sentences]:
        assert names.known(key), f"{notebook}: {key} has no name"
    for reading in s.readings:
        assert reading.condition and reading.section in {x.id for x in s.sections}


def test_names_derive_families_and_refuse_unknown_keys():
    assert names.label("bgnbd_r") == "BG/NBD r" and names.name("bgnbd_llf").label == "BG/NBD log-likelihood"
    assert names.label("clv_mean_ci_low") == "mean CLV per customer, lower end of the 95% interval"
    assert names.label("logrank_p_relationship_level") == "p-value of the log-rank test by relationship level"
    assert "local supplier" in names.label("mxl_wtp_loc")
    with pytest.raises(KeyError, match="register it"):
        names.name("wtp_product_ci_lowish")


def test_the_glossary_covers_every_term_the_names_and_concepts_point_to():
    assert len(TERMS_BY_ID) == len(TERMS)
    pointed = {n.term for n in names.NAMES.values() if n.term} | {c.term for c in CONCEPTS if c.term}
    assert pointed <= set(TERMS_BY_ID), pointed - set(TERMS_BY_ID)
    page = glossary_html()
    assert all(f'id="{t.id}"' in page for t in TERMS) and "客户让渡价值" in page


def test_first_use_of_a_term_links_to_the_glossary_once():
    from bs4 import BeautifulSoup

    from relmkt_utils.pipeline.html import link_terms

    soup = BeautifulSoup('<div class="jp-RenderedMarkdown"><h2>NPS</h2><p>The NPS is 12; the NPS rose.</p>'
                         "<table><tr><td>NPS</td></tr></table><p>customer lifetime value (CLV)</p></div>", "html.parser")
    link_terms(soup)
    links = soup.find_all("a", class_="relmkt-term")
    assert [a.get_text() for a in links].count("NPS") == 1 and links[0].find_parent("p") is not None
    assert soup.h2.find("a") is None and soup.td.find("a") is None
    assert any(a["href"].endswith("#clv") and a.get_text() == "customer lifetime value" for a in links)


def test_the_answer_block_has_its_anchor_and_its_statuses():
    fs = [make("repeat_rate", 0.3), make("clv_mean", 5.0, status=CAUTION, reason="short history")]
    block = answer_html("Who comes back?", fs, "tafeng")
    assert block.startswith('<div class="relmkt-answer" id="answer">') and 'class="finding caution money"' in block
    assert "The answer for <em>tafeng</em>" in block


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(0, 0.5), st.floats(0, 0.5))
def test_a_share_finding_is_written_inside_its_own_interval(p, down, up):
    lo, hi = max(0.0, p - down), min(1.0, p + up)
    f = make("repeat_rate", p, lower=lo, upper=hi)
    shown = [float(x.rstrip("%")) for x in (f.text(), *f.interval().removeprefix("95% CI ").split(" to "))]
    assert 0 <= shown[0] <= 100 and shown[1] <= shown[0] + 0.05 and shown[0] <= shown[2] + 0.05
    assert not math.isnan(shown[0])


def test_the_concept_map_links_only_runs_that_show_the_concept():
    from types import SimpleNamespace

    from relmkt_utils.pipeline.index import concept_map

    def run(name, notebook, *keys):
        return SimpleNamespace(name=name, notebook=notebook, dataset=name, html=f"{name}/{notebook}.html",
                               findings=[{"key": k, "status": "ok"} for k in keys])

    page = concept_map([run("value_mobi", "02_delivered_value", "ecsi_satisfaction_driver_effect"),
                        run("value_electricity", "02_delivered_value", "wtp_most_valued"),
                        run("loyalty_tafeng", "01_loyalty_measurement", "repeat_rate")])
    berry = page[page.index("Berry"):page.index("</tr>", page.index("Berry"))] if "Berry" in page else ""
    assert berry == ""                                    # no run here has relationship levels
    assert "value_mobi/02_delivered_value.html'>value_mobi" in page and "loyalty_tafeng" in page
    kotler = page[page.index("delivered value"):page.index("</tr>", page.index("delivered value"))]
    assert "value_electricity" in kotler and "value_mobi" in kotler
    for concept_terms in ("glossary.html#delivered_value", "glossary.html#loyalty"):
        assert concept_terms in page
