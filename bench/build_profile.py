"""Where an article's index-build time goes: preparing its document (word
segmentation and our analysis) versus writing its postings, with the
rebuild's segment builder and with Whoosh's own writer.

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

    from articles.search.engines import get_engine
    from articles.search.index.document import documents, indexable

    tagger = _time_crf_tagger()
    engine = get_engine()
    articles = list(indexable()[: args.count])
    from articles.search.engines.whoosh import compat

    started = time.process_time()
    prepared_documents = [engine.whoosh_fields(d) for d in documents(articles)]
    prepared = time.process_time()
    with tempfile.TemporaryDirectory() as scratch:
        builder = compat.SegmentBuilder(FileStorage(scratch).create_index(engine.schema))
        for document in prepared_documents:
            builder.add_document(document)
        added = time.process_time()
        builder.finish()
        built = time.process_time()
    with tempfile.TemporaryDirectory() as scratch:
        writer = FileStorage(scratch).create_index(engine.schema).writer()
        whoosh_started = time.process_time()
        for document in prepared_documents:
            writer.add_document(**document)
        whoosh_added = time.process_time()
        writer.commit()
        committed = time.process_time()
    per = 1000 / len(articles)
    print(f"{len(articles)} articles, CPU ms per article:")
    print(f"  prepare (segmentation + analysis)  {(prepared - started) * per:6.1f}")
    print(f"    of which the CRF tagger          {tagger['seconds'] * per:6.1f}")
    print(f"  segment builder: add               {(added - prepared) * per:6.1f}")
    print(f"  segment builder: write postings    {(built - added) * per:6.1f}")
    print(f"  Whoosh add_document                {(whoosh_added - whoosh_started) * per:6.1f}")
    print(f"  Whoosh commit (sort + write)       {(committed - whoosh_added) * per:6.1f}")


def _time_crf_tagger() -> dict[str, float]:
    """Count the CPU time spent in the CRF tagger (C code)."""
    from articles import segmenter

    spent = {"seconds": 0.0}
    _, crfsuite, tagger = segmenter._load()

    class Timed:
        def tag(self, items):
            started = time.process_time()
            try:
                return tagger.tag(items)
            finally:
                spent["seconds"] += time.process_time() - started

    segmenter._pyvi = (segmenter._pyvi[0], crfsuite, Timed())
    segmenter._cached_line.cache_clear()
    return spent


if __name__ == "__main__":
    main()
