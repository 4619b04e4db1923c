"""Normalization stage (the study's Appendix C): board strings -> the *_norm fields of Appendix A.

`normalize_postings(df)` takes the columns of schema.NORMALIZE_INPUT_COLUMNS and returns the same rows in
the same order with NORMALIZED_COLUMNS appended:

- salary_{exact,minimum,maximum}_{value,annual_value,monthly_value}_norm (Float64, in the stated currency,
  CNY unless marked), salary_currency_norm, salary_recurrence_norm (schema.SALARY_RECURRENCES),
  salary_status_norm ('stated'|'negotiable'|'missing'|'unparsed'|'implausible'; values are null unless
  'stated'), salary_months_norm (Int8: months paid a year for monthly pay, 12 unless N薪),
  salary_status_reason (why a salary is 'implausible': negative, reversed range, monthly pay of 150k CNY
  or more, hourly/daily/monthly bounds; null otherwise).
  Scaling constants and board conventions: cjd_assets.normalize.salary.
- release_date_{exact,minimum,maximum}_date_norm (Date), release_date_status_norm ('release'|'update'),
  release_date_parse_status_norm ('parsed'|'missing'|'unparsed'|'unresolved'|'out of range'|'after retrieval';
  relative dates resolve against each row's retrieve_date, never a file's timestamp).
- desired_experience_{exact,minimum,maximum}_years_norm (Float64) and _level_norm
  (schema.EXPERIENCE_LEVELS), desired_experience_status_norm ('stated'|'no requirement'|'missing'|'unparsed'|
  'implausible'); 不限 ('no requirement') is 0 years, level 'no experience'.
- desired_education_{exact,minimum,maximum}_level_norm (schema.EDUCATION_LEVELS; exact 'none' = 学历不限),
  desired_education_detail_norm (schema.EDUCATION_DETAILS), desired_education_status_norm (as experience).
- location_{continent,country,province,prefecture,county,township,zone,details}_{en,zh}_norm,
  location_code_norm (NBS code), location_level_norm ('country'|'province'|'prefecture'|'county'|'township'),
  location_status_norm ('resolved'|'multiple'|'nationwide'|'unspecified'|'remote'|'missing'|'unparsed').
- body_norm (HTML/entities/whitespace cleaned body), language_norm ('zh'|'en'|'bilingual'|null, of title+body).
- salary_inferred, desired_education_inferred, desired_experience_inferred, location_inferred (Boolean):
  true when the extracted field was empty and the value was read from the body.

"exact" is the single stated value; a range fills minimum and maximum; "X以上" fills minimum only and
"X以下" maximum only. Statuses say why a value is null: a real answer (面议, 学历不限) is not junk; an impossible one (10-5年,
999999999天前, a release after retrieval) is flagged with null values.
Each field is parsed once per distinct string (Polars expressions; locations through a cached resolver).
"""

from .core import INFERRED_COLUMNS, NORMALIZE_VERSION, NORMALIZED_COLUMNS, normalize_postings
from .location import resolve_location, warm_up
from .salary import HOURS_PER_DAY, MONTHS_PER_YEAR, WEEKS_PER_MONTH, WORKING_DAYS_PER_MONTH

__all__ = [
    "HOURS_PER_DAY",
    "INFERRED_COLUMNS",
    "MONTHS_PER_YEAR",
    "NORMALIZED_COLUMNS",
    "NORMALIZE_VERSION",
    "WEEKS_PER_MONTH",
    "WORKING_DAYS_PER_MONTH",
    "normalize_postings",
    "resolve_location",
    "warm_up",
]
