-- What the employer and surveillance rules read: the company name and text of every unique posting.
SELECT id, company_name_extracted, title_extracted, body_extracted
FROM deduplicated_postings
WHERE is_primary
ORDER BY id
