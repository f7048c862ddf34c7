"""Scale-out: two crawler processes share one frontier in Redis (scrapy-redis)."""

import json
import os
import subprocess
import sys
import uuid
from dataclasses import replace

import redis
from sqlalchemy import func, select

from cli.sitehost import SiteServer
from models import Campaign, Coverage, Source, SourceHealth, SourceKind
from models.db import open_database
from tests.conftest import FIXTURES, ROUTES

FEEDS = [
    ("site/press/rss.xml", SourceKind.FEED),
    ("site/atom.xml", SourceKind.FEED),  # links to two of the press feed's articles again
    ("site/tv/videos.xml", SourceKind.VIDEO),
    ("site/radio/podcast.xml", SourceKind.PODCAST),
    ("site/partner/feed.xml", SourceKind.FEED),
]


def test_two_crawlers_fetch_every_page_once_and_store_every_clip_once(any_settings, redis_url):
    settings = replace(any_settings, redis_url=redis_url)
    _engine, sessions = open_database(settings)
    with SiteServer(FIXTURES, routes=ROUTES) as site:
        with sessions.begin() as session:
            session.add(Campaign(slug="c", name="C", query='"bassin minier" OR terrils'))
            for path, kind in FEEDS:
                session.add(Source(name=path, kind=kind, url=site.url(path)))
        run_id = uuid.uuid4().hex
        env = {**os.environ, **settings.to_env()}
        command = [sys.executable, "-m", "crawler", "--json", "--run-id", run_id]
        crawlers = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [c.communicate(timeout=120) for c in crawlers]
        assert [c.returncode for c in crawlers] == [0, 0], [o[1][-2000:] for o in outputs]
        hits = {path: n for path, n in site.hits.items() if path != "/robots.txt"}

    stats = [json.loads(out.decode().strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(s["sources"] for s in stats) == len(FEEDS)  # each feed read by one process
    assert all(n == 1 for n in hits.values()), hits  # every page fetched once in all
    assert len(hits) == len(FEEDS) + 6
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Coverage)) == 6
        assert sum(s["stored"] for s in stats) == 6  # and stored once
        assert {s.health for s in session.scalars(select(Source))} == {SourceHealth.OK}
    keys = redis.Redis.from_url(redis_url).keys(f"retombees:crawl:{run_id}:*")
    assert keys, "the run's queue and filter live in Redis"
    assert all(0 < redis.Redis.from_url(redis_url).ttl(k) <= 86400 for k in keys)
    redis.Redis.from_url(redis_url).delete(*keys)
