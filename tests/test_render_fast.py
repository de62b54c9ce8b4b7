"""The fast paths of rendering (issue 7) give exactly what the plain code gives.

Each shortcut taken for speed — tables filled from pre-compiled pieces, sections cut from the body
by one regular expression, a report's key figures summed together, region sums made from the sums
of the regions below, rows and links written in Python instead of template loops, the Jinja2
funnel's cheaper escaping and calls — is compared here with the straightforward computation it
replaces, on reports chosen to hit the edges: blank cells, amounts with and without units, mixed
units, amounts at the limit of decimal precision, missing tables and rows, both format versions,
negative counts, markup characters in names.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import pass_context
from markupsafe import Markup, escape

from govsite.aggregate import MIXED_UNITS, sum_by_format
from govsite.build import load_site
from govsite.formats.figures import AGENCY_FIGURES, KEY_FIGURES, figure_by_key
from govsite.portal import figure_value, figure_values, ranking
from govsite.render import Record, Renderer, SiteIndex, _after_children, _output_escape, report_order
from govsite.sections import _split_lines, split_sections
from govsite.tables import _plan, cell_texts, fill, plain_cells, render_table, skeleton
from govsite.templates import make_environment
from sitekit import make_site, report_text, values_2021, zero_values

TABLES = ("active", "applications", "reviews")


def _2019(procurement: list, **changes: list) -> dict[str, list]:
    vals = zero_values("2019")
    vals["active.procurement"] = procurement
    for k, v in changes.items():
        vals[k.replace("__", ".")] = v
    return vals


def _files() -> dict[str, str]:
    rng = random.Random(7)
    files: dict[str, str] = {}
    regions = [["甲省"], ["甲省", "乙市"], ["甲省", "乙市", "丙县"], ["甲省", "丁市"], ["戊省", "己市"], []]
    units = ["元", "万元", ""]
    for i in range(24):
        region = regions[i % len(regions)]
        agency = f"机关{i}<&\">" if i % 5 == 0 else f"机关{i}"
        for year in (2020, 2021, 2022):
            if (i + year) % 4 == 0:
                continue  # gaps in the history
            meta = {"agency": agency, "year": year, "region": region, "level": "县级部门", "title": f"{agency}{year}年报"}
            if year == 2020 or i % 7 == 0:  # the 2019 format, also one 2021 report in it (R13)
                amount = rng.choice(["0", "12.5", "0.00", "251000", "3.75"]) + rng.choice(units)
                vals = _2019([rng.randint(0, 5), amount])
                text = report_text(vals, version="2019", **meta)
            else:
                vals = values_2021(applications__granted=[rng.randint(0, 9), 21, "", 0, 50, 3, 1362],
                                   active__fees=[rng.choice(["0", "26.55", "1.5", "0.125"])])
                missing = []
                if i % 6 == 1:
                    missing = ["reviews", "applications.withheld_state_secret"]
                    del vals["applications.withheld_state_secret"]
                    for k in [k for k in vals if k.startswith("reviews.")]:
                        del vals[k]
                if i % 9 == 2:
                    vals["active.normative_documents"] = [1, -2, 3]  # a signed count below zero
                text = report_text(vals, missing=missing, **meta) if missing else report_text(vals, **meta)
            files[f"content/{year}/a{i}.md"] = text
    return files


SITE_TOML = '''title = "测试 <门户> & 站"
base_url = "/sub&path/"
publish_invalid = true

[[agencies]]
name = "未报局"
region = ["甲省", "乙市"]
'''


@pytest.fixture(scope="module")
def renderer(tmp_path_factory) -> Renderer:
    root = make_site(tmp_path_factory.mktemp("fast") / "site", _files(), SITE_TOML)
    site = load_site(root)
    assert site.reports, [d.format() for d in site.diagnostics]
    reports = site.reports
    problems: dict[str, list] = {}
    for d in site.diagnostics:
        problems.setdefault(d.path, []).append(d)
    return Renderer(SiteIndex(site.config, reports, problems))


def _aggregates(renderer: Renderer) -> list:
    return [agg for rs in renderer.site.by_year.values() for agg in sum_by_format(rs)]


# --- tables ---------------------------------------------------------------------------------------


def test_tables_are_filled_as_fill_fills_them(renderer: Renderer) -> None:
    fast = 0
    for source in [*renderer.site.reports, *_aggregates(renderer)]:
        cells = plain_cells(source.values)
        for key in TABLES:
            expected = fill(skeleton(source.format, key), source)
            assert render_table(source, key) == expected
            assert render_table(source, key, cells=cells) == expected
            fast += _plan(source.format, key).fill(cells) is not None
    assert fast > len(renderer.site.reports)  # the fast path is the common one
    rename = (('"t-applications-', '"y2022-0-applications-'), (' t-applications-', ' y2022-0-applications-'))
    for source in [*renderer.site.reports[:5], *_aggregates(renderer)]:
        expected = fill(skeleton(source.format, "applications"), source)
        for old, new in rename:
            expected = expected.replace(old, new)
        assert render_table(source, "applications", rename=rename) == expected
        assert 'headers="y2022-0-applications-' in expected and "t-applications-" not in expected
    missing = next(r for r in renderer.site.reports if r.missing)
    assert _plan(missing.format, "reviews").fill(plain_cells(missing.values)) is None
    assert "原文缺失" in render_table(missing, "reviews")
    renamed = render_table(missing, "reviews", rename=(('"t-reviews-', '"x-reviews-'), (" t-reviews-", " x-reviews-")))
    assert renamed == fill(skeleton(missing.format, "reviews"), missing).replace('"t-reviews-', '"x-reviews-').replace(
        " t-reviews-", " x-reviews-") and "原文缺失" in renamed


def test_cell_texts_are_fills() -> None:
    values = (0, 7, 9999, 10_000, 123456789, -3, True, None, "", "26.55", "251000元", "<b>&\"'", Decimal("1.50"))
    expected = [str(v) if type(v) is int else str(escape("" if v is None else str(v))) for v in values]
    assert list(cell_texts(values)) == expected
    assert list(cell_texts((1, 2, 3))) == ["1", "2", "3"]
    assert list(cell_texts((1, -1))) == ["1", "-1"]
    assert list(cell_texts((5,))) == ["5"] and list(cell_texts(())) == []


# --- sections -------------------------------------------------------------------------------------

LINES = st.sampled_from([
    "## 一、总体情况", "# 二、主动", "### 三．x", "#### 四、no", "   ## 五、 a ##", "    ## 六、缩进", "##\t六、tab",
    "## 一、again", "正文", "", "", " ", "##一、无空格", "\u3000## 二、", "## 二 、 x  #  ", "## 三\u3000、x",
    "## 四 \u2028、", "## 五 ", "##  一  .  x", "```", "~~~", "  ```", "## 六、\r",
])


@settings(max_examples=800, deadline=None)
@given(st.lists(LINES, max_size=14), st.integers(1, 40))
def test_sections_are_cut_as_split_line_by_line(lines: list[str], first_line: int) -> None:
    body = "\n".join(lines)

    def plain(result):
        preface, sections = result
        return preface, [(p.anchor, p.title, p.text, p.line, p.heading) for p in sections]

    assert plain(split_sections(body, first_line)) == plain(_split_lines(body, first_line))


def test_sections_of_real_reports(renderer: Renderer) -> None:
    for r in renderer.site.reports:
        assert split_sections(r.body, r.body_line)[0] == _split_lines(r.body, r.body_line)[0]
        fast, lines = split_sections(r.body, r.body_line)[1], _split_lines(r.body, r.body_line)[1]
        assert [(p.text, p.line) for p in fast] == [(p.text, p.line) for p in lines]


# --- figures and sums -----------------------------------------------------------------------------


def test_figure_values_are_figure_value(renderer: Renderer) -> None:
    for source in [*renderer.site.reports, *_aggregates(renderer)]:
        for figures in (KEY_FIGURES, list(KEY_FIGURES[:3])):
            assert figure_values(source, figures) == [figure_value(source, f) for f in figures]
    assert any(v is None for r in renderer.site.reports for v in figure_values(r, KEY_FIGURES))


def test_region_sums_are_sum_by_format(renderer: Renderer) -> None:
    site = renderer.site
    for node in site.regions.values():
        for year in site.by_year:
            rs, sums = renderer._region_year(node, year)
            agencies = node.all_agencies()
            expected_rs = [r for r in site.by_year[year] if site.agency_of(r) in agencies]
            assert rs == expected_rs
            expected = sum_by_format(rs)
            assert [(a.format, a.reports, a.values, a.incomplete) for a in sums] == \
                   [(a.format, a.reports, a.values, a.incomplete) for a in expected]
    root_sums = [s for y in site.by_year for s in renderer._region_year(site.regions[()], y)[1]]
    assert any(s.incomplete for s in root_sums)
    amounts = {v for s in root_sums for v in s.values.get("active.procurement", [None, None])[1:]}
    assert MIXED_UNITS in amounts  # 元 and 万元 in one year


def test_region_sums_are_let_go(renderer: Renderer) -> None:
    """Pages of regions come after the regions below them, whose sums the region above takes: once
    every region page is made, only the whole site's sums are held."""
    site = renderer.site
    fresh = Renderer(site)
    nodes = list(_after_children(site.regions[()]))
    assert sorted(n.path for n in nodes) == sorted(site.regions) and nodes[-1].path == ()
    for node in nodes:
        fresh.region_page(node)
        assert all((c.path, y) not in fresh._region_sums for c in node.children for y in site.by_year)
    assert {path for path, _ in fresh._region_sums} == {()}


