"""The glossary of the reports: each term in plain words, with the course's Chinese term and its formula,
and the map from the course's concepts to the report sections that show them.

:data:`TERMS` feeds ``reports/glossary.html`` (written by the batch beside the index); each report
links the first use of a term to its entry (:func:`relmkt_utils.pipeline.html.link_terms`), and the
names registry (:mod:`.names`) points each quantity at its entry. :data:`CONCEPTS` is the index's
map from a course concept (Kotler's delivered value, Berry's three levels, ...) to the notebooks and
sections where it is measured. The Chinese terms follow the source material (GLOSSARY.md of the
design); the popular figures of the source material are claims to test, and the entries say so.
"""
from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One glossary entry. ``matches`` are the phrases whose first use in a report links here."""

    id: str
    term: str
    zh: str
    definition: str
    formula: str = ""
    matches: tuple[str, ...] = ()


TERMS: tuple[Term, ...] = (
    Term("relationship_marketing", "relationship marketing", "关系营销",
         "Marketing as a long-term interaction with customers, measured by what the relationship is worth over "
         "time, rather than one-off sales (transaction marketing, 交易营销).", "", ("relationship marketing",)),
    Term("loyalty", "customer loyalty", "客户忠诚度",
         "A customer's preference that shows as repeated purchase (behavioural loyalty) and as the willingness "
         "to recommend (attitudinal loyalty).", "", ("customer loyalty", "behavioural loyalty")),
    Term("repeat_rate", "repeat-purchase rate", "重复购买率",
         "The share of customers who bought on two or more different days in the observation window.",
         r"\hat p = n_{\text{repeat}} / n", ("repeat-purchase rate",)),
    Term("churn", "churn (defection)", "客户流失",
         "A customer ending the relationship. In contracts it is observed; in shops nobody announces it, so it "
         "is defined (a lapse after a stated number of days without a purchase) or estimated (P(alive)).",
         "", ("churn", "dropout", "dropped out")),
    Term("retention_rate", "retention rate", "客户保持率",
         "The share of the customers at the start of a period who are still customers at its end; one minus "
         "the churn rate.", r"r_t = n_t / n_{t-1}", ("retention rate",)),
    Term("pareto", "80/20 rule (Pareto ratio)", "80:20定理",
         "The claim that 20% of customers bring 80% of revenue. A rule of thumb to test: published studies of "
         "many firms find the top 20% bring about 60% to 73%.", r"S(0.2) = 1 - L(0.8)", ("80/20 rule", "80/20")),
    Term("gini", "Gini coefficient", "基尼系数",
         "How unequal revenue per customer is: 0 when everyone spends the same, near 1 when one customer has it "
         "all.", r"G = \sum_i (2i - n - 1)\,x_{(i)} / (nT)", ("Gini coefficient", "Gini")),
    Term("nps", "Net Promoter Score (NPS)", "净推荐值",
         "The share of promoters (who answer 9 or 10 to 'would you recommend us?') minus the share of detractors "
         "(0 to 6), in points from −100 to 100.", r"\text{NPS} = 100\,(p_P - p_D)", ("Net Promoter Score", "NPS")),
    Term("dick_basu", "Dick & Basu loyalty matrix", "忠诚矩阵",
         "Customers crossed by attitude (high or low) and repeat patronage (high or low): true loyalty (真正忠诚), "
         "latent loyalty (潜在忠诚), spurious loyalty (虚假忠诚) and no loyalty (不忠诚).", "",
         ("Dick & Basu",)),
    Term("survival", "survival curve (Kaplan-Meier)", "生存曲线",
         "The share of customers still active a given time after acquisition, estimated so that customers whose "
         "story is not finished (censored) still count while they are observed.",
         r"\hat S(t) = \prod_{t_j \le t} (1 - d_j / n_j)", ("Kaplan-Meier", "survival")),
    Term("p_alive", "P(alive)", "存活概率",
         "The probability that a customer who has not bought for a while is still a customer, given how often "
         "and how recently she bought (from a buy-till-you-die model).", "", ("P(alive)",)),
    Term("btyd", "buy-till-you-die models", "客户存活与购买次数模型",
         "Models of customers who buy at their own rate while they are customers and leave unseen at some point: "
         "BG/NBD, Pareto/NBD, MBG/NBD (continuous time) and BG/BB (discrete opportunities).", "",
         ("buy-till-you-die", "BG/NBD", "Pareto/NBD", "BG/BB")),
    Term("nbd", "NBD and no detectable dropout", "负二项分布模型",
         "Ehrenberg's model of repeat buying: each customer buys at her own steady rate, the rates differ across "
         "customers (a gamma distribution), and nobody leaves. A buy-till-you-die model whose dropout runs to zero "
         "on the data becomes this model: the data show no detectable dropout, so who has left cannot be told and "
         "every customer counts as a customer. The boundary likelihood-ratio test (Self & Liang 1987) asks "
         "whether the dropout process fits better than chance would allow.",
         r"P(X(t)=x) = \frac{\Gamma(r+x)}{\Gamma(r)\,x!}\Big(\frac{\alpha}{\alpha+t}\Big)^r\Big(\frac{t}{\alpha+t}\Big)^x",
         ("no detectable dropout",)),
    Term("clv", "customer lifetime value (CLV)", "客户终身价值",
         "The present value of the margin a customer will bring over the whole relationship (or a stated "
         "horizon), discounted at a rate per year.", r"\text{CLV} = \sum_t \frac{m\,r^t}{(1+i)^t}",
         ("customer lifetime value", "lifetime value", "CLV")),
    Term("dert", "discounted expected residual transactions (DERT)", "",
         "The purchases a customer is still expected to make, each discounted to today: the CLV of one unit of "
         "margin per purchase.", "", ("DERT",)),
    Term("customer_equity", "customer equity", "客户资产",
         "The sum of the lifetime values of a firm's current and future customers (Blattberg, Getz & Thomas): "
         "customers as a financial asset, in place of the product-centred brand equity (品牌资产).", "",
         ("customer equity",)),
    Term("holdout", "holdout check", "样本外检验",
         "A model is fitted on the first part of the data (calibration) and its predictions compared with what "
         "happened in the rest (holdout), which it has not seen.", "", ("holdout",)),
    Term("confidence_interval", "95% confidence interval (CI)", "置信区间",
         "A range that would contain the true value in 95% of repeated samples. Each report says what an "
         "interval covers: sampling error, parameter uncertainty, or also model error.", "",
         ("95% CI", "interval")),
    Term("lr_test", "likelihood-ratio test", "似然比检验",
         "Whether a richer model (e.g. one set of parameters per group) fits so much better than a simpler one "
         "that chance cannot explain it.", r"2(\ln L_1 - \ln L_0) \sim \chi^2_{df}", ("likelihood-ratio",)),
    Term("delivered_value", "customer delivered value", "客户让渡价值",
         "Kotler: total customer value (product, service, personnel and image value) minus total customer cost "
         "(money, time, energy and psychic cost); customers choose the offer that delivers most.",
         r"\text{DV} = \text{total value} - \text{total cost}", ("delivered value",)),
    Term("total_value", "total customer value", "客户总价值",
         "What a customer gets: product value (产品价值), service value (服务价值), personnel value (人员价值) "
         "and image value (形象价值).", "", ("total customer value",)),
    Term("total_cost", "total customer cost", "客户总成本",
         "What a customer gives up: the price (monetary cost) plus time, energy (体力) and psychic (精神) cost.",
         "", ("total customer cost",)),
    Term("cronbach_alpha", "Cronbach's alpha", "克朗巴哈系数",
         "How consistently the items of one survey scale measure the same thing; 0.7 or more is the usual bar.",
         r"\alpha = \frac{k}{k-1}\Big(1 - \frac{\sum \sigma_i^2}{\sigma_X^2}\Big)", ("Cronbach",)),
    Term("logit", "conditional logit (choice model)", "条件Logit模型",
         "A model of which offer a customer chooses: each offer's utility is a weighted sum of its attributes, "
         "and the chance of choosing it rises with its utility relative to the others.",
         r"P(j) = e^{V_j} / \sum_k e^{V_k}", ("conditional logit", "logit")),
    Term("mixed_logit", "mixed logit", "混合Logit模型",
         "A choice model in which customers differ in how much they value each attribute (random coefficients).",
         "", ("mixed logit",)),
    Term("wtp", "willingness to pay (WTP)", "支付意愿",
         "The price change that would leave a customer indifferent to a change in an attribute: the attribute's "
         "coefficient over minus the price coefficient.", r"\text{WTP}_k = -\beta_k / \beta_{\text{price}}",
         ("willingness to pay", "WTP")),
    Term("hazard_ratio", "hazard ratio", "风险比",
         "How much faster customers with one more unit of something drop out, at any moment: 1 means no "
         "difference, below 1 means they stay longer.", "", ("hazard ratio",)),
    Term("driver_analysis", "driver analysis (standardized coefficients)", "驱动因素分析",
         "Which component an outcome such as satisfaction moves with most: the outcome is regressed on the component "
         "scores and each coefficient is put in standard deviations of the outcome per standard deviation of the "
         "component, so components on different spreads can be compared.",
         r"\beta_c = b_c\,\mathrm{sd}(x_c)/\mathrm{sd}(y)", ("driver analysis", "standardized coefficient")),
    Term("ipa", "importance-performance analysis (IPA)", "重要性-绩效分析",
         "Martilla & James (1977): each component placed by how much it matters to customers (importance) and how "
         "well the firm does on it (performance); the one that matters much and performs below the others is "
         "improved first ('concentrate here').", "", ("importance-performance",)),
    Term("ecsi", "customer-satisfaction index model (ACSI, ECSI)", "顾客满意度指数模型",
         "The model behind the national indices of customer satisfaction, the American ACSI (Fornell et al. 1996) and "
         "the European ECSI (Tenenhaus et al. 2005): the firm's image and the customers' expectations shape the quality "
         "and the value they perceive (感知质量, 感知价值), these shape their satisfaction (顾客满意度), and "
         "satisfaction, with the handling of complaints, earns their loyalty (顾客忠诚).", "",
         ("customer-satisfaction index", "ECSI", "ACSI")),
    Term("pls_pm", "PLS path model (PLS-PM)", "偏最小二乘路径模型",
         "A model of constructs that a survey measures with several items each (image, quality, satisfaction, "
         "loyalty) and of how they act on each other. Each construct's score is a weighted sum of its items, the "
         "weights chosen so that the scores predict their neighbours in the model; the paths are regressions of each "
         "construct on the constructs pointing at it (Wold 1982; Lohmöller 1989; Tenenhaus et al. 2005).",
         r"\eta_j = \sum_k w_{jk} x_{jk}, \qquad \eta_j = \sum_{i \to j} \beta_{ij}\,\eta_i + \zeta_j",
         ("PLS path model", "PLS path modeling", "partial least squares")),
    Term("composite_reliability", "composite reliability", "组合信度",
         "How reliably a construct's items measure it together, each weighted by its loading; 0.70 or more is the "
         "usual bar, and above 0.95 the items may only repeat each other (Jöreskog 1971; Hair et al. 2019).",
         r"\rho_c = \frac{(\sum_k \lambda_k)^2}{(\sum_k \lambda_k)^2 + \sum_k (1 - \lambda_k^2)}",
         ("composite reliability",)),
    Term("ave", "average variance extracted (AVE)", "平均方差抽取量",
         "The share of its items' variance that a construct explains, the mean of the squared loadings; at least 0.50 "
         "means the construct explains more of its items than error does (convergent validity, 收敛效度; Fornell & "
         "Larcker 1981).", r"\text{AVE} = \frac{1}{k}\sum_k \lambda_k^2", ("average variance extracted", "AVE")),
    Term("htmt", "heterotrait-monotrait ratio (HTMT)", "异质-单质比率",
         "Whether customers tell two constructs apart (discriminant validity, 区别效度): the mean correlation of the "
         "items of two different constructs over the mean correlation of the items within each. Below 0.85, or 0.90 "
         "for constructs close in meaning, they are distinct (Henseler, Ringle & Sarstedt 2015).",
         r"\text{HTMT}_{ij} = \bar r_{ij} / \sqrt{\bar r_{ii}\,\bar r_{jj}}", ("HTMT", "heterotrait-monotrait")),
    Term("total_effect", "direct, indirect and total effects", "直接效应 / 间接效应 / 总效应",
         "A construct acts on another directly (its path) and indirectly, through the constructs between them "
         "(mediators, 中介效应); the total effect adds both: how far the target moves when the construct moves, all "
         "paths counted. The part running through one mediator M is the effect on M times M's effect on the target.",
         r"T = B + B^2 + \dots = (I - B)^{-1} - I", ("total effect", "indirect effect")),
    Term("ipma", "importance-performance map analysis (IPMA)", "重要性-绩效矩阵分析",
         "The importance-performance map of a path model (Ringle & Sarstedt 2016): a construct's importance is its "
         "total effect on the target in points of the target per point of the construct (both scored 0 to 100), its "
         "performance its mean score from 0 to 100; the construct that matters much and scores low is improved first.",
         "", ("importance-performance map",)),
    Term("hit_rate", "hit rate", "命中率",
         "The share of choices in which customers took the offer the model rates highest; choosing at random gives "
         "one over the number of offers.", "", ("hit rate",)),
    Term("share_simulator", "share simulator", "市场份额模拟",
         "A choice model used to predict how customers would split among a set of offers, and how the split moves "
         "when one offer changes.", r"s_j = e^{V_j} / \sum_k e^{V_k}", ("simulator",)),
    Term("member_get_member", "member get member (referral programme)", "成员带动成员",
         "American Express's programme rewarding members who introduce new members; any reward for a customer "
         "who brings a customer.", "", ("member get member", "member-get-member", "referral programme")),
    Term("word_of_mouth", "word of mouth", "口碑",
         "Customers telling others about a firm. The source material's '8 deals from a satisfied customer, 25 "
         "people told by a dissatisfied one' has no known primary source; across 15 studies positive word of "
         "mouth outnumbers negative about 3 to 1 (East, Hammond & Wright 2007).", "", ("word of mouth",)),
    Term("referral_funnel", "referral funnel", "推荐漏斗",
         "The stages of a referral programme: the customers who could refer, those who sent an invitation, the "
         "invitations, and the invitations that became customers (the conversion rate is the last over the one "
         "before).", r"c = \text{conversions} / \text{invitations}", ("referral funnel", "funnel")),
    Term("reference_groups", "reference groups", "亲人 / 网络社区影响",
         "The people whose opinion shapes a purchase: family, friends, online communities. The source material "
         "cites INFO-PLANT: 35% of buyers influenced by family, 17% of internet users by online communities "
         "(claims, not findings of the reports).", "", ("reference groups", "reference group")),
    Term("viral_k", "viral coefficient (K)", "病毒系数",
         "New customers brought by each programme customer: invitations per customer times the share that "
         "convert; below 1 the programme adds customers but does not grow by itself.", r"K = i \times c",
         ("viral coefficient",)),
    Term("crv", "customer referral value (CRV)", "客户推荐价值",
         "The value a customer brings through the customers she refers (Kumar, Petersen & Leone 2010), beside "
         "her own lifetime value.", "", ("customer referral value", "CRV")),
    Term("incrementality", "incremental customers", "增量客户",
         "Customers who joined because of the programme, measured against a holdout group that was not offered "
         "it; the rest would have come anyway.", "", ("incremental",)),
    Term("roi", "return on investment (ROI)", "投资回报率",
         "What a programme brings back per unit it costs, minus one: 0% breaks even.",
         r"\text{ROI} = (\text{value} - \text{cost}) / \text{cost}", ("ROI", "return on")),
    Term("acquisition_vs_retention", "retention vs acquisition cost", "维持老客户 / 吸引新客户",
         "The claim that winning a customer costs 5 to 25 times as much as keeping one. A quoted range without "
         "one study behind it; Pfeifer (2005) shows that average-cost ratios say nothing about where the next "
         "euro should go: marginal returns decide.", "", ("acquisition cost", "retention cost")),
    Term("berry_levels", "Berry's three levels of relationship marketing", "财务 / 社会 / 结构层次",
         "Financial bonds (price incentives, 财务层次), social bonds (personal ties, 社会层次) and structural "
         "bonds (solutions built into the customer's way of working, 结构层次); each level is harder for a "
         "competitor to copy and raises the cost of switching.", "",
         ("relationship level", "structural bond", "social bond", "financial bond")),
    Term("reichheld_sasser", "5% more retention, 25-85% more profit", "",
         "Reichheld & Sasser (1990): industry examples (bank branches 85%, insurance brokerage 50%, auto service "
         "30%), not a law; the reports compute the figure for the data at hand.", "", ("Reichheld",)),
    Term("blattberg_deighton", "optimal acquisition and retention spending", "",
         "Blattberg & Deighton (1996): spend on acquisition and on retention up to where the last euro of each "
         "returns the same customer equity.", "", ("Blattberg & Deighton",)),
    Term("sbg", "shifted-beta-geometric model (sBG)", "",
         "Fader & Hardie (2007): each customer renews with her own probability, which varies across customers; "
         "the retention rate of a cohort rises with tenure because the customers likely to leave leave first.",
         r"S(t) = B(\alpha, \beta + t) / B(\alpha, \beta)", ("shifted-beta-geometric", "sBG")),
    Term("del", "discounted expected lifetime (DEL, DERL)", "",
         "Fader & Hardie (2010): how many periods of margin a customer brings, each discounted to today; DEL for a "
         "new customer (counting the margin paid at acquisition), DERL for one who has already renewed n times. "
         "CLV = margin per period × DEL.", r"\mathrm{DEL} = \sum_{t \ge 0} S(t)/(1+d)^t",
         ("discounted expected lifetime", "DEL", "DERL")),
    Term("margin_multiplier", "margin multiplier", "",
         "Gupta & Lehmann: what one unit of margin per period is worth over a customer's whole relationship, with "
         "retention r and discount rate i; CLV = margin × multiplier.", r"M = r / (1 + i - r)",
         ("margin multiplier",)),
    Term("marginal_cost", "average vs marginal cost of a customer", "",
         "The average cost divides all spending by all customers won or kept; the marginal cost is what one more "
         "customer costs. Pfeifer (2005): only marginal costs say where the next unit of money should go.", "",
         ("marginal cost",)),
    Term("bdw", "beta-discrete-Weibull model (BdW)", "",
         "Fader, Hardie, Liu, Davin & Steenburgh (2018): the sBG with a churn probability that may change with each "
         "customer's tenure, by a shape c: below 1 a customer grows less likely to leave the longer she stays "
         "(loyalty building), above 1 more likely; at 1 it is the sBG, whose rising retention is sorting alone.",
         r"S(t) = \frac{1}{B(\alpha,\beta)}\int_0^1 \theta^{\alpha-1}(1-\theta)^{\beta-1+t^c}\,d\theta",
         ("beta-discrete-Weibull", "BdW")),
    Term("ccpr", "CCPR", "方便、关怀、个性化、立即响应",
         "Convenience, care, personalization and real-time response: the service qualities the source material "
         "names as the ways to raise delivered value.", "", ("CCPR",)),
)
TERMS_BY_ID = {t.id: t for t in TERMS}


@dataclass(frozen=True)
class Concept:
    """A concept of the course and where the reports show it: (notebook, what to look at, the finding
    keys that show it). The index links the runs of that notebook that found any of those keys."""

    name: str
    zh: str
    where: tuple[tuple[str, str, tuple[str, ...]], ...]
    term: str = ""


CONCEPTS: tuple[Concept, ...] = (
    Concept("Kotler's customer delivered value", "客户让渡价值",
            (("02_delivered_value", "value and cost components, delivered value and what drives satisfaction and "
              "choice", ("delivered_value_mean", "wtp_most_valued", "choice_hit_rate")),
             ("02_delivered_value", "on real surveys, the customer-satisfaction index model (ECSI): quality and "
              "value received, satisfaction and the loyalty it earns", ("ecsi_satisfaction_driver_effect",))),
            "delivered_value"),
    Concept("Berry's three levels of relationship marketing", "财务 / 社会 / 结构层次",
            (("01_loyalty_measurement", "survival to dropout by relationship level", ("longest_relationship_level",)),
             ("02_delivered_value", "delivered value and dropout by relationship level", ("dv_level_gap", "hr_structural")),
             ("04_retention_vs_acquisition", "retention and CLV by bond",
              ("clv_structural_vs_financial", "survival_structural_vs_financial"))), "berry_levels"),
    Concept("member get member (referral)", "成员带动成员",
            (("03_referral_roi", "the referral funnel, incremental customers and the programme's return",
              ("referral_roi", "incremental_customers")),
             ("03_referral_roi", "the published evidence of Schmitt, Skiera & Van den Bulte (2011) and Wolters & "
              "Gedenk (2019)", ("ssv_clv_uplift",))), "member_get_member"),
    Concept("the 80/20 rule", "80:20定理",
            (("00_data_overview", "revenue concentration beside published studies", ("top20_revenue_share",)),
             ("01_loyalty_measurement", "concentration", ("top20_revenue_share",))), "pareto"),
    Concept("acquisition vs retention cost", "维持老客户 / 吸引新客户",
            (("04_retention_vs_acquisition", "costs per customer and the optimal split of spend",
              ("optimal_retention_spend", "acquisition_to_retention_cost_ratio")),), "acquisition_vs_retention"),
    Concept("customer equity", "客户资产",
            (("04_retention_vs_acquisition", "customer equity and its optimum", ("customer_equity",)),
             ("01_loyalty_measurement", "the value of the customer base", ("clv_mean",))), "customer_equity"),
    Concept("customer lifetime value (CLV)", "客户终身价值",
            (("04_retention_vs_acquisition", "CLV in closed form and from cohorts", ("clv", "del_new_customer")),
             ("01_loyalty_measurement", "each customer's CLV with its interval", ("clv_mean",))), "clv"),
    Concept("Net Promoter Score (NPS)", "净推荐值",
            (("01_loyalty_measurement", "attitudinal loyalty and the Dick & Basu matrix", ("nps",)),), "nps"),
    Concept("customer loyalty and churn", "客户忠诚度 / 客户流失",
            (("00_data_overview", "how often customers come back", ("repeat_rate",)),
             ("01_loyalty_measurement", "repeat purchase, survival and P(alive)",
              ("repeat_rate", "p_alive_mean_repeat_buyers", "p_alive_mean"))), "loyalty"),
)


def glossary_html(formula_html=None) -> str:
    """The glossary page (``reports/glossary.html``): one entry per term, with its anchor.
    ``formula_html`` turns a LaTeX formula into HTML (MathML in the batch); plain code otherwise."""
    render = formula_html or (lambda tex: f"<code>{html.escape(tex)}</code>")
    entries = []
    for t in TERMS:
        zh = f' <span lang="zh">{html.escape(t.zh)}</span>' if t.zh else ""
        formula = f'<p class="formula">{render(t.formula)}</p>' if t.formula else ""
        entries.append(f'<dt id="{t.id}">{html.escape(t.term)}{zh}</dt><dd><p>{html.escape(t.definition)}</p>'
                       f"{formula}</dd>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>relmkt glossary: the terms of the reports</title>
<style>
body {{ font-family: "Noto Sans", "Segoe UI", Roboto, Arial, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; color: #222; line-height: 1.5; }}
dt {{ font-weight: 700; margin-top: 1.1rem; }} dt span {{ font-weight: 400; color: #555; margin-left: 0.4rem; }}
dd {{ margin: 0.2rem 0 0 0; }} dd p {{ margin: 0.2rem 0; }} .formula {{ color: #333; }}
dt:target {{ background: #fff4d6; }}
</style></head><body>
<p><a href="index.html">← all reports</a></p>
<h1>Glossary</h1>
<p>The terms the reports use, in plain words, with the term of the Chinese source material where the course
uses one and the formula where there is one. Each report links the first use of a term here.</p>
<dl>{''.join(entries)}</dl>
</body></html>
"""
