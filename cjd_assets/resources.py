"""Resources: where the warehouse and lake live, how to crawl, how to classify, how to report.

Every setting reads an environment variable with a local default, so `dagster dev` and the CLI run
unchanged on a laptop and a deployment overrides only what differs.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from cjd_assets.paths import data_dir, shared_dir


def project_annotation_files() -> list[Path]:
    """The label rounds the project made itself (cjd_assets/data/annotations/roundN.jsonl: uid -> label,
    adjudicated; their rows carry split 'train', so they are trained on and never scored)."""
    folder = Path(__file__).parent / "data" / "annotations"
    return sorted(p for p in folder.glob("round*.jsonl") if re.fullmatch(r"round\d+\.jsonl", p.name))


def project_second_opinion() -> Path:
    """The project's independent re-annotation of the shared labels' test split (two annotators and an
    adjudicator; scored against the gold labels beside the models, never trained on)."""
    return Path(__file__).parent / "data" / "annotations" / "test_split_reannotated.jsonl"


def default_database() -> str:
    return os.environ.get("CJD_DUCKDB", str(data_dir() / "cjd.duckdb"))


def _env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


BOARD_DOMAINS = "51job.com,liepin.com,cjol.com,linkedin.com,zhipin.com,zhaopin.com,lagou.com"


class Lake(dg.ConfigurableResource):
    """The lake directory: crawl stores, trained models, figures, the report, the harvest landing zone."""

    directory: str
    landing_directory: str

    def path(self, *parts: str) -> Path:
        p = Path(self.directory).joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    @property
    def landing(self) -> Path:
        p = Path(self.landing_directory)
        p.mkdir(parents=True, exist_ok=True)
        return p

    @classmethod
    def from_env(cls) -> "Lake":
        return cls(
            directory=os.environ.get("CJD_LAKE_DIR", str(data_dir() / "lake")),
            landing_directory=os.environ.get("CJD_LANDING_DIR", str(data_dir() / "landing")),
        )


class CrawlerSettings(dg.ConfigurableResource):
    """How a crawl harvest reaches the boards: seeds, allowed domains, politeness, proxy, headers, cookies."""

    seed_urls: list[str] = []
    allowed_domains: list[str] = BOARD_DOMAINS.split(",")
    proxy: str | None = None
    proxies: list[str] = []  # a pool rotated per host (a blocked proxy rests); `proxy` joins it
    per_host_concurrency: int = 4
    per_host_rate: float = 2.0
    max_attempts: int = 4
    timeout_s: float = 20.0
    cookies: dict[str, str] = {}
    headers: dict[str, str] = {}

    @classmethod
    def from_env(cls) -> "CrawlerSettings":
        return cls(
            # Whitespace-separated: board URLs may contain commas (51job's search URLs do).
            seed_urls=os.environ.get("CJD_CRAWL_SEEDS", "").split(),
            allowed_domains=_env_list("CJD_CRAWL_DOMAINS", BOARD_DOMAINS),
            proxy=os.environ.get("CJD_CRAWL_PROXY") or None,
            # Whitespace-separated, like the seeds.
            proxies=os.environ.get("CJD_CRAWL_PROXIES", "").split(),
            per_host_concurrency=int(os.environ.get("CJD_CRAWL_CONCURRENCY", "4")),
            per_host_rate=float(os.environ.get("CJD_CRAWL_RATE", "2.0")),
            max_attempts=int(os.environ.get("CJD_CRAWL_MAX_ATTEMPTS", "4")),
            timeout_s=float(os.environ.get("CJD_CRAWL_TIMEOUT", "20")),
        )


class ClassifierSettings(dg.ConfigurableResource):
    """Which classifier to train and on which labelled postings.

    `backend` is `fast` (offline, CPU, the default) or `bert` (transformers; `model_name_or_path` is a local
    directory or a hub name such as `bert-base-chinese`). Annotation files are JSONL/CSV of uid,label;
    their texts come from a postings file in the real-postings format.
    """

    backend: str = "fast"
    model_name_or_path: str = "bert-base-chinese"
    epochs: int = 3
    batch_size: int = 16
    max_length: int = 128
    learning_rate: float = 2e-5
    annotation_paths: list[str] = []
    annotation_texts_path: str = ""
    split_seed: int = 13
    bootstrap_samples: int = 500
    # classifier_evaluation: folds of the cross-validation and learning curve beside the baseline. Off by
    # default (held-out split only): the fast model tunes itself out of fold, so 5 folds and the curve
    # retrain it some twenty times, minutes on two cores at every re-materialization.
    evaluation_folds: int = 0
    # an independent re-annotation of test postings (uid, label), scored against the labels like a model:
    # what people reading the same postings agree on ("" = none)
    second_opinion_path: str = ""

    def train_params(self) -> dict:
        """The model settings above that the chosen backend takes (the fast backend takes none)."""
        from cjd_assets.classify import backend_class

        accepts = backend_class(self.backend).param_names()
        settings = {"model_name_or_path": self.model_name_or_path, "epochs": self.epochs,
                    "batch_size": self.batch_size, "max_length": self.max_length,
                    "learning_rate": self.learning_rate}
        return {k: v for k, v in settings.items() if k in accepts}

    @classmethod
    def from_env(cls) -> "ClassifierSettings":
        shared = shared_dir() / "data"
        return cls(
            backend=os.environ.get("CJD_CLASSIFIER_BACKEND", "fast"),
            model_name_or_path=os.environ.get("CJD_BERT_MODEL", "bert-base-chinese"),
            epochs=int(os.environ.get("CJD_BERT_EPOCHS", "3")),
            batch_size=int(os.environ.get("CJD_BERT_BATCH_SIZE", "16")),
            max_length=int(os.environ.get("CJD_BERT_MAX_LENGTH", "128")),
            learning_rate=float(os.environ.get("CJD_BERT_LR", "2e-5")),
            # the shared gold labels, then the project's own rounds (silver, pinned to training)
            annotation_paths=_env_list("CJD_ANNOTATIONS", ",".join(
                [str(shared / "annotations" / "train.jsonl"), *map(str, project_annotation_files())])),
            annotation_texts_path=os.environ.get(
                "CJD_ANNOTATION_TEXTS", str(shared / "real_postings" / "postings.parquet")
            ),
            split_seed=int(os.environ.get("CJD_SPLIT_SEED", "13")),
            bootstrap_samples=int(os.environ.get("CJD_BOOTSTRAP", "500")),
            evaluation_folds=int(os.environ.get("CJD_EVALUATION_FOLDS", "0")),
            second_opinion_path=os.environ.get("CJD_SECOND_OPINION", str(project_second_opinion())),
        )


class ReportSettings(dg.ConfigurableResource):
    """Analysis options: the PPP rate of Table 3 (OECD 2021: 4.187 CNY per USD), the >= N rule of Figure 4,
    and whether Table 3 and Figure 4 fill missing pay with predicted pay (off: stated pay only, as the study)."""

    ppp_rate: float = 4.187
    min_province_n: int = 100
    fill_missing_pay: bool = False
    # Change over time: months with fewer unique postings are flagged as too sparse to read; two windows
    # to compare ("harvest:A,harvest:B" or "2022-01..2022-12,2023-01..2023-12"; empty = the two latest
    # harvests, else the latest 12 months against the 12 before).
    min_month_postings: int = 30
    compare_windows: str = ""

    @classmethod
    def from_env(cls) -> "ReportSettings":
        return cls(
            min_month_postings=int(os.environ.get("CJD_MIN_MONTH_POSTINGS", "30")),
            compare_windows=os.environ.get("CJD_COMPARE_WINDOWS", ""),
            ppp_rate=float(os.environ.get("CJD_PPP_RATE", "4.187")),
            min_province_n=int(os.environ.get("CJD_MIN_PROVINCE_N", "100")),
            fill_missing_pay=os.environ.get("CJD_FILL_MISSING_PAY", "").lower() in ("1", "true", "yes"),
        )


class Warehouse(DuckDBResource):
    """The DuckDB database every stage writes to (`CJD_DUCKDB`, default `data/cjd.duckdb`)."""

    @contextmanager
    def connection(self):
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            from cjd_assets.warehouse import configure

            # dagster-duckdb closes only on a clean exit: a failed step's traceback would keep the file open
            # and block the next read-only connection in the same process until garbage collection.
            try:
                yield configure(con)
            finally:
                con.close()


def default_resources(database: str | None = None) -> dict:
    """Resources from the environment (read now, not at import, so a caller may set variables first)."""
    return {
        "warehouse": Warehouse(database=database or default_database()),
        "lake": Lake.from_env(),
        "crawler": CrawlerSettings.from_env(),
        "classifier_settings": ClassifierSettings.from_env(),
        "report_settings": ReportSettings.from_env(),
    }