def test_region_sums_at_the_limit_of_decimal_precision(tmp_path: Path) -> None:
    """Amounts whose sum needs more digits than decimal arithmetic keeps are summed one by one."""
    files = {}
    for i, region in enumerate([["甲省", "乙市"], ["甲省", "丙市"], ["甲省"]]):
        vals = values_2021(active__fees=["9" * 26 + ".5", ], applications__granted=[1, 0, 0, 0, 0, 0, 1])
        files[f"content/2022/b{i}.md"] = report_text(vals, agency=f"局{i}", year=2022, region=region)
    site = load_site(make_site(tmp_path / "site", files, 'title = "t"\npublish_invalid = true\n'))
    renderer = Renderer(SiteIndex(site.config, site.reports, {}))
    rs, sums = renderer._region_year(renderer.site.regions[()], 2022)
    expected = sum_by_format(rs)
    assert [(a.values, a.incomplete) for a in sums] == [(a.values, a.incomplete) for a in expected]


# --- rows and links written in Python -------------------------------------------------------------


def test_rows_and_links_are_the_template_loops(renderer: Renderer) -> None:
    env = renderer.env
    site = renderer.site
    labels = ["机关", *[f.label for f in env.globals["index_figures"]], "校验问题"]
    rank_labels = ["名次", "机关", *[f.label for f in env.globals["agency_figures"]]]
    for year, reports in site.by_year.items():
        counts = {r.path: (i % 3, i % 2) for i, r in enumerate(reports)}
        loop = env.from_string(
            "{% for r in rs %}\n<tr><th scope=\"row\"><a href=\"{{ url(r.url) }}\">{{ r.agency }}</a></th>\n"
            "{% for f in index_figures %}{% set v = r | figure(f) %}<td class=\"num\" data-label=\"{{ labels[loop.index] }}\">"
            "{{ v | grouped }}</td>{% endfor %}\n"
            "{% set c = counts[r.path] %}<td class=\"num\" data-label=\"{{ labels[-1] }}\">{% if c[0] %}<span class=\"bad\">{{ c[0] }} 个错误</span>{% endif %}"
            "{% if c[1] %} {{ c[1] }} 个警告{% endif %}{% if not c[0] and not c[1] %}无{% endif %}</td></tr>\n{% endfor %}")
        assert renderer.report_rows(reports, counts, labels) == loop.render(rs=reports, counts=counts, labels=labels)
        entries = [(site.agency_of(r), r) for r in reports]
        for key in (*AGENCY_FIGURES, "total"):
            fig = figure_by_key(key)
            ranked = ranking(entries, fig, values=renderer._figures.values(reports, fig))
            assert ranked == ranking(entries, fig) == ranking(entries, fig, renderer._figures)
            rows = env.from_string(
                "{% for rank, a, r, v in ranking %}<tr><td class=\"num\" data-label=\"{{ labels[0] }}\">{{ rank | grouped }}</td>"
                "<th scope=\"row\"><a href=\"{{ url(r.url) }}\">{{ r.agency }}</a></th>\n{% for f in agency_figures %}"
                "{% set v = r | figure(f) %}<td class=\"num{% if f.key == figure.key %} sorted{% endif %}\" "
                "data-label=\"{{ labels[loop.index0 + 2] }}\">"
                "{{ v | grouped }}</td>{% endfor %}</tr>\n{% endfor %}")
            assert (renderer.ranking_rows(ranked, fig, rank_labels)
                    == rows.render(ranking=ranked, figure=fig, labels=rank_labels))
    figure_rows = env.from_string(
        "{% for r, values in rows %}\n<tr><th scope=\"row\"><a href=\"{{ url(r.url) }}\">{{ r.year }}</a></th>"
        "{% for v in values %}<td class=\"num\" data-label=\"{{ labels[loop.index] }}\">{{ v | grouped }}</td>{% endfor %}"
        "</tr>\n{% endfor %}")
    year_labels = ["年度", *[figure_by_key(k).label for k in AGENCY_FIGURES]]
    for a in site.agencies:
        rows = [(r, figure_values(r, [figure_by_key(k) for k in AGENCY_FIGURES])) for r in a.reports]
        assert renderer.figure_rows(rows, year_labels) == figure_rows.render(rows=rows, labels=year_labels)
    downloads = env.from_string(
        "{% for r in reports %}<li>{{ r.agency }}：<a href=\"{{ url(r.url ~ 'report.csv') }}\" download>CSV</a> · "
        "<a href=\"{{ url(r.url ~ 'report.json') }}\">JSON</a></li>{% endfor %}")
    for reports in site.by_year.values():
        assert renderer.report_downloads(reports) == downloads.render(reports=reports)
    links = env.from_string("{% for r in reports %}<a href=\"{{ url(r.url) }}\">{{ r.year }}</a>"
                            "{% if not loop.last %}、{% endif %}{% endfor %}")
    for a in site.agencies:
        assert renderer.report_links(a.reports) == links.render(reports=a.reports)
        assert renderer.report_links(a.reports) is renderer.report_links(a.reports) or not a.reports
    assert renderer.report_links([]) == ""


