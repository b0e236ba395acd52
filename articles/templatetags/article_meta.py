"""``{% article_meta article %}``: canonical link, Open Graph and JSON-LD for
an article page, to be placed in ``{% block meta %}``."""

from __future__ import annotations

from django import template

from articles.structured_data import article_meta as build_meta

register = template.Library()


@register.inclusion_tag("articles/_head_meta.html", takes_context=True)
def article_meta(context: template.Context, article) -> dict:
    return {"meta": build_meta(article, context.get("request"))}
