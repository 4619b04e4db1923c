"""The `harvests` dynamic partition: one per crawl run or dropped harvest file.

The key says where the harvest comes from, so a re-materialization or backfill needs nothing else:
`crawl-<UTC timestamp>` crawls the configured seeds; `file-<name>-<digest>` ingests the file with that
content digest, kept in the lake (see `cjd_assets.harvest.landing`).
"""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from cjd_assets.harvest.landing import FILE_PREFIX, KEY_DIGEST_LEN, file_partition_key, key_digest

harvests = dg.DynamicPartitionsDefinition(name="harvests")

CRAWL_PREFIX = "crawl-"
HARVEST_ASSET = dg.AssetKey("raw_postings")  # the last asset of a harvest: materialized = harvest done


def crawl_partition_key(now: datetime | None = None) -> str:
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)  # a schedule's tick is in Beijing time
    return CRAWL_PREFIX + now.strftime("%Y%m%dT%H%M%S")


def file_keys_by_digest(instance: dg.DagsterInstance) -> dict[str, str]:
    """Registered `file-` partitions by their short content digest: the same bytes are the same harvest,
    whatever they were named when dropped again."""
    return {d: k for k in instance.get_dynamic_partitions(harvests.name) if (d := key_digest(k))}


def file_key_for(instance: dg.DagsterInstance, filename: str, digest: str) -> str:
    """The partition of a file's content: the registered one, else a new key from its name and digest."""
    return file_keys_by_digest(instance).get(digest[:KEY_DIGEST_LEN]) or file_partition_key(filename, digest)


__all__ = ["CRAWL_PREFIX", "FILE_PREFIX", "HARVEST_ASSET", "crawl_partition_key", "file_key_for",
           "file_keys_by_digest", "file_partition_key", "harvests"]