# --- the Jinja2 funnel ----------------------------------------------------------------------------


class _Html:
    def __html__(self) -> str:
        return "<i>safe</i>"


def test_output_escape_is_escape() -> None:
    for value in ("<a href='x'>&\"", "", "纯文本", Markup("<b>ok</b>"), 0, -5, 10**30, True, None, 1.5,
                  Decimal("2.50"), _Html(), dt.date(2024, 1, 2), ["<x>"]):
        assert _output_escape(value) == str(escape(value))


TEMPLATE = """{% macro m(x) %}<{{ x }}>{% endmacro %}{% macro c(x) %}<{{ x }}>{{ caller() }}{% endmacro %}
{{ plain('<x>') }} {{ ctx() }} {{ stop() is undefined }}|{{ obj.method(1) }}|{{ m('&') }}{% call c('"') %}{{ v }}{% endcall %}
{% set block %}<i>{{ v }}</i>{% endset %}{{ block }}{{ block | length }}{% filter upper %}{{ v }} abc{% endfilter %}
{{ v ~ '&' }}{{ n }}{{ none }}{{ safe }}{{ '%s<%s' % (v, n) }}{% for i in [1, 2] %}{{ loop.index }}{{ plain(i) }}{% endfor %}
{{ [v, n] | join(',') }}{{ v | e }}{{ obj.with_context(1) }}{{ '%s'.format(v) }}{{ range(3) | list }}{{ dict(a=v)['a'] }}{{ obj.missing | default('d') }}"""


