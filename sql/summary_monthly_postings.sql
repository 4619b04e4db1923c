-- Postings per month, category, board and location. A posting is placed in its release month where it
-- states a release date, else in the month it was retrieved; month_basis says which, per row, because
-- a retrieval month only bounds when the posting was live.
SELECT
    CAST(date_trunc('month', coalesce(release_date_exact_date_norm, CAST(retrieve_date AS DATE))) AS DATE)
        AS month,
    CASE WHEN release_date_exact_date_norm IS NOT NULL THEN 'release' ELSE 'retrieval' END AS month_basis,
    job_category_pr AS category,
    source,
    location_province_zh_norm AS province_zh,
    location_prefecture_zh_norm AS prefecture_zh,
    count(*) AS postings
FROM analysis_postings
WHERE coalesce(release_date_exact_date_norm, CAST(retrieve_date AS DATE)) IS NOT NULL
GROUP BY ALL
