"""Shared text clean-up expressions for the field parsers."""

from __future__ import annotations

import polars as pl

_FULLWIDTH = [chr(0xFF10 + i) for i in range(10)]
_ASCII_DIGITS = [str(i) for i in range(10)]

# Board strings mix full-width punctuation, several dash kinds and stray spaces; unify them once so the
# field regexes stay short.
_FROM = _FULLWIDTH + ["～", "~", "—", "–", "－", "﹣", "／", "：", "，", "（", "）", "　", "\u00a0", "．"]
_TO = _ASCII_DIGITS + ["-", "-", "-", "-", "-", "-", "/", ":", ",", "(", ")", " ", " ", "."]


def clean(expr: pl.Expr) -> pl.Expr:
    """Null-safe, lower-cased, width-normalised string (empty string for null)."""
    return (
        expr.cast(pl.String)
        .fill_null("")
        .str.replace_many(_FROM, _TO)
        .str.strip_chars()
        .str.to_lowercase()
    )


def cn_numerals_to_digits(expr: pl.Expr) -> pl.Expr:
    """一/两/…/十 to Arabic digits (enough for years of experience: 一 … 二十)."""
    e = expr.str.replace_many(
        ["一", "二", "两", "三", "四", "五", "六", "七", "八", "九"],
        ["1", "2", "2", "3", "4", "5", "6", "7", "8", "9"],
    )
    e = e.str.replace_all(r"(\d)十(\d)", "${1}${2}")
    e = e.str.replace_all(r"(\d)十", "${1}0")
    e = e.str.replace_all(r"十(\d)", "1${1}")
    return e.str.replace_all("十", "10", literal=True)
