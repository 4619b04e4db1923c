-- The corpus behind the tables: primary postings per board, with the span of their release dates.
SELECT
    coalesce(source, 'unknown') AS source,
    count(*) AS postings,
    count(*) / sum(count(*)) OVER () AS share,
    min(release_date_exact_date_norm) AS first_release_date,
    max(release_date_exact_date_norm) AS last_release_date
FROM analysis_postings
GROUP BY 1
ORDER BY postings DESC, source
