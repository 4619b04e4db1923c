-- What the employer and surveillance rules read: the company name and text of every unique posting.
-- Unordered: sorting 6.8 M bodies cost more memory than the whole stage (the asset sorts its small output).
SELECT id, company_name_extracted, title_extracted, body_extracted
FROM deduplicated_postings
WHERE is_primary
