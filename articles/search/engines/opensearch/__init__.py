"""The OpenSearch engine: the same documents and query plans on a cluster.

``mapping`` says how the search document is indexed (pre-analyzed token
fields split on whitespace, whole-value facet fields), ``translate`` turns
a query plan into a request body, ``engine`` talks to the cluster and
``haystack`` makes it a haystack connection. See docs/opensearch.md.
"""
