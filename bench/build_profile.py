"""Where an article's index-build time goes: preparing its document (word
segmentation and our analysis) versus Whoosh's adding and committing.

    .venv/bin/python bench/build_profile.py --size 10000 [--count 300]

Reads articles from ``bench/data/<size>/`` (run ``bench/run.py`` first) and
writes them, in this one process, into a throwaway index; prints CPU
milliseconds per article for each step.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    run.setup_django(BENCH / "data" / str(args.size))

    from whoosh.filedb.filestore import FileStorage

    from articles.models import Article
    from articles.search import bulk
    from articles.search.indexing import get_article_index, get_backend

    bulk.use_fast_analysis()  # as build_index does
    tagger = _time_crf_tagger()
    index, backend = get_article_index(), get_backend()
    backend.setup()
    articles = list(Article.objects.published().with_relations()[: args.count])
    with tempfile.TemporaryDirectory() as scratch:
        writer = FileStorage(scratch).create_index(backend.schema).writer()
        started = time.process_time()
        documents = [backend.document_fields(index, article) for article in articles]
        prepared = time.process_time()
        for document in documents:
            writer.add_document(**document)
        added = time.process_time()
        writer.commit()
        committed = time.process_time()
    per = 1000 / len(articles)
    print(f"{len(articles)} articles, CPU ms per article:")
    print(f"  prepare (segmentation + analysis)  {(prepared - started) * per:6.1f}")
    print(f"    of which pyvi's CRF tagger       {tagger['seconds'] * per:6.1f}")
    print(f"  Whoosh add_document                {(added - prepared) * per:6.1f}")
    print(f"  Whoosh commit (sort + write)       {(committed - added) * per:6.1f}")


def _time_crf_tagger() -> dict[str, float]:
    """Count the CPU time pyvi spends in its CRF model (C code)."""
    from sklearn_crfsuite import CRF

    spent = {"seconds": 0.0}
    predict = CRF.predict_single

    def timed(self, xseq):
        started = time.process_time()
        try:
            return predict(self, xseq)
        finally:
            spent["seconds"] += time.process_time() - started

    CRF.predict_single = timed
    return spent


if __name__ == "__main__":
    main()