class _Obj:
    def method(self, x: int) -> str:
        return f"<{x}>"

    @pass_context
    def with_context(self, context, x: int) -> str:
        return f"{context['n']}+{x}"


@pass_context
def _ctx(context) -> str:
    return f"ctx:{context['v']}"


def _stop() -> str:
    raise StopIteration


def test_the_funnel_renders_as_plain_jinja(renderer: Renderer) -> None:
    values = dict(plain=lambda x: f"[{x}]", ctx=_ctx, stop=_stop, obj=_Obj(), v="<&'\">", n=42, safe=Markup("<b>"))
    plain = make_environment(None).from_string(TEMPLATE).render(**values)
    fast = renderer.env.from_string(TEMPLATE).render(**values)
    assert fast == plain
    assert "ctx:&lt;" in fast and "&lt;1&gt;" in fast and "42+1" in fast


def test_records_read_as_the_dicts_they_were(renderer: Renderer) -> None:
    record = Record(anchor="s1", title="一、总体情况", html=Markup("<p>x</p>"), table=None)
    plain = dict(anchor="s1", title="一、总体情况", html=Markup("<p>x</p>"), table=None)
    template = ("{{ s.anchor }}{{ s['title'] }}{{ s.html }}{{ s.table is none }}{{ s | length }}{{ s }}"
                "{% for k, v in s.items() %}{{ k }}={{ v }};{% endfor %}{{ s.get('x', 'd') }}{{ s == p }}")
    assert record == plain and isinstance(record, dict)
    assert renderer.env.from_string(template).render(s=record, p=plain) == \
        make_environment(None).from_string(template).render(s=plain, p=plain)


def test_pages_of_the_site_render(renderer: Renderer) -> None:
    """Every page renders; a report with markup in its agency name keeps it escaped everywhere."""
    site = renderer.site
    report = next(r for r in sorted(site.reports, key=report_order) if "<" in r.agency)
    page = renderer.report_page(report).decode()
    assert str(escape(report.agency)) in page and report.agency not in page
    for year, reports in site.by_year.items():
        entries = [(site.agency_of(r), r) for r in reports]
        pages = [renderer.year_page(year, reports, entries)] + [data for _, data in renderer.ranking_pages(year, reports)]
        for data in pages:
            text = data.decode()
            assert "<&\">" not in text and text.endswith("</html>\n")
    region = renderer.region_page(site.regions[("甲省",)]).decode()
    assert "report_links" not in region and "/sub&amp;path/" in region
