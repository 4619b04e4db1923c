"""Classification stage: annotations, the job classifier (fast CPU and BERT backends), evaluation and
error-corrected category counts. Plain Python, no Dagster."""

from cjd_assets.classify.annotations import (
    annotator_agreement,
    assign_splits,
    cohen_kappa,
    export_annotation_sample,
    import_annotations,
    load_annotations,
    load_annotations_with_report,
)
from cjd_assets.classify.compare import evaluation_report, report_markdown
from cjd_assets.classify.evaluate import corrected_counts, evaluate, metrics_from_confusion, metrics_markdown
from cjd_assets.classify.model import (
    Classifier,
    apply_decision_rule,
    load_classifier,
    train_classifier,
    tune_thresholds,
)
from cjd_assets.classify.sampling import annotation_sheet, select_for_annotation, uncertainty


def build_tiny_bert(path, texts, **kwargs):
    """See `cjd_assets.classify.bert.build_tiny_bert` (imported lazily: torch is slow to import)."""
    from cjd_assets.classify.bert import build_tiny_bert as _build

    return _build(path, texts, **kwargs)


__all__ = [
    "Classifier",
    "annotation_sheet",
    "annotator_agreement",
    "apply_decision_rule",
    "assign_splits",
    "build_tiny_bert",
    "cohen_kappa",
    "corrected_counts",
    "evaluate",
    "evaluation_report",
    "export_annotation_sample",
    "import_annotations",
    "load_annotations",
    "load_annotations_with_report",
    "load_classifier",
    "metrics_from_confusion",
    "metrics_markdown",
    "report_markdown",
    "select_for_annotation",
    "train_classifier",
    "tune_thresholds",
    "uncertainty",
]
