-- Example technical postings with AI keywords: those matching the most distinct keywords first.
SELECT
    a.id,
    a.job_category_pr AS category,
    a.title_extracted AS title,
    a.company_name_extracted AS company,
    a.location_province_zh_norm AS province_zh,
    a.location_prefecture_zh_norm AS prefecture_zh,
    array_to_string(list_sort(list(DISTINCT k.keyword_en)), ', ') AS keywords
FROM analysis_postings AS a
JOIN ai_keyword_postings AS k USING (id)
GROUP BY a.id, a.job_category_pr, a.title_extracted, a.company_name_extracted,
    a.location_province_zh_norm, a.location_prefecture_zh_norm
ORDER BY count(DISTINCT k.keyword_en) DESC, a.id
LIMIT $n
