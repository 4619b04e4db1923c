"""Dedup: group the raw postings by the board's own posting id and mark the longest version primary.

The study normalized each URL by removing its varying tail to get the posting's id, kept the longest
version of each id and kept the non-deduplicated set too (3.3 M of 10.1 M pages were duplicates).

Keys (`posting_key`), one namespace per board and URL kind:
- a known URL shape: `<board>:<id>` (Liepin `liepin:job:<id>`, `liepin:a:<id>`, `liepin:lpt:<id>`, as
  company, headhunter and 猎聘通 jobs number their postings separately);
- any other URL: `url:<url_norm>` plus the original query and fragment, because an unknown site may
  carry the posting id there (`show.php?id=…`) and merging different postings is worse than missing a
  duplicate; such rows are counted as `unknown_url_shapes`;
- no URL (exports without one): `content:<source>:<md5 of company, title, location, pay and body, each
  without whitespace (location and pay also case-folded)>` — only exact re-harvests merge; an edited
  version of a URL-less posting stays its own group, and so does the same text posted for another city
  or at another pay (one 技术编辑 text posted in 武汉, 北京, 上海 and 深圳 is four postings).

The same rule table (`URL_RULES`) drives the Python `normalize_url` and the SQL that keys 10 M rows in
DuckDB, so the two cannot drift apart (a test on every real URL checks they agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from cjd_assets.warehouse import ident, sql_text

DEDUP_VERSION = "dedup-2"

# Patterns are written in the common subset of Python `re` and RE2 (DuckDB): no look-around, no
# back-references, [0-9] not \d (Python's \d also takes full-width digits), no end anchors.
_WS = " \t\r\n"
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


@dataclass(frozen=True)
class UrlRule:
    name: str
    prefix: str  # posting_key = prefix + id
    pattern: str  # matched against "<host><path>?<query>#<fragment>", host lower-cased, no trailing /
    id_pattern: str  # captures the id once `pattern` matched (a short pattern: RE2 captures are slow)
    upper: bool = False  # ids the board prints in either case
    norm_suffix: str = ""  # the id lives in the query or fragment: url_norm keeps it as suffix + id
    host_hint: str = ""  # a cheap substring test on the host before the regex (speed only)

    def __post_init__(self) -> None:
        if not self.host_hint:
            object.__setattr__(self, "host_hint", self.prefix.split(":")[0].replace("boss", "zhipin"))


URL_RULES: tuple[UrlRule, ...] = (
    # jobs.51job.com/<city>/<id>.html?s=…&t=…, also the msearch/m hosts and /jobs/<city>/<id>.html
    UrlRule("51job", "51job:",
            r"(?i)^(?:jobs|m|msearch)\.51job\.com/(?:[a-z0-9_-]+/){1,2}([0-9]+)\.html\?",
            r"(?i)/([0-9]+)\.html\?"),
    UrlRule("51job_old", "51job:",
            r"(?i)^search\.51job\.com/job/([0-9]+),[a-z]\.html\?",
            r"(?i)/([0-9]+),[a-z]\.html\?"),
    # m.51job.com/search/jobdetail.php?jobid=…, 51rz/njxg sub-sites: the same job numbers
    UrlRule("51job_query", "51job:",
            r"(?i)^[a-z0-9.-]*51job\.com/[^?]*\?(?:[^?]*?&)?jobid=([0-9]+)",
            r"(?i)[?&]jobid=([0-9]+)", norm_suffix="?jobid="),
    # campus.51job.com/<company>/gsjj3.html?#<jobid>: the search JSON's job_href of campus jobs
    UrlRule("51job_campus", "51job:",
            r"(?i)^campus\.51job\.com/[^?#]*\?[^#]*#([0-9]{6,})",
            r"#([0-9]{6,})", norm_suffix="#"),
    # company, headhunter and 猎聘通 jobs number their postings separately
    UrlRule("liepin_job", "liepin:job:",
            r"(?i)^(?:www\.|m\.)?liepin\.com/job/([0-9]+)\.shtml\?",
            r"(?i)/job/([0-9]+)\.shtml\?"),
    UrlRule("liepin_a", "liepin:a:",
            r"(?i)^(?:www\.|m\.)?liepin\.com/a/([0-9]+)\.shtml\?",
            r"(?i)/a/([0-9]+)\.shtml\?"),
    UrlRule("liepin_lpt", "liepin:lpt:",
            r"(?i)^(?:www\.|m\.)?liepin\.com/lptjob/([0-9]+)(?:\.shtml)?\?",
            r"(?i)/lptjob/([0-9]+)"),
    # jobs.zhaopin.com/CC000050468J00120161407.htm, …/361398527250879.htm, m.zhaopin.com/jobs/…
    UrlRule("zhaopin", "zhaopin:",
            r"(?i)^(?:jobs|m|www)\.zhaopin\.com/(?:jobs?/)?(c[cz]l?[0-9]+j[0-9]+|[0-9]{9,})\.htm\?",
            r"(?i)/([a-z0-9]+)\.htm\?", upper=True),
    UrlRule("zhaopin_campus", "zhaopin:",
            r"(?i)^xiaoyuan\.zhaopin\.com/job/(c[cz]l?[0-9]+j[0-9]+)\?",
            r"(?i)/job/([a-z0-9]+)\?", upper=True),
    # BOSS ids are case-sensitive: 80ad4bc27a5982f71nR909q-ElVR
    UrlRule("boss", "boss:",
            r"(?i)^(?:www\.|m\.)?zhipin\.com/(?:web/geek/)?job_detail/([a-z0-9_~-]{8,})\.html\?",
            r"(?i)/job_detail/([a-z0-9_~-]+)\.html\?"),
    UrlRule("lagou", "lagou:",
            r"(?i)^(?:www\.|m\.)?lagou\.com/(?:wn/)?jobs/([0-9]+)\.html\?",
            r"(?i)/jobs/([0-9]+)\.html\?"),
    UrlRule("cjol", "cjol:",
            r"(?i)^(?:www\.|m\.|jobs\.)?cjol\.com/(?:jobs/)?job-([0-9]+)(?:\.html?)?\?",
            r"(?i)job-([0-9]+)"),
    UrlRule("cjol_query", "cjol:",
            r"(?i)^(?:www\.|m\.|jobs\.)?cjol\.com/[^?]*\?(?:[^?]*?&)?jobid=([0-9]+)",
            r"(?i)[?&]jobid=([0-9]+)", norm_suffix="?jobid="),
    # linkedin.com/jobs/view/<id>/ or …/jobs/view/<slug>-<id>/, any country host, linkedin.cn
    UrlRule("linkedin", "linkedin:",
            r"(?i)^(?:[a-z]{2,3}\.)?linkedin\.(?:com|cn)/(?:comm/)?jobs/view/(?:[^/?]*-)?([0-9]{6,})\?",
            r"([0-9]{6,})\?"),
)


_RULE_RES = tuple((re.compile(r.pattern), re.compile(r.id_pattern)) for r in URL_RULES)


def normalize_url(url: str) -> tuple[str, str]:
    """`(url_norm, posting_key)` of one posting URL; `('', '')` for an empty one.

    url_norm: https (http folded in), lower-case host without user, port or trailing dot, path without
    trailing /, no query or fragment — except the id where a board keeps it there
    (`m.51job.com/search/jobdetail.php?jobid=…`, `campus.51job.com/…/gsjj3.html?#<jobid>`).
    posting_key: see the module docstring. Mirrors sql/dedup_keys.sql step by step.
    """
    parts = split_url(url)
    if parts is None:
        return "", ""
    base, host, target, query, fragment = parts
    for rule, (rx, id_rx) in zip(URL_RULES, _RULE_RES):
        if rule.host_hint in host and rx.search(target):
            pid = id_rx.search(target).group(1)
            pid = pid.upper() if rule.upper else pid
            return base + (rule.norm_suffix and rule.norm_suffix + pid), rule.prefix + pid
    return base, "url:" + base + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


def split_url(url: str | None) -> tuple[str, str, str, str, str] | None:
    """`(base, host, target, query, fragment)`: base = canonical scheme://host/path, target = the string
    the rules match; None for an empty URL. Plain string steps, one for one with sql/dedup_keys.sql."""
    u = (url or "").strip(_WS)
    if not u:
        return None
    u, _, fragment = u.partition("#")
    u, _, query = u.partition("?")
    scheme, sep, rest = u.partition("://")
    if not (sep and _SCHEME_RE.fullmatch(scheme)):
        scheme, rest = "", (u[2:] if u.startswith("//") else u)
    host, slash, path = rest.partition("/")
    path = (slash + path).rstrip("/")
    scheme = "https" if scheme.lower() in ("", "http") else scheme.lower()
    host = host.lower()
    if "@" in host:
        host = host.partition("@")[2]
    if ":" in host:
        host = re.sub(r":[0-9]*\Z", "", host)
    host = host.rstrip(".")
    return f"{scheme}://{host}{path or '/'}", host, f"{host}{path}?{query}#{fragment}", query, fragment


# ---- the same for a whole table, in DuckDB -----------------------------------------------------------


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def dedup_keys_sql(source_table: str = "raw_postings") -> str:
    """sql/dedup_keys.sql: a SELECT of every source row plus `url_norm` and `posting_key`."""
    rule_number = "CASE " + " ".join(
        f"WHEN contains(_host, {_lit(r.host_hint)}) AND regexp_matches(_target, {_lit(r.pattern)}) THEN {i + 1}"
        for i, r in enumerate(URL_RULES)
    ) + " END"
    rule_id = "CASE _rule " + " ".join(
        f"WHEN {i + 1} THEN " + (f"upper(regexp_extract(_target, {_lit(r.id_pattern)}, 1))" if r.upper
                                 else f"regexp_extract(_target, {_lit(r.id_pattern)}, 1)")
        for i, r in enumerate(URL_RULES)
    ) + " END"
    return sql_text(
        "dedup_keys",
        source_table=source_table,
        rule_number=rule_number,
        rule_id=rule_id,
        rule_prefixes="[" + ", ".join(_lit(r.prefix) for r in URL_RULES) + "]",
        rule_norm_suffixes="[" + ", ".join(_lit(r.norm_suffix) for r in URL_RULES) + "]",
    )


def render_dedup_sql(source_table: str = "raw_postings", target_table: str = "deduplicated_postings") -> list[str]:
    """The statements of a dedup run: sql/dedup_groups.sql, then sql/deduplicated_postings.sql."""
    narrow = (f"(SELECT rowid AS _row, id, source, url_extracted, company_name_extracted, title_extracted, "
              f"body_extracted, location_extracted, salary_extracted, retrieve_date, "
              f"length(coalesce(body_extracted, '')) AS _body_length "
              f"FROM {source_table})")
    return [
        sql_text("dedup_groups", dedup_keys=dedup_keys_sql(narrow)),
        sql_text("deduplicated_postings", source_table=ident(source_table), target_table=ident(target_table),
                 dedup_version=_lit(DEDUP_VERSION)),
        "DROP TABLE _dedup_groups",
    ]


def url_keys_sql(urls_table: str, url_col: str = "url") -> str:
    """A SELECT of `url, url_norm, posting_key` for every row of `urls_table`, keyed by the same SQL as
    the dedup (for the agreement test, or to check a list of URLs)."""
    src = (f"(SELECT {url_col} AS url, {url_col} AS url_extracted, NULL::VARCHAR AS source, "
           "NULL::VARCHAR AS company_name_extracted, NULL::VARCHAR AS title_extracted, "
           "NULL::VARCHAR AS body_extracted, NULL::VARCHAR AS location_extracted, "
           f"NULL::VARCHAR AS salary_extracted FROM {urls_table})")
    return f"SELECT url, url_norm, posting_key FROM ({dedup_keys_sql(src)})"


def deduplicate(
    con, source_table: str = "raw_postings", target_table: str = "deduplicated_postings"
) -> dict:
    """(Re)build `target_table` from all of `source_table`: every row kept, plus `url_norm, posting_key,
    duplicate_group_size, is_primary, dedup_version`. A full rebuild in one transaction, so it is global
    across harvests and idempotent. `source_table` must be a table (rows are matched by rowid).
    Returns the corpus counts (the study's 10.1 M harvested → 6.8 M unique), see `dedup_stats`."""
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in render_dedup_sql(source_table, target_table):
            con.execute(statement)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return dedup_stats(con, target_table)


def dedup_stats(con, target_table: str = "deduplicated_postings") -> dict:
    """harvested, unique, duplicates, duplicate_share overall and `per_board`; `unknown_url_shapes`
    (rows keyed by their whole URL), `no_url` (keyed by content) and the commonest unknown hosts."""
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
    con.execute(sql_text("near_duplicates", table=ident(table)))
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
    cur = con.execute(
        f"""SELECT scope, n_postings, boards, company, title, example_keys FROM _near_duplicate_groups
            ORDER BY n_postings DESC, scope DESC, company, title LIMIT {int(examples)}"""
    )
    rows = cur.fetchall()
    out["examples"] = pl.DataFrame(rows, schema=[d[0] for d in cur.description], orient="row")
    con.execute("DROP TABLE _near_duplicate_groups")
    return out
