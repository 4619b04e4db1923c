-- Postings of a population per location, for the 2023 follow-up's cluster tables.
-- $population: 'ai_related' = Technical Teams 1 and 2 with at least one Appendix D AI keyword (the
--   follow-up's "AI-related postings"); 'technical' = TT1 + TT2; 'ai_categories' = the four AI
--   categories of the 2022 study; 'all' = every unique posting.
-- $tag: '' for no tag filter, else only postings tagged so in employer_tags ('defense', 'surveillance');
-- $rule_kind: '' for any rule, 'employer' or 'keyword' for one kind.
-- Slot employer_tags: the table employer_tags, or an empty stand-in where tagging has not run.
WITH pop AS (
    SELECT a.*
    FROM analysis_postings AS a
    WHERE CASE $population
            WHEN 'all' THEN TRUE
            WHEN 'ai_categories' THEN a.job_category_pr IN ('TT1', 'TT2', 'PRODUCT', 'COMMERCIAL')
            ELSE a.job_category_pr IN ('TT1', 'TT2')
          END
      AND ($population <> 'ai_related' OR a.id IN (SELECT id FROM ai_keyword_postings))
      AND ($tag = '' OR a.id IN (
            SELECT id FROM {employer_tags}
            WHERE tag = $tag AND ($rule_kind = '' OR rule_kind = $rule_kind)))
)
SELECT
    nullif(trim(location_province_zh_norm), '') AS province_zh,
    any_value(location_province_en_norm) AS province_en,
    nullif(trim(location_prefecture_zh_norm), '') AS prefecture_zh,
    any_value(location_prefecture_en_norm) AS prefecture_en,
    count(DISTINCT id) AS postings
FROM pop
GROUP BY ALL
ORDER BY postings DESC, province_zh, prefecture_zh
