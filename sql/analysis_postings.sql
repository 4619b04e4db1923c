-- One row per unique posting (the primary of its duplicate group) with its category and normalized
-- fields: the population every table of the study is computed on. Salaries are stated pay only;
-- analysis_postings_filled.sql shows the variant where predicted pay fills the gaps.
CREATE OR REPLACE VIEW analysis_postings_stated AS
SELECT
    d.id,
    d.source,
    d.title_extracted,
    d.company_name_extracted,
    d.retrieve_date,
    c.* EXCLUDE (id, input_hash, pipeline_version, pipeline_date_updated),
    n.* EXCLUDE (id, input_hash, pipeline_version, pipeline_date_updated)
FROM deduplicated_postings AS d
JOIN classified_postings AS c USING (id)
JOIN normalized_postings AS n USING (id)
WHERE d.is_primary;

CREATE OR REPLACE VIEW analysis_postings AS SELECT * FROM analysis_postings_stated;
