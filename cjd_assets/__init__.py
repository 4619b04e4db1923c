"""cjd: China job demand — a Dagster + DuckDB pipeline measuring demand for AI talent in Chinese job postings."""
