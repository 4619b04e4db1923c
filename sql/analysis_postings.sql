-- One row per unique posting (the primary of its duplicate group) with its category and normalized
-- fields: the population every table of the study is computed on. Salaries are stated pay only;
-- analysis_postings_filled.sql shows the variant where predicted pay fills the gaps.
-- The levels every table counts are defined here, once (null = the posting gives none, 'no data'):
-- education_level: the exact level, else the minimum ("本科及以上" counts as bachelor), else the
--   maximum ("大专及以下" counts as associate);
-- experience_level: the exact level, else the minimum. The study's "no experience" is the posting's
--   requirement: 无需经验, 在校生/应届生, 应届 and 不限/经验不限 (requires none) all land there;
--   normalization gives them exact level 'no experience' (0 years), and a 'no requirement' status counts
--   the same even where a level is absent.
CREATE OR REPLACE VIEW analysis_postings_stated AS
SELECT
    d.id,
    d.source,
    d.title_extracted,
    d.company_name_extracted,
    d.retrieve_date,
    c.* EXCLUDE (id, input_hash, pipeline_version, pipeline_date_updated),
    n.* EXCLUDE (id, input_hash, pipeline_version, pipeline_date_updated),
    coalesce(n.desired_education_exact_level_norm, n.desired_education_minimum_level_norm,
             n.desired_education_maximum_level_norm) AS education_level,
    CASE
        WHEN n.desired_experience_status_norm = 'no requirement' THEN 'no experience'
        ELSE coalesce(n.desired_experience_exact_level_norm, n.desired_experience_minimum_level_norm)
    END AS experience_level
FROM deduplicated_postings AS d
JOIN classified_postings AS c USING (id)
JOIN normalized_postings AS n USING (id)
WHERE d.is_primary;

CREATE OR REPLACE VIEW analysis_postings AS SELECT * FROM analysis_postings_stated;
