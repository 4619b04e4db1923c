-- Postings per (category, province, prefecture) for the maps, the clusters and the top cities.
-- A null province is a posting with no usable location; it stays in so that shares can show it.
SELECT
    job_category_pr AS category,
    location_province_zh_norm AS province_zh,
    any_value(location_province_en_norm) AS province_en_norm,
    location_prefecture_zh_norm AS prefecture_zh,
    any_value(location_prefecture_en_norm) AS prefecture_en_norm,
    count(*) AS postings
FROM analysis_postings
WHERE list_contains($categories, job_category_pr)
GROUP BY job_category_pr, location_province_zh_norm, location_prefecture_zh_norm
