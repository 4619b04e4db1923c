-- Postings per month, category, board and location. A posting is placed in its release month where it
-- states a release date, else in the month it was retrieved; month_basis says which, per row, because
-- a retrieval month only bounds when the posting was live. A posting with neither (an export row with
-- no crawl time and no usable release date) keeps a null month and month_basis 'unknown': it is
-- counted, not dropped, so the series can say how much of the corpus it covers.
SELECT
    CAST(date_trunc('month', coalesce(release_date_exact_date_norm, CAST(retrieve_date AS DATE))) AS DATE)
        AS month,
    CASE
        WHEN release_date_exact_date_norm IS NOT NULL THEN 'release'
        WHEN retrieve_date IS NOT NULL THEN 'retrieval'
        ELSE 'unknown'
    END AS month_basis,
    job_category_pr AS category,
    source,
    location_province_zh_norm AS province_zh,
    location_prefecture_zh_norm AS prefecture_zh,
    count(*) AS postings
FROM analysis_postings
GROUP BY ALL
