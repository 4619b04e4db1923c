-- dedup_keys: every row of {source_table} with url_norm and posting_key, the board's own posting id.
-- Study: "normalize the URL by removing the varying suffix to get the posting's id".
-- The rule patterns and key prefixes come from cjd_assets.dedup.URL_RULES, the same table that the
-- Python normalize_url walks, so both key a URL alike; this file mirrors it step by step.
WITH split AS (
    SELECT s.*,
        regexp_replace(coalesce(s.url_extracted, ''), '^[ \t\r\n]+|[ \t\r\n]+$', '', 'g') AS _url
    FROM {source_table} AS s
),
parts AS (
    SELECT *, regexp_extract(_url, {url_split_regex}, ['scheme', 'host', 'path', 'query', 'fragment']) AS _u
    FROM split
),
canon AS (
    -- scheme and host canonicalized (http folded into https; no user, port or trailing dot)
    SELECT * EXCLUDE (_u),
        CASE WHEN lower(_u.scheme) IN ('', 'http') THEN 'https' ELSE lower(_u.scheme) END AS _scheme,
        regexp_replace(regexp_replace(regexp_replace(lower(_u.host), '^[^@]*@', ''), ':[0-9]*$', ''),
                       '\.+$', '') AS _host,
        regexp_replace(_u.path, '/+$', '') AS _path,
        _u.query AS _query,
        _u.fragment AS _fragment
    FROM parts
),
targets AS (
    SELECT *,
        _scheme || '://' || _host || CASE WHEN _path = '' THEN '/' ELSE _path END AS _base,
        _host || _path || '?' || _query AS _target
    FROM canon
),
matched AS (
    -- the first rule whose pattern matches: struct(i := rule number from 1, pid := the posting id)
    SELECT *, CASE WHEN _url = '' THEN NULL ELSE {rule_match} END AS _m
    FROM targets
)
SELECT * EXCLUDE (_url, _scheme, _host, _path, _query, _fragment, _base, _target, _m),
    CASE
        WHEN _url = '' THEN NULL
        WHEN _m IS NULL OR {rule_query_params}[_m.i] = '' THEN _base
        ELSE _base || '?' || {rule_query_params}[_m.i] || '=' || _m.pid
    END AS url_norm,
    CASE
        -- no URL: only an exact re-harvest (same board, company, title, body up to whitespace) merges
        WHEN _url = '' THEN 'content:' || coalesce(source, 'unknown') || ':' || md5(
            coalesce(company_name_extracted, '') || chr(31) || coalesce(title_extracted, '') || chr(31)
            || regexp_replace(coalesce(body_extracted, ''), '\s+', '', 'g'))
        -- unknown shape: the whole URL, query and fragment kept, so different postings never merge
        WHEN _m IS NULL THEN 'url:' || _base
            || CASE WHEN _query <> '' THEN '?' || _query ELSE '' END
            || CASE WHEN _fragment <> '' THEN '#' || _fragment ELSE '' END
        ELSE {rule_prefixes}[_m.i] || _m.pid
    END AS posting_key
FROM matched
