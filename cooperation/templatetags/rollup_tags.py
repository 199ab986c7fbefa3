"""``{% rollupcache key %}…{% endrollupcache %}``: a rendered fragment kept under a roll-up key.

The view computes ``key`` with ``cooperation.caching.rollups.fragment_key`` (scope,
parameters, language and the generations the fragment is drawn from), so the
fragment is invalidated exactly when the figures in it are. An empty key
renders the fragment every time (cache off). Only fragments with nothing
personal in them (no CSRF token, no user name) may be wrapped.
"""

import logging

from django import template
from django.core.cache import caches
from django.utils.safestring import mark_safe

from cooperation.caching import generations
from cooperation.caching.rollups import ENTRY_TIMEOUT

register = template.Library()
logger = logging.getLogger(__name__)


class RollupCacheNode(template.Node):
    def __init__(self, nodelist, key):
        self.nodelist = nodelist
        self.key = key

    def render(self, context):
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        cache = caches[generations.CACHE_ALIAS]
        try:
            found = cache.get(key)
        except Exception:
            logger.exception("Roll-up cache unreachable; rendering the fragment")
            found = None
        if found is not None:
            return mark_safe(found)
        rendered = self.nodelist.render(context)
        try:
            cache.set(key, str(rendered), timeout=ENTRY_TIMEOUT)
        except Exception:
            logger.exception("Roll-up cache unreachable; fragment not stored")
        return rendered


@register.tag
def rollupcache(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% rollupcache key %} takes one argument")
    nodelist = parser.parse(("endrollupcache",))
    parser.delete_first_token()
    return RollupCacheNode(nodelist, parser.compile_filter(bits[1]))
