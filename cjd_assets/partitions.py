"""The `harvests` dynamic partition: one per crawl run or dropped harvest file.

The key says where the harvest comes from, so a re-materialization or backfill needs nothing else:
`crawl-<UTC timestamp>` crawls the configured seeds; `file-<name>` ingests `<name>` from the landing zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import dagster as dg

harvests = dg.DynamicPartitionsDefinition(name="harvests")

CRAWL_PREFIX = "crawl-"
FILE_PREFIX = "file-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]")


def crawl_partition_key(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return CRAWL_PREFIX + now.strftime("%Y%m%dT%H%M%S")


def file_partition_key(filename: str) -> str:
    # Partition keys are shown in URLs and CLI flags: keep them to a safe alphabet.
    return FILE_PREFIX + _UNSAFE.sub("_", filename)
