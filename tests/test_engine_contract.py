"""The contract every search engine keeps, run against each of them: Whoosh
always, OpenSearch when ``OPENSEARCH_URL`` names a cluster (otherwise the
OpenSearch cases are reported as skipped, with the reason).

Expected answers come from the database (what the articles are filed
under, their dates, their text) or from the judged set, never from another
engine's output.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from types import SimpleNamespace

import pytest

from articles.models import Article
from articles.search import evaluation
from articles.search.engines import get_engine
from articles.search.plan import QueryPlan
from articles.search.query import abbreviation_table, parse
from articles.search.service import SearchParams, plan_for
from articles.text import fold
from tests.engine_contract import CASES, ENGINES, SMALL_SET, import_small_set, use_engine

pytestmark = pytest.mark.django_db(transaction=True)

EVERYTHING = 1000


@pytest.fixture(params=ENGINES)
def portal(request, settings, _index_path):
    cleanup = use_engine(request.param, _index_path)
    request.addfinalizer(cleanup)
    names = import_small_set()
    return SimpleNamespace(engine=get_engine(), names=names, ids={v: k for k, v in names.items()})


def plan_of(engine, params: SearchParams, **changes) -> QueryPlan:
    plan = plan_for(parse(params.q, abbreviation_table()), params, engine)
    return replace(plan, **changes)


def all_hits(engine, params: SearchParams) -> list[int]:
    return [pk for pk, _ in engine.search(plan_of(engine, params, offset=0, limit=EVERYTHING)).hits]


def folded_words(article: Article) -> set[str]:
    return set(fold(f"{article.title} {article.body}").split())


def published():
    return Article.objects.published().with_relations()


# -- ranking -----------------------------------------------------------------------


def test_judged_queries_rank_well_and_agree_across_spellings(portal):
    judged = evaluation.JudgedSet.load(SMALL_SET)
    results = evaluation.run_portal(judged, portal.names)
    assert evaluation.by_kind(results)["all"] >= 0.93
    assert evaluation.variant_mismatches(results) == []
    assert evaluation.empty_results(results) == []


def test_a_title_naming_the_query_comes_first(portal):
    hits = all_hits(portal.engine, CASES["words"])
    assert hits[0] == portal.ids["r03"]  # "Nghệ An nâng cấp mạng lưới bưu điện văn hóa xã"
    assert all_hits(portal.engine, CASES["no-diacritics"])[:5] == hits[:5]


# -- syntax ------------------------------------------------------------------------


def test_phrases_exclusions_and_or(portal):
    engine = portal.engine
    phrase = all_hits(engine, CASES["phrase"])
    assert phrase
    for article in Article.objects.filter(pk__in=phrase):
        assert "dich vu cong truc tuyen" in " ".join(
            fold(f"{article.title} {article.body}").split()
        )

    with_word = set(all_hits(engine, SearchParams(q="thông tin")))
    without = set(all_hits(engine, CASES["exclusion"]))
    assert without and without < with_word
    for article in Article.objects.filter(pk__in=with_word):
        assert (article.pk in without) == ("dien" not in folded_words(article))

    either = set(all_hits(engine, CASES["or"]))
    assert either == set(all_hits(engine, SearchParams(q="BTS"))) | set(
        all_hits(engine, SearchParams(q="Internet"))
    )
    assert set(all_hits(engine, CASES["abbreviation"])) == set(
        all_hits(engine, SearchParams(q="công nghệ thông tin"))
    )


def test_partial_matches_follow_when_few_articles_hold_every_word(portal):
    from articles.search.service import search

    outcome = search(CASES["relaxed"], with_snippets=False)
    assert outcome.relaxed and outcome.total > outcome.exact_total
    names = [portal.names[hit.article.pk] for hit in outcome.hits]
    assert {"r03", "r22", "r10"} <= set(names[:5])


# -- facets and filters ------------------------------------------------------------


def test_counts_match_the_database(portal):
    result = portal.engine.search(plan_of(portal.engine, SearchParams()))
    articles = list(published())
    assert result.total == len(articles)
    assert result.facets["province"] == Counter(a.province.slug for a in articles if a.province)
    assert result.facets["year"] == Counter(str(a.date.year) for a in articles if a.date)
    assert result.facets["fields"] == Counter(f.code for a in articles for f in a.ict_fields)


def test_facets_count_each_facet_without_its_own_filter(portal):
    engine = portal.engine
    params = CASES["province-filter"]
    filtered = engine.search(plan_of(engine, params, limit=EVERYTHING))
    unfiltered = engine.search(plan_of(engine, replace(params, provinces=[]), limit=EVERYTHING))
    hits = Article.objects.with_relations().filter(pk__in=[pk for pk, _ in filtered.hits])
    assert {a.province.slug for a in hits} <= set(params.provinces)
    assert filtered.total == len(hits) < unfiltered.total
    # The province facet still offers every province the words are found in …
    assert filtered.facets["province"] == unfiltered.facets["province"]
    # … the others count only what the selection leaves.
    assert filtered.facets["fields"] == Counter(f.code for a in hits for f in a.ict_fields)
    assert filtered.facets["year"] == Counter(str(a.date.year) for a in hits)


@pytest.mark.parametrize(
    "case", ["field-filter", "year-filter", "year-range", "filters-combined", "province-filter"]
)
def test_filters_keep_exactly_what_they_select(portal, case):
    params = CASES[case]
    hits = set(all_hits(portal.engine, params))
    candidates = published()
    if params.q:
        candidates = candidates.filter(pk__in=all_hits(portal.engine, SearchParams(q=params.q)))

    def selected(a: Article) -> bool:
        year = a.date.year if a.date else None
        return (
            (not params.provinces or (a.province and a.province.slug in params.provinces))
            and (not params.fields or {f.code for f in a.ict_fields} & set(params.fields))
            and (not params.years or year in params.years)
            and (params.year_from is None or (year is not None and year >= params.year_from))
            and (params.year_to is None or (year is not None and year <= params.year_to))
        )

    expected = {a.pk for a in candidates if selected(a)}
    assert expected and hits == expected


# -- sorting and paging ------------------------------------------------------------


def test_sorting_by_date_puts_undated_articles_last(portal, make_article, index_now):
    with index_now:
        undated = make_article("Bài không rõ ngày về bưu chính", date=None)
    newest = all_hits(portal.engine, CASES["all-newest"])
    oldest = all_hits(portal.engine, CASES["all-oldest"])
    dates = dict(published().values_list("pk", "date"))
    dated = [pk for pk in newest if dates[pk]]
    assert newest[-1] == oldest[-1] == undated.pk
    assert [dates[pk] for pk in dated] == sorted((dates[pk] for pk in dated), reverse=True)
    assert oldest[:-1] == dated[::-1]
    in_search = all_hits(portal.engine, CASES["sorted-search"])
    search_dates = [dates[pk] or dt.date.min for pk in in_search]
    assert search_dates == sorted(search_dates, reverse=True)


def test_pages_follow_each_other(portal):
    engine = portal.engine
    params = CASES["second-page"]
    first_twenty = engine.search(plan_of(engine, replace(params, page=1, page_size=20)))
    second_page = engine.search(plan_of(engine, params))
    assert second_page.total == first_twenty.total > 10
    assert second_page.hits == first_twenty.hits[5:10]


# -- the index's life --------------------------------------------------------------


def test_edits_and_deletes_reach_the_index(portal, index_now):
    engine = portal.engine
    article = Article.objects.get(pk=portal.ids["r03"])
    assert all_hits(engine, SearchParams(q="hoàng hôn")) == []
    with index_now:
        article.title = "Nghệ An: điểm bưu điện văn hóa xã mở cửa đến hoàng hôn"
        article.save()
    assert all_hits(engine, SearchParams(q="hoàng hôn")) == [article.pk]
    with index_now:
        article.delete()
    assert all_hits(engine, SearchParams(q="hoàng hôn")) == []
    assert article.pk not in all_hits(engine, CASES["words"])
    assert engine.indexed_ids() == set(published().values_list("pk", flat=True))
    assert engine.doc_count() == published().count()


def test_a_rebuild_answers_every_case_as_before(portal):
    engine = portal.engine
    before = {name: engine.search(plan_of(engine, params)) for name, params in CASES.items()}
    report = engine.rebuild(list(published().values_list("pk", flat=True)), stamp="contract-1")
    assert report.documents == published().count()
    assert engine.format_stamp() == "contract-1"
    for name, params in CASES.items():
        after = engine.search(plan_of(engine, params))
        assert (after.total, [pk for pk, _ in after.hits], after.facets) == (
            before[name].total,
            [pk for pk, _ in before[name].hits],
            before[name].facets,
        ), name


def test_term_statistics_and_spellings(portal):
    engine = portal.engine
    holding = all_hits(engine, SearchParams(q='"bưu"'))
    assert engine.document_frequencies("text", ["bưu"]) == {"bưu": len(holding)}
    assert engine.document_frequencies("text", ["zzzz"]) == {"zzzz": 0}
    spellings = engine.spelling_variants("buu")
    assert spellings["bưu"] == len(holding)
    assert set(engine.spelling_variants("so")) >= {"số", "sở"}
