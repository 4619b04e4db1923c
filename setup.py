"""Packages for setuptools; everything else is in pyproject.toml.

The named SQL files stay in the top-level `sql/` directory (the project's layout) and ship inside the
package as `cjd_assets/sql/`, where `cjd_assets.warehouse.sql_dir` finds them in a non-editable install.
pyproject.toml alone cannot both discover the packages and map one from another directory.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cjd_assets", "cjd_assets.*"]), "cjd_assets.sql"],
    package_dir={"cjd_assets.sql": "sql"},
)
