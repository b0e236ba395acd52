"""The OpenSearch engine's translation, checked without a cluster.

Each contract case (``engine_contract.CASES``) is planned over the small
judged set as the portal plans it, and its request body must equal the one
reviewed and kept in tests/opensearch/request_bodies.json. After a change
to the planner or the translation, write the file again with
``PORTAL_WRITE_REQUEST_BODIES=1 pytest tests/test_opensearch_requests.py``
(the test then fails, so the new bodies are read before they are trusted),
review the diff, and commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from articles.search.engines import get_engine
from articles.search.engines.opensearch import translate
from articles.search.plan import Clause, Group, QueryPlan
from articles.search.query import abbreviation_table, parse
from articles.search.service import plan_for, relaxed_plan
from tests.engine_contract import CASES, import_small_set, use_engine

EXPECTED = Path(__file__).resolve().parent / "opensearch" / "request_bodies.json"


def _bodies() -> dict[str, dict]:
    engine = get_engine()
    bodies = {}
    for name, params in CASES.items():
        plan = plan_for(parse(params.q, abbreviation_table()), params, engine)
        bodies[name] = translate.request_body(plan)
        if plan.ranked:
            loose = relaxed_plan(plan, engine)
            if loose is not plan:
                bodies[f"{name} (relaxed)"] = translate.request_body(loose)
    return bodies


@pytest.mark.django_db(transaction=True)
def test_each_contract_case_asks_opensearch_the_reviewed_request(settings, _index_path):
    cleanup = use_engine("whoosh", _index_path)
    try:
        import_small_set()
        bodies = _bodies()
    finally:
        cleanup()
    if os.environ.get("PORTAL_WRITE_REQUEST_BODIES"):
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(
            json.dumps(bodies, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        pytest.fail(f"{EXPECTED.name} written: review the diff, then run again")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert sorted(bodies) == sorted(expected)
    for name, body in bodies.items():
        assert body == expected[name], name
    assert any("(relaxed)" in name for name in bodies)


def test_weighted_votes_become_distinct_copies_of_each_group():
    """Lucene merges identical clauses; each vote must stay a clause of its own."""
    port = Group((Clause("text_folded", ("cang",)),), required=False, votes=3)
    city = Group((Clause("text_folded", ("hai", "phong")),), required=False, votes=1)
    plan = QueryPlan(groups=(port, city), minimum_votes=3)
    votes = translate.query(plan)["bool"]["filter"][0]["bool"]
    assert votes["minimum_should_match"] == 3
    copies = votes["should"]
    assert len(copies) == 4
    assert len({json.dumps(c, sort_keys=True) for c in copies}) == 4
    assert [c["constant_score"]["filter"] for c in copies[:3]] == [
        {"term": {"text_folded": {"value": "cang", "boost": 1.0}}}
    ] * 3


def test_every_spelling_of_a_folded_syllable_is_asked_for():
    spellings = translate.spelling_candidates("so")
    assert {"so", "số", "sở", "sơ", "sổ", "sợ", "sò", "sọ"} <= set(spellings)
    assert "nguyễn" in translate.spelling_candidates("nguyen")
    assert "đường" in translate.spelling_candidates("duong")
    assert translate.spelling_candidates("bts") == ["bts"]
    assert translate.spelling_candidates("") == []


@pytest.mark.django_db
def test_an_unreachable_cluster_gives_a_clear_page_not_an_error(client, settings):
    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "articles.search.engines.opensearch.haystack.OpenSearchHaystackEngine",
            # Nothing listens on the discard port: a real, refused connection.
            "URL": "http://127.0.0.1:9",
            "TIMEOUT": 2,
        }
    }
    from haystack import connections

    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    try:
        response = client.get("/tim-kiem/", {"q": "bưu chính"})
    finally:
        connections.reload("default")
    assert response.status_code == 503
    assert "tìm kiếm" in response.content.decode().lower()


@pytest.mark.django_db
def test_documents_fit_the_mapping(make_article):
    """The index is ``dynamic: strict``: a field the mapping lacks would be refused."""
    from haystack import connections

    from articles.search.engines.opensearch import mapping
    from articles.search.index.document import documents

    dated = make_article(
        "Sở TT&TT Nghệ An kiểm tra bưu điện văn hóa xã",
        province="nghe-an",
        fields=("buu-chinh", "cntt"),
    )
    undated = make_article("Tin không rõ ngày", date=None)
    fields = connections["default"].get_unified_index().all_searchfields()
    body = mapping.index_body(fields, "v1", shards=1, replicas=0)
    properties = body["mappings"]["properties"]
    assert body["settings"]["index"]["analysis"]["analyzer"]["portal_tokens"] == {
        "type": "custom",
        "tokenizer": "whitespace",
    }
    first, second = (mapping.source(d, properties) for d in documents([dated, undated]))
    assert set(first) <= set(properties) and set(second) <= set(properties)
    assert first["province"] == "nghe-an" and sorted(first["fields"]) == ["buu-chinh", "cntt"]
    assert "kiểm_tra" in first["words"].split() and first["pub"] == dated.date.toordinal()
    assert "pub" not in second and "province" not in second  # undated sorts last
    assert properties["text"]["index_options"] == "positions"
    assert properties["words"]["index_options"] == "freqs"
    assert mapping.read_stamp(body["mappings"]["_meta"]["portal_stamp"]) == "v1"
