"""Dedup: group the raw postings by the board's own posting id and mark the longest version primary.

The study normalized each URL by removing its varying tail to get the posting's id, kept the longest
version of each id and kept the non-deduplicated set too (3.3 M of 10.1 M pages were duplicates).

Keys (`posting_key`), one namespace per board and URL kind:
- a known URL shape: `<board>:<id>` (Liepin `liepin:job:<id>`, `liepin:a:<id>`, `liepin:lpt:<id>`, as
  company, headhunter and 猎聘通 jobs number their postings separately);
- any other URL: `url:<url_norm>` plus the original query and fragment, because an unknown site may
  carry the posting id there (`show.php?id=…`) and merging different postings is worse than missing a
  duplicate; such rows are counted as `unknown_url_shapes`;
- no URL (exports without one): `content:<source>:<md5 of company, title, whitespace-free body>` — only
  exact re-harvests merge; an edited version of a URL-less posting stays its own group.

The same rule table (`URL_RULES`) drives the Python `normalize_url` and the SQL that keys 10 M rows in
DuckDB, so the two cannot drift apart (a test on every real URL checks they agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEDUP_VERSION = "dedup-1"

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

# Patterns are written in the common subset of Python `re` and RE2 (DuckDB): no look-around, no
# back-references, [0-9] not \d (Python's \d also takes full-width digits), no end anchors.
_WS = "[ \t\r\n]"
URL_SPLIT = r"^(?:([A-Za-z][A-Za-z0-9+.-]*)://|//)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?"


@dataclass(frozen=True)
class UrlRule:
    name: str
    prefix: str  # posting_key = prefix + id
    pattern: str  # matched against "<host><path>?<query>", host lower-cased, path without trailing /
    upper: bool = False  # ids the board prints in either case
    query_param: str | None = None  # the id lives in the query: keep it in url_norm


URL_RULES: tuple[UrlRule, ...] = (
    # jobs.51job.com/<city>/<id>.html?s=…&t=…, also msearch/m hosts and /jobs/<city>/<id>.html
    UrlRule("51job", "51job:", r"(?i)^(?:jobs|m|msearch)\.51job\.com/(?:[a-z0-9_-]+/){1,2}([0-9]+)\.html\?"),
    UrlRule("51job_old", "51job:", r"(?i)^search\.51job\.com/job/([0-9]+),[a-z]\.html\?"),
    # m.51job.com/search/jobdetail.php?jobid=…, 51rz/njxg sub-sites: the same job numbers
    UrlRule("51job_query", "51job:", r"(?i)^[a-z0-9.-]*51job\.com/[^?]*\?(?:[^?]*&)?jobid=([0-9]+)", query_param="jobid"),
    UrlRule("liepin_job", "liepin:job:", r"(?i)^(?:www\.|m\.)?liepin\.com/job/([0-9]+)\.shtml\?"),
    UrlRule("liepin_a", "liepin:a:", r"(?i)^(?:www\.|m\.)?liepin\.com/a/([0-9]+)\.shtml\?"),
    UrlRule("liepin_lpt", "liepin:lpt:", r"(?i)^(?:www\.|m\.)?liepin\.com/lptjob/([0-9]+)(?:\.shtml)?\?"),
    # jobs.zhaopin.com/CC000050468J00120161407.htm, …/361398527250879.htm, m.zhaopin.com/jobs/…
    UrlRule("zhaopin", "zhaopin:",
            r"(?i)^(?:jobs|m|www)\.zhaopin\.com/(?:jobs?/)?(c[cz]l?[0-9]+j[0-9]+|[0-9]{9,})\.htm\?", upper=True),
    UrlRule("zhaopin_campus", "zhaopin:", r"(?i)^xiaoyuan\.zhaopin\.com/job/(c[cz]l?[0-9]+j[0-9]+)\?", upper=True),
    # BOSS ids are case-sensitive: 80ad4bc27a5982f71nR909q-ElVR
    UrlRule("boss", "boss:", r"(?i)^(?:www\.|m\.)?zhipin\.com/(?:web/geek/)?job_detail/([a-z0-9_~-]{8,})\.html\?"),
    UrlRule("lagou", "lagou:", r"(?i)^(?:www\.|m\.)?lagou\.com/(?:wn/)?jobs/([0-9]+)\.html\?"),
    UrlRule("cjol", "cjol:", r"(?i)^(?:www\.|m\.|jobs\.)?cjol\.com/(?:jobs/)?job-([0-9]+)(?:\.html?)?\?"),
    UrlRule("cjol_query", "cjol:", r"(?i)^(?:www\.|m\.|jobs\.)?cjol\.com/[^?]*\?(?:[^?]*&)?jobid=([0-9]+)", query_param="jobid"),
    # linkedin.com/jobs/view/<id>/ or …/jobs/view/<slug>-<id>/, any country host, linkedin.cn
    UrlRule("linkedin", "linkedin:",
            r"(?i)^(?:[a-z]{2,3}\.)?linkedin\.(?:com|cn)/(?:comm/)?jobs/view/(?:[^/?]*-)?([0-9]{6,})\?"),
)


_SPLIT_RE = re.compile(URL_SPLIT)
_TRIM_RE = re.compile(f"^{_WS}+|{_WS}+$")
_RULE_RES = tuple(re.compile(r.pattern) for r in URL_RULES)


def normalize_url(url: str) -> tuple[str, str]:
    """`(url_norm, posting_key)` of one posting URL; `('', '')` for an empty one.

    url_norm: https (http folded in), lower-case host without user, port or trailing dot, path without
    trailing /, no query or fragment — except the id parameter where a board keeps the id in the query
    (`m.51job.com/search/jobdetail.php?jobid=…`). posting_key: see the module docstring.
    Mirrors sql/deduplicated_postings.sql step by step.
    """
    u = _TRIM_RE.sub("", url or "")
    if not u:
        return "", ""
    scheme, host, path, query, fragment = (g or "" for g in _SPLIT_RE.match(u).groups())
    scheme = "https" if scheme.lower() in ("", "http") else scheme.lower()
    host = re.sub(r"\.+$", "", re.sub(r":[0-9]*$", "", re.sub(r"^[^@]*@", "", host.lower())))
    path = re.sub(r"/+$", "", path)
    base = f"{scheme}://{host}{path or '/'}"
    target = f"{host}{path}?{query}"
    for rule, rx in zip(URL_RULES, _RULE_RES):
        m = rx.search(target)
        if m:
            pid = m.group(1).upper() if rule.upper else m.group(1)
            return (f"{base}?{rule.query_param}={pid}" if rule.query_param else base), rule.prefix + pid
    return base, "url:" + base + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


# ---- the same for a whole table, in DuckDB -----------------------------------------------------------


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sql(name: str, **params: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8").format(**params)


def dedup_keys_sql(source_table: str = "raw_postings") -> str:
    """sql/dedup_keys.sql: a SELECT of every source row plus `url_norm` and `posting_key`."""
    rule_match = "CASE " + " ".join(
        f"WHEN regexp_matches(_target, {_lit(r.pattern)}) THEN struct_pack(i := {i + 1}, pid := "
        + (f"upper(regexp_extract(_target, {_lit(r.pattern)}, 1))" if r.upper
           else f"regexp_extract(_target, {_lit(r.pattern)}, 1)")
        + ")"
        for i, r in enumerate(URL_RULES)
    ) + " END"
    return _sql(
        "dedup_keys.sql",
        source_table=source_table,
        url_split_regex=_lit(URL_SPLIT),
        rule_match=rule_match,
        rule_prefixes="[" + ", ".join(_lit(r.prefix) for r in URL_RULES) + "]",
        rule_query_params="[" + ", ".join(_lit(r.query_param or "") for r in URL_RULES) + "]",
    )


def render_dedup_sql(source_table: str = "raw_postings", target_table: str = "deduplicated_postings") -> str:
    """sql/deduplicated_postings.sql with the table names and the URL rules filled in."""
    return _sql("deduplicated_postings.sql", target_table=target_table,
                dedup_keys=dedup_keys_sql(source_table), dedup_version=_lit(DEDUP_VERSION))


def url_keys_sql(urls_table: str, url_col: str = "url") -> str:
    """A SELECT of `url, url_norm, posting_key` for every row of `urls_table`, keyed by the same SQL as
    the dedup (for the agreement test, or to check a list of URLs)."""
    src = (f"(SELECT {url_col} AS url, {url_col} AS url_extracted, NULL::VARCHAR AS source, "
           "NULL::VARCHAR AS company_name_extracted, NULL::VARCHAR AS title_extracted, "
           f"NULL::VARCHAR AS body_extracted FROM {urls_table})")
    return f"SELECT url, url_norm, posting_key FROM ({dedup_keys_sql(src)})"


def deduplicate(
    con, source_table: str = "raw_postings", target_table: str = "deduplicated_postings"
) -> dict:
    """(Re)build `target_table` from all of `source_table`: every row kept, plus `url_norm, posting_key,
    duplicate_group_size, is_primary, dedup_version`. A full rebuild, so it is global across harvests
    and idempotent. Returns the corpus counts (the study's 10.1 M harvested → 6.8 M unique)."""
    con.execute(render_dedup_sql(source_table, target_table))
    rows = con.execute(
        f"""SELECT coalesce(source, 'unknown') AS board, count(*) AS harvested,
                   count(*) FILTER (WHERE is_primary) AS uniq,
                   count(*) FILTER (WHERE posting_key LIKE 'url:%') AS unknown_shapes,
                   count(*) FILTER (WHERE posting_key LIKE 'content:%') AS no_url
            FROM {target_table} GROUP BY ALL ORDER BY harvested DESC, board"""
    ).fetchall()

    def counts(harvested: int, uniq: int) -> dict:
        dup = harvested - uniq
        return {"harvested": harvested, "unique": uniq, "duplicates": dup,
                "duplicate_share": round(dup / harvested, 6) if harvested else 0.0}

    per_board = {b: counts(h, u) | {"unknown_url_shapes": x, "no_url": n} for b, h, u, x, n in rows}
    stats = counts(sum(r[1] for r in rows), sum(r[2] for r in rows))
    stats["per_board"] = per_board
    stats["unknown_url_shapes"] = sum(r[3] for r in rows)
    stats["no_url"] = sum(r[4] for r in rows)
    # where to add a rule next
    stats["unknown_url_hosts"] = dict(con.execute(
        f"""SELECT regexp_extract(posting_key, '^url:[a-z0-9+.-]*://([^/]*)', 1) AS host, count(*) AS n
            FROM {target_table} WHERE posting_key LIKE 'url:%' GROUP BY ALL ORDER BY n DESC, host LIMIT 10"""
    ).fetchall())
    stats["dedup_version"] = DEDUP_VERSION
    return stats


def near_duplicates(con, table: str = "deduplicated_postings", examples: int = 10) -> dict:
    """Count primaries that look like one posting under different ids: same board, company, title and
    normalized body hash (`same_board_*`), and the same across boards (`cross_board_*`). Reported, not
    removed. `examples` is a small Polars frame of the largest groups."""
    con.execute(_sql("near_duplicates.sql", table=table))
    out: dict = {}
    for scope in ("same_board", "cross_board"):
        groups, postings = con.execute(
            "SELECT count(*), coalesce(sum(n_postings), 0) FROM _near_duplicate_groups WHERE scope = ?", [scope]
        ).fetchall()[0]
        out[f"{scope}_groups"] = int(groups)
        out[f"{scope}_postings"] = int(postings)
        # postings that a stricter dedup would have folded into another
        out[f"{scope}_extra"] = int(postings - groups)
    primaries = con.execute(f"SELECT count(*) FROM {table} WHERE is_primary").fetchall()[0][0]
    out["primaries"] = int(primaries)
    out["same_board_extra_share"] = round(out["same_board_extra"] / primaries, 6) if primaries else 0.0
    out["examples"] = con.sql(
        f"""SELECT scope, n_postings, boards, company, title, example_keys FROM _near_duplicate_groups
            ORDER BY n_postings DESC, scope DESC, company, title LIMIT {int(examples)}"""
    ).pl()
    return out
