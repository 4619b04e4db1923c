"""Classification stage: annotations, the job classifier (fast CPU and BERT backends), evaluation and
error-corrected category counts. Plain Python, no Dagster.

Module layers (each imports only those above it, so there is no import cycle; a test checks it):
text, annotations, sampling -> backend (the protocol, label encoding) -> evaluate (sklearn metrics)
-> fast, bert (the backends) -> registry (name -> backend class) -> model (Classifier, decision rule)
-> compare (beside a baseline).
"""

from cjd_assets.classify.annotations import (
    annotator_agreement,
    assign_splits,
    cohen_kappa,
    export_annotation_sample,
    import_annotations,
    load_annotations,
    load_annotations_with_report,
)
from cjd_assets.classify.backend import Backend, labels_to_index
from cjd_assets.classify.bert import build_tiny_bert
from cjd_assets.classify.compare import evaluation_report, report_markdown
from cjd_assets.classify.evaluate import corrected_counts, evaluate, metrics_from_confusion, metrics_markdown
from cjd_assets.classify.model import (
    Classifier,
    apply_decision_rule,
    load_classifier,
    train_classifier,
    tune_thresholds,
)
from cjd_assets.classify.registry import BACKENDS, backend_class
from cjd_assets.classify.sampling import annotation_sheet, select_for_annotation, uncertainty


__all__ = [
    "BACKENDS",
    "Backend",
    "Classifier",
    "annotation_sheet",
    "annotator_agreement",
    "apply_decision_rule",
    "assign_splits",
    "backend_class",
    "build_tiny_bert",
    "cohen_kappa",
    "corrected_counts",
    "evaluate",
    "evaluation_report",
    "export_annotation_sample",
    "import_annotations",
    "labels_to_index",
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
