"""Django's Redis cache, with one client object per connection pool instead of one per cache call.

``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every get or
set (its constructor fills a table of some 200 response callbacks); a page
makes five to ten cache calls. A ``redis.Redis`` is safe to share between
threads (each command takes a connection from the pool), so one per pool is
kept. Everything else is Django's backend.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class SharedRedisCache(RedisCache):
    """``DJANGO_CACHE_URL=redis://…``: the cache every worker and machine shares."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
