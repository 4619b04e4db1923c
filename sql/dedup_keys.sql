-- dedup_keys: every row of {source_table} with url_norm and posting_key, the board's own posting id.
-- Study: "normalize the URL by removing the varying suffix to get the posting's id".
-- Steps mirror cjd_assets.dedup.normalize_url one for one; the rule patterns and key prefixes come from
-- its URL_RULES. Plain string functions split the URL: regex captures over 10 M rows are slow.
WITH trimmed AS (
    -- trim with a character list is slow: only where an end is blank
    SELECT s.*,
        CASE WHEN contains(' ' || chr(9) || chr(13) || chr(10), left(coalesce(s.url_extracted, ''), 1))
               OR contains(' ' || chr(9) || chr(13) || chr(10), right(s.url_extracted, 1))
             THEN trim(coalesce(s.url_extracted, ''), ' ' || chr(9) || chr(13) || chr(10))
             ELSE s.url_extracted END AS _url
    FROM {source_table} AS s
),
no_fragment AS (
    SELECT *, strpos(_url, '#') AS _f FROM trimmed
),
no_query AS (
    SELECT *,
        CASE WHEN _f > 0 THEN substr(_url, _f + 1) ELSE '' END AS _fragment,
        CASE WHEN _f > 0 THEN left(_url, _f - 1) ELSE _url END AS _nf
    FROM no_fragment
),
hostpath AS (
    SELECT *,
        CASE WHEN strpos(_nf, '?') > 0 THEN substr(_nf, strpos(_nf, '?') + 1) ELSE '' END AS _query,
        CASE WHEN strpos(_nf, '?') > 0 THEN left(_nf, strpos(_nf, '?') - 1) ELSE _nf END AS _hp
    FROM no_query
),
scheme AS (
    SELECT *,
        strpos(_hp, '://') > 1 AND regexp_full_match(left(_hp, strpos(_hp, '://') - 1), '[A-Za-z][A-Za-z0-9+.-]*')
            AS _has_scheme
    FROM hostpath
),
rest AS (
    SELECT *,
        CASE WHEN _has_scheme THEN lower(left(_hp, strpos(_hp, '://') - 1)) ELSE '' END AS _scheme0,
        CASE WHEN _has_scheme THEN substr(_hp, strpos(_hp, '://') + 3)
             WHEN starts_with(_hp, '//') THEN substr(_hp, 3) ELSE _hp END AS _rest
    FROM scheme
),
parts AS (
    SELECT *,
        lower(CASE WHEN strpos(_rest, '/') > 0 THEN left(_rest, strpos(_rest, '/') - 1) ELSE _rest END) AS _host0,
        CASE WHEN strpos(_rest, '/') > 0 THEN rtrim(substr(_rest, strpos(_rest, '/')), '/') ELSE '' END AS _path
    FROM rest
),
canon AS (
    -- scheme and host canonicalized: http folded into https; no user, port or trailing dot
    SELECT *,
        CASE WHEN _scheme0 IN ('', 'http') THEN 'https' ELSE _scheme0 END AS _scheme,
        rtrim(
            CASE WHEN contains(_host1, ':') THEN regexp_replace(_host1, ':[0-9]*$', '') ELSE _host1 END, '.'
        ) AS _host
    FROM (
        SELECT *, CASE WHEN contains(_host0, '@') THEN substr(_host0, strpos(_host0, '@') + 1) ELSE _host0 END AS _host1
        FROM parts
    )
),
targets AS (
    SELECT *,
        _scheme || '://' || _host || CASE WHEN _path = '' THEN '/' ELSE _path END AS _base,
        _host || _path || '?' || _query || '#' || _fragment AS _target
    FROM canon
),
ruled AS (
    -- the first rule whose pattern matches (numbered from 1), NULL for an unknown shape
    SELECT *, CASE WHEN _url = '' THEN NULL ELSE {rule_number} END AS _rule FROM targets
),
matched AS (
    SELECT *, {rule_id} AS _pid FROM ruled
)
SELECT * EXCLUDE (_url, _f, _fragment, _nf, _query, _hp, _has_scheme, _scheme0, _rest, _host0, _path,
                  _host1, _scheme, _host, _base, _target, _rule, _pid),
    CASE
        WHEN _url = '' THEN NULL
        WHEN _rule IS NULL OR {rule_norm_suffixes}[_rule] = '' THEN _base
        ELSE _base || {rule_norm_suffixes}[_rule] || _pid
    END AS url_norm,
    CASE
        -- no URL: only an exact re-harvest (same board, company, title, location, pay, body up to
        -- whitespace) merges; the same text posted for another city or pay is another posting
        WHEN _url = '' THEN 'content:' || coalesce(source, 'unknown') || ':' || md5(
            coalesce(company_name_extracted, '') || chr(31) || coalesce(title_extracted, '') || chr(31)
            || lower(regexp_replace(coalesce(location_extracted, ''), '\s+', '', 'g')) || chr(31)
            || lower(regexp_replace(coalesce(salary_extracted, ''), '\s+', '', 'g')) || chr(31)
            || regexp_replace(coalesce(body_extracted, ''), '\s+', '', 'g'))
        -- unknown shape: the whole URL, query and fragment kept, so different postings never merge
        WHEN _rule IS NULL THEN 'url:' || _base
            || CASE WHEN _query <> '' THEN '?' || _query ELSE '' END
            || CASE WHEN _fragment <> '' THEN '#' || _fragment ELSE '' END
        ELSE {rule_prefixes}[_rule] || _pid
    END AS posting_key
FROM matched
