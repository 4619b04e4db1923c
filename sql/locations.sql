-- Unique postings per (category, province, prefecture): what the maps (Figures 5 and 6), the regional
-- clusters, the top cities and the 2023 follow-up's cluster tables count. A null province is a posting
-- with no usable location; it stays in so that shares can show it.
-- $categories: the categories counted, NULL for every posting (uncategorized ones too);
-- $keyword_only: only postings with at least one Appendix D AI keyword (the follow-up's "AI-related");
-- $tag: '' for no tag filter, else only postings tagged so in employer_tags ('defense', 'surveillance');
-- $rule_kind: '' for any rule, 'employer' or 'keyword' for one kind.
-- Slot employer_tags: the table employer_tags, or an empty stand-in where tagging has not run.
SELECT
    job_category_pr AS category,
    nullif(trim(location_province_zh_norm), '') AS province_zh,
    any_value(location_province_en_norm) AS province_en,
    nullif(trim(location_prefecture_zh_norm), '') AS prefecture_zh,
    any_value(location_prefecture_en_norm) AS prefecture_en,
    count(*) AS postings
FROM analysis_postings
WHERE ($categories IS NULL OR list_contains($categories, job_category_pr))
  AND (NOT $keyword_only OR id IN (SELECT id FROM ai_keyword_postings))
  AND ($tag = '' OR id IN (
        SELECT id FROM {employer_tags}
        WHERE tag = $tag AND ($rule_kind = '' OR rule_kind = $rule_kind)))
GROUP BY ALL
ORDER BY postings DESC, category, province_zh, prefecture_zh
