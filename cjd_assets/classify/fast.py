"""The fast CPU backend: hashed character n-grams per field, TF-IDF, a linear model, calibrated softmax.

No vocabulary and no pretrained weights: the hashing trick makes featurisation stateless apart from
the IDF vector, so a saved model is two arrays (weights, IDF) plus a few numbers, stored as .npz
(no pickle). Title, company and body get separate hash spaces and weights because the title decides
most postings (annotation guideline: title first, then duties); so do the normalised title core
(place, pay, headcount, perks and job codes stripped), the board's own occupation label
(`text.board_label`) and, opt-in, jieba words of the title core.

Training (`FastBackend.train`, default params): low-confidence labels weigh 0.3; 5-fold out-of-fold
scores over train + validation fit the softmax temperature and per-class log-offsets (macro-F1 of the
argmax, folded into the intercepts) and are the rows the decision rule is tuned on; the shipped model
is then fitted on all of train + validation. Opt-in (`view_stack`), the same out-of-fold scores train a
view stacker, a logistic regression that weighs each view's part of the scores per class (its few dozen
weights are saved in the same .npz). Opt-in self-training (`self_train_per_class`) adds the
unlabelled postings each model is surest of, per predicted class, as down-weighted extra rows.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from cjd_assets.classify.backend import labels_to_index
from cjd_assets.warehouse import BATCH_THREADS
from cjd_assets.classify.text import BOARD_OCCUPATION, text_fields
from cjd_assets.schema import CATEGORIES, CLASSIFIER_TEXT_COLUMNS


@dataclass
class FastParams:
    title_ngrams: tuple[int, int] = (1, 3)
    body_ngrams: tuple[int, int] = (1, 2)
    company_ngrams: tuple[int, int] = (1, 2)
    body_chars: int = 300
    n_features: int = 2**18  # per field
    title_weight: float = 1.0
    body_weight: float = 0.5
    company_weight: float = 0.3
    title_core_ngrams: tuple[int, int] = (2, 4)
    title_core_weight: float = 0.7
    # title_core without place, pay, headcount, perks and job codes (False: brackets and codes only)
    title_noise: bool = True
    # jieba words of title_core (0 = off): word n-grams beside the character n-grams; 5-fold CV: no
    # gain over the character n-grams (0.844 vs 0.847 at weight 0.5), so off by default
    title_words_ngrams: tuple[int, int] = (1, 2)
    title_words_weight: float = 0.0
    # the board's own occupation label (text.board_label: the board_occupation column ingest fills from
    # the exports' `extra` and 51job's 职能类别, else 职能类别 in the body). 5-fold CV screen (argmax):
    # 职能类别 alone neutral (0.846 vs 0.847); with the board_occupation column +0.009 (0.855);
    # weight 0.5 / 1.5: 0.855 / 0.854
    board_ngrams: tuple[int, int] = (1, 3)
    board_weight: float = 1.0
    # "nbsvm" (one-vs-rest SVMs on naive-Bayes-scaled features), "svm" (plain one-vs-rest), "logreg"
    # (multinomial), "cnb" (complement naive Bayes), or several joined by "+" ("nbsvm+logreg"): the sum
    # of their standardised scores, still one weight matrix
    model: str = "nbsvm+logreg"
    C: float = 1.0
    nb_alpha: float = 1.0
    logreg_C: float = 10.0  # the logistic-regression half of "nbsvm+logreg"
    class_weight: str | None = "balanced"  # the rarer teams (COMMERCIAL, PRODUCT) are the ones recall misses
    # training weight of rows whose annotation `confidence` is "low" (1.0 = ignore confidence); 0.3 beat
    # 1.0 by ~+0.004 cross-validated macro-F1 (0.1: -0.004)
    low_conf_weight: float = 0.3
    # > 1: train on train + validation; the softmax temperature and the decision-rule thresholds are
    # fitted on out-of-fold predictions of those rows (this many stratified folds, same params), which
    # are steadier than the validation split alone. 0 or 1: train on train, calibrate on validation.
    oof_folds: int = 5
    # with oof_folds > 1: add per-class log-offsets to the intercepts, chosen on the out-of-fold
    # predictions to maximise macro-F1 (a prior shift; the rarer teams gain recall)
    class_offsets: bool = True
    # self-training (opt-in): after a first fit, the `self_train_per_class` unlabelled postings the model
    # is surest of per predicted class join the training rows with their predicted label, at weight
    # `self_train_weight`, and the model is fitted again (every out-of-fold model too). 5-fold CV
    # screen (argmax, 20k unlabelled real postings): 2000/class 0.854 vs 0.846, 500/class 0.848
    self_train_per_class: int = 0
    self_train_weight: float = 0.3
    # opt-in, with oof_folds > 1: weigh each view (title, body, company, title core, board) per class by
    # a logistic regression over the views' out-of-fold partial scores and the body length, instead of
    # adding them with the fixed weights above. Its argmax gains in a 5-fold CV screen (gold + rounds
    # 1-4: 0.887 -> 0.895 macro-F1; gradient boosting on the same inputs 0.896), but behind the tuned
    # class offsets and the TT1 threshold the shipped rule gains only 0.001-0.002 (gold + rounds 1-6: CV
    # 0.896 -> 0.897, held-out 0.907 -> 0.909), inside the noise of 494 test postings: off by default
    view_stack: bool = False
    stack_C: float = 1.0
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_kwargs(cls, **kw) -> FastParams:
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        unknown = set(kw) - known
        if unknown:
            raise TypeError(f"unknown fast-backend parameters: {sorted(unknown)}")
        for k in ("title_ngrams", "body_ngrams", "company_ngrams", "title_core_ngrams", "title_words_ngrams",
                  "board_ngrams"):
            if k in kw:
                kw[k] = tuple(kw[k])
        return cls(**kw)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return d


# threads that predict batches side by side (CJD_THREADS, see cjd_assets.warehouse)
PREDICT_THREADS = BATCH_THREADS

_MIX = np.uint64(0x9E3779B97F4A7C15)
_PRIME = np.uint64(0x100000001B3)


def char_ngram_counts(texts: list[str], ngram_range: tuple[int, int], n_features: int) -> sp.csr_matrix:
    """Hashed character n-gram counts, one row per text, computed with numpy over all texts at once.

    Same idea as sklearn's HashingVectorizer(analyzer="char") but vectorised: code points of all texts
    are laid end to end and every n-gram's hash is built from shifted views, masking n-grams that
    would cross a text boundary. About 10x faster than the per-string Python analyzer.
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if int(lengths.sum()) == 0:
        return sp.csr_matrix((len(texts), n_features), dtype=np.float32)
    cp = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return _sequence_ngram_counts(cp, lengths, ngram_range, n_features)


_WORD_IDS: dict[str, int] = {}


def _word_id(w: str) -> int:
    # a stable 64-bit id per word (Python's hash() changes between processes)
    i = _WORD_IDS.get(w)
    if i is None:
        i = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
        if len(_WORD_IDS) < 2_000_000:
            _WORD_IDS[w] = i
    return i


def word_ngram_counts(token_lists: list[list[str]], ngram_range: tuple[int, int], n_features: int
                      ) -> sp.csr_matrix:
    """Hashed word n-gram counts (words from a segmenter such as jieba), one row per token list."""
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    if int(lengths.sum()) == 0:
        return sp.csr_matrix((len(token_lists), n_features), dtype=np.float32)
    ids = np.fromiter((_word_id(w) for toks in token_lists for w in toks), dtype=np.uint64,
                      count=int(lengths.sum()))
    return _sequence_ngram_counts(ids, lengths, ngram_range, n_features)


def _sequence_ngram_counts(cp: np.ndarray, lengths: np.ndarray, ngram_range: tuple[int, int],
                           n_features: int) -> sp.csr_matrix:
    """Hashed n-gram counts over sequences of uint64 symbols laid end to end (`lengths` per row)."""
    lo, hi = ngram_range
    n_docs = len(lengths)
    total = int(lengths.sum())
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    bits = int(n_features).bit_length() - 1
    if n_features != 1 << bits:
        raise ValueError("n_features must be a power of two")
    shift_doc, shift_hash = np.uint64(bits), np.uint64(64 - bits)
    keys = []
    with np.errstate(over="ignore"):
        for n in range(lo, hi + 1):
            m = total - n + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64(n) * _MIX, dtype=np.uint64)
            for k in range(n):
                h = (h ^ cp[k:k + m]) * _PRIME
            h ^= h >> np.uint64(29)
            h *= _MIX
            h ^= h >> np.uint64(32)
            keep = doc[:m] == doc[n - 1:n - 1 + m]
            # one sortable key per (text, bucket): sorting groups duplicates and orders rows for CSR
            keys.append((doc[:m][keep].astype(np.uint64) << shift_doc) | (h[keep] >> shift_hash))
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    key.sort()
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.zeros(0, int)
    counts = np.diff(np.append(starts, len(key))).astype(np.float32)
    ukey = key[starts]
    row = (ukey >> shift_doc).astype(np.int64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_docs), out=indptr[1:])
    cols = (ukey & np.uint64(n_features - 1)).astype(np.int32)
    return sp.csr_matrix((counts, cols, indptr), shape=(n_docs, n_features))


def segment(texts: list[str]) -> list[list[str]]:
    """jieba words of each text (imported lazily: building its dictionary takes about a second)."""
    import jieba

    jieba.setLogLevel(60)
    return [[w for w in jieba.lcut(t) if w.strip() and w not in "^$"] for t in texts]


def _fit_nbsvm(X: sp.csr_matrix, y: np.ndarray, classes: np.ndarray, p: FastParams,
               sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest linear SVMs on features scaled by each class's log-count ratio (NBSVM).

    Wang & Manning (2012): scaling by r = log(P(feature | class) / P(feature | rest)) lets a linear
    model start from naive Bayes evidence, which helps with few examples per n-gram. Because
    score = (x * r) . w = x . (r * w), the scaled weights fold into one ordinary weight matrix.
    """
    from sklearn.svm import LinearSVC

    binary = X.copy()
    binary.data = np.ones_like(binary.data)
    if sample_weight is not None:
        binary = sp.diags(sample_weight.astype(np.float32)) @ binary
    W = np.zeros((len(classes), X.shape[1]), dtype=np.float32)
    b = np.zeros(len(classes), dtype=np.float32)
    for k, c in enumerate(classes):
        pos = y == c
        if pos.all():  # one class only: nothing to separate
            b[k] = 1.0
            continue
        pp = p.nb_alpha + np.asarray(binary[pos].sum(axis=0)).ravel()
        qq = p.nb_alpha + np.asarray(binary[~pos].sum(axis=0)).ravel()
        r = np.log((pp / pp.sum()) / (qq / qq.sum()))
        clf = LinearSVC(C=p.C, class_weight=p.class_weight, random_state=p.seed, max_iter=5000)
        clf.fit(X @ sp.diags(r), pos.astype(np.int64), sample_weight=sample_weight)
        W[k] = clf.coef_[0] * r
        b[k] = clf.intercept_[0]
    return W, b


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _macro_f1(y: np.ndarray, pred: np.ndarray, n_cls: int) -> float:
    # sklearn's f1_score(average="macro", labels=present classes), in numpy: the offset search calls it
    # ~180 times a fit, where sklearn's input checks cost ~50x the arithmetic (a test pins the equality)
    cm = np.zeros((n_cls, n_cls))
    np.add.at(cm, (y, pred), 1)
    tp, predicted, support = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    f1 = np.divide(2 * tp, predicted + support, out=np.zeros(n_cls), where=predicted + support > 0)
    return float(f1[support > 0].mean())


_OFFSET_GRID = np.round(np.arange(-1.0, 1.001, 0.1), 2)


def macro_f1_offsets(log_proba: np.ndarray, y: np.ndarray, grid: np.ndarray = _OFFSET_GRID,
                     passes: int = 2) -> np.ndarray:
    """Per-class additive log-probability offsets that maximise macro-F1 of the argmax on held-out rows.

    Coordinate ascent over a grid, last class fixed at 0 (only differences matter); a change must
    improve macro-F1 to be kept, so on ties the offsets stay 0.
    """
    n_cls = log_proba.shape[1]
    b = np.zeros(n_cls)
    for _ in range(passes):
        for k in range(n_cls - 1):
            best_f, best_g = _macro_f1(y, (log_proba + b).argmax(axis=1), n_cls), b[k]
            for g in grid:
                trial = b.copy()
                trial[k] = g
                f = _macro_f1(y, (log_proba + trial).argmax(axis=1), n_cls)
                if f > best_f + 1e-9:
                    best_f, best_g = f, g
            b[k] = best_g
    return b


def _oof_folds(y: np.ndarray, k: int, seed: int) -> list | None:
    """Stratified k folds over the rows, or None where there are too few rows (or k < 2)."""
    if k < 2 or len(y) < 20 * k:
        return None
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y)
    if counts[counts > 0].min() < k:  # a class too rare to stratify: plain shuffled folds
        from sklearn.model_selection import KFold

        return list(KFold(k, shuffle=True, random_state=seed).split(y))
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def _confidence_weights(df: pl.DataFrame, p: FastParams) -> np.ndarray | None:
    if p.low_conf_weight == 1.0 or "confidence" not in df.columns:
        return None
    low = (df["confidence"].cast(pl.Utf8).fill_null("") == "low").to_numpy()
    return np.where(low, p.low_conf_weight, 1.0)


def fit_self_trained(p: FastParams, df: pl.DataFrame, y: np.ndarray, n_classes: int,
                     unlabelled: pl.DataFrame | None) -> FastModel:
    """A FastModel fitted on `df`, then (p.self_train_per_class > 0 and unlabelled rows given) refitted
    with the unlabelled rows it is surest of (largest score margin) per predicted class as extra rows."""
    model = FastModel(p).fit(df, y, n_classes)
    if p.self_train_per_class <= 0 or unlabelled is None or unlabelled.height == 0:
        return model
    s = model.scores_df(unlabelled)
    top = np.sort(s, axis=1)
    margin = top[:, -1] - top[:, -2]
    pred = s.argmax(axis=1)
    keep = np.concatenate([idx[np.argsort(-margin[idx], kind="stable")[:p.self_train_per_class]]
                           for idx in (np.flatnonzero(pred == k) for k in range(n_classes))])
    cols = [c for c in (*CLASSIFIER_TEXT_COLUMNS, BOARD_OCCUPATION) if c in df.columns and c in unlabelled.columns]
    both = pl.concat([df.select(cols), unlabelled[keep].select(cols)], how="vertical_relaxed")
    w = _confidence_weights(df, p)
    w = np.ones(df.height) if w is None else w
    weights = np.concatenate([w, np.full(len(keep), p.self_train_weight)])
    return FastModel(p).fit(both, np.concatenate([y, pred[keep]]), n_classes, sample_weight=weights)


def fit_stacker(z: np.ndarray, y: np.ndarray, n_classes: int, C: float = 1.0,
                sample_weight: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A multinomial logistic regression over standardised view scores (`FastModel.view_scores`), classes
    balanced; a class absent from `y` gets a score it can never win with."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    mean, scale = z.mean(axis=0), z.std(axis=0)
    scale[scale == 0] = 1.0
    present = np.unique(y)
    coef = np.zeros((n_classes, z.shape[1]))
    intercept = np.full(n_classes, -1e3)
    if len(present) == 1:
        intercept[present] = 0.0
    else:
        with threadpool_limits(limits=1):
            lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(
                (z - mean) / scale, y, sample_weight=sample_weight)
        if len(present) == 2:  # sklearn's binary case: one row
            coef[present], intercept[present] = np.vstack([-lr.coef_[0], lr.coef_[0]]) / 2, \
                np.array([-lr.intercept_[0], lr.intercept_[0]]) / 2
        else:
            coef[present], intercept[present] = lr.coef_, lr.intercept_
    return {"mean": mean, "scale": scale, "coef": coef, "intercept": intercept}


def stack_scores(stack: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    return ((z - stack["mean"]) / stack["scale"]) @ stack["coef"].T + stack["intercept"]


class FastModel:
    """Featuriser + linear scores + temperature; `predict_proba` returns rows summing to 1."""

    def __init__(self, params: FastParams):
        self.params = params
        self.idf: np.ndarray | None = None
        self.coef: np.ndarray | None = None  # (n_classes, n_total_features)
        self.intercept: np.ndarray | None = None
        self.temperature: float = 1.0
        # the view stacker (view_stack): standardisation and logistic-regression weights over view_scores
        self.stack: dict[str, np.ndarray] | None = None
        self._build_hashers()

    def _build_hashers(self) -> None:
        p = self.params
        self._hashers = [(tuple(p.title_ngrams), "title", p.title_weight),
                         (tuple(p.body_ngrams), "body", p.body_weight),
                         (tuple(p.company_ngrams), "company", p.company_weight)]
        if p.title_core_weight > 0:
            self._hashers.append((tuple(p.title_core_ngrams), "title_core", p.title_core_weight))
        if p.title_words_weight > 0:
            self._hashers.append((tuple(p.title_words_ngrams), "title_words", p.title_words_weight))
        if p.board_weight > 0:
            self._hashers.append((tuple(p.board_ngrams), "board", p.board_weight))

    def _counts(self, df: pl.DataFrame) -> list[sp.csr_matrix]:
        f = text_fields(df, self.params.body_chars, self.params.title_noise)
        out = []
        for ngrams, name, _ in self._hashers:
            if name == "title_words":
                out.append(word_ngram_counts(segment(f["title_core"].to_list()), ngrams, self.params.n_features))
            else:
                out.append(char_ngram_counts(f[name].to_list(), ngrams, self.params.n_features))
        return out

    def _weigh_blocks(self, blocks: list[sp.csr_matrix]) -> list[sp.csr_matrix]:
        """Per field: sublinear tf x idf, L2-normalised, times the field weight."""
        nf = self.params.n_features
        out = []
        for k, (m, (_, _, w)) in enumerate(zip(blocks, self._hashers)):
            data = (1.0 + np.log(m.data)) * self.idf[k * nf:(k + 1) * nf][m.indices]
            row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
            norms = np.sqrt(np.bincount(row, weights=data * data, minlength=m.shape[0]))
            norms[norms == 0] = 1.0
            data = (data * (w / norms)[row]).astype(np.float32)
            out.append(sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape))
        return out

    def _weigh(self, blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
        return sp.hstack(self._weigh_blocks(blocks), format="csr", dtype=np.float32)

    def features(self, df: pl.DataFrame) -> sp.csr_matrix:
        return self._weigh(self._counts(df))

    def fit(self, df: pl.DataFrame, y: np.ndarray, n_classes: int, sample_weight: np.ndarray | None = None
            ) -> FastModel:
        """Fit on labelled rows; `sample_weight` (default: from `confidence`, see low_conf_weight)."""
        from threadpoolctl import threadpool_limits

        # sparse linear solvers gain next to nothing from BLAS threads, and on shared cores the threads
        # oversubscribe them: one thread fitted ~10x faster on the 2-core box under load
        with threadpool_limits(limits=1):
            return self._fit(df, y, n_classes, sample_weight)

    def _fit(self, df: pl.DataFrame, y: np.ndarray, n_classes: int, sw: np.ndarray | None) -> FastModel:
        blocks = self._counts(df)
        if sw is None:
            sw = _confidence_weights(df, self.params)
        n = df.height
        idf = []
        for m in blocks:
            dfreq = np.bincount(m.indices, minlength=self.params.n_features)
            idf.append(np.log((1 + n) / (1 + dfreq)) + 1.0)  # smooth idf, as sklearn
        self.idf = np.concatenate(idf).astype(np.float32)
        X = self._weigh(blocks)
        p = self.params
        present = np.unique(y)
        # train on the columns that occur: the solver's cost grows with the width of the hash space
        used = np.unique(X.indices)
        Xu = X[:, used]
        coef = np.zeros((n_classes, X.shape[1]), dtype=np.float32)
        intercept = np.full(n_classes, -1e3, dtype=np.float32)  # an absent class can never win
        kinds = p.model.split("+")
        if not kinds or len(set(kinds)) != len(kinds) or set(kinds) - {"nbsvm", "svm", "logreg", "cnb"}:
            raise ValueError(f"unknown fast model {p.model!r}")
        parts = []
        if "nbsvm" in kinds:
            parts.append(_fit_nbsvm(Xu, y, present, p, sw))
        for kind in ("svm", "logreg"):
            if kind not in kinds:
                continue
            if kind == "svm":
                from sklearn.svm import LinearSVC

                clf = LinearSVC(C=p.C, class_weight=p.class_weight, random_state=p.seed, max_iter=5000)
            else:
                from sklearn.linear_model import LogisticRegression

                clf = LogisticRegression(C=p.logreg_C if len(kinds) > 1 else p.C, class_weight=p.class_weight,
                                         max_iter=3000)
            clf.fit(Xu, y, sample_weight=sw)
            if len(present) == 2 and clf.coef_.shape[0] == 1:  # sklearn's binary case: one row
                parts.append((np.vstack([-clf.coef_[0], clf.coef_[0]]), np.array([-clf.intercept_[0],
                                                                                  clf.intercept_[0]])))
            else:
                parts.append((clf.coef_, clf.intercept_))
        if "cnb" in kinds:  # complement naive Bayes: linear in the features, log-weights as coefficients
            from sklearn.naive_bayes import ComplementNB

            nb = ComplementNB(alpha=p.nb_alpha).fit(Xu, y, sample_weight=sw)
            w = nb.feature_log_prob_
            # minus the class mean: the same amount off every class's score, so only the spread counts
            parts.append((w - w.mean(axis=0, keepdims=True), np.zeros(len(present))))
        w_sum = np.zeros((len(present), Xu.shape[1]))
        b_sum = np.zeros(len(present))
        for w, b in parts:
            # scores of different models live on different scales: standardise before adding, which
            # keeps the sum one linear model (one weight matrix, same prediction cost)
            scale = float(np.std(np.asarray(Xu @ w.T) + b)) if len(parts) > 1 else 1.0
            scale = scale or 1.0
            w_sum += w / scale
            b_sum += b / scale
        coef[np.ix_(present, used)], intercept[present] = w_sum, b_sum
        self.coef, self.intercept = coef, intercept
        self._coef_t = None
        self.temperature = 1.0
        return self

    def scores(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def _view_parts(self, df: pl.DataFrame) -> list[np.ndarray]:
        # block by block: skips stacking the sparse matrices
        nf = self.params.n_features
        if getattr(self, "_coef_t", None) is None or self._coef_t.shape[0] != self.coef.shape[1]:
            self._coef_t = np.ascontiguousarray(self.coef.T)
        return [np.asarray(m @ self._coef_t[k * nf:(k + 1) * nf])
                for k, m in enumerate(self._weigh_blocks(self._counts(df)))]

    def view_scores(self, df: pl.DataFrame) -> np.ndarray:
        """The stacker's input: each view's part of the linear scores (views x classes columns) and
        log(1 + characters of body)."""
        body = (df["body_extracted"].cast(pl.Utf8).fill_null("").str.len_chars().to_numpy()
                if "body_extracted" in df.columns else np.zeros(df.height))
        return np.hstack([*self._view_parts(df), np.log1p(body.astype(np.float64))[:, None]])

    def scores_df(self, df: pl.DataFrame) -> np.ndarray:
        if self.stack is not None:
            return stack_scores(self.stack, self.view_scores(df))
        s = np.tile(self.intercept.astype(np.float64), (df.height, 1))
        for part in self._view_parts(df):
            s += part
        return s

    def shift(self, offsets: np.ndarray) -> None:
        """Add per-class offsets to the scores (folded into the intercepts of whichever model scores)."""
        if self.stack is not None:
            self.stack["intercept"] = (self.stack["intercept"] + offsets).astype(np.float64)
        else:
            self.intercept = (self.intercept + offsets).astype(np.float32)

    def calibrate(self, df: pl.DataFrame, y: np.ndarray) -> float:
        """Fit the softmax temperature on held-out rows by minimum log loss."""
        return self.calibrate_scores(self.scores_df(df), y)

    def calibrate_scores(self, s: np.ndarray, y: np.ndarray) -> float:
        """Fit the softmax temperature on held-out scores by minimum log loss."""

        def nll(log_t: float) -> float:
            pr = _softmax(s * np.exp(log_t))
            return float(-np.mean(np.log(pr[np.arange(len(y)), y] + 1e-12)))

        res = minimize_scalar(nll, bounds=(-3.0, 4.0), method="bounded")
        self.temperature = float(np.exp(res.x))
        return self.temperature

    def predict_proba(self, df: pl.DataFrame) -> np.ndarray:
        return _softmax(self.scores_df(df) * self.temperature)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        stack = {f"stack_{k}": v for k, v in (self.stack or {}).items()}
        np.savez_compressed(path / "fast_model.npz", idf=self.idf, coef=self.coef, intercept=self.intercept,
                            temperature=np.array([self.temperature]), **stack)
        (path / "fast_params.json").write_text(json.dumps(self.params.to_dict(), indent=2))

    @classmethod
    def load(cls, path: Path) -> FastModel:
        saved = json.loads((path / "fast_params.json").read_text())
        saved.setdefault("title_noise", False)  # models saved before the option kept the older title_core
        params = FastParams.from_kwargs(**saved)
        m = cls(params)
        z = np.load(path / "fast_model.npz")
        m.idf, m.coef, m.intercept = z["idf"], z["coef"], z["intercept"]
        m.temperature = float(z["temperature"][0])
        if "stack_coef" in z.files:  # models saved before the view stacker have none
            m.stack = {k: z[f"stack_{k}"] for k in ("mean", "scale", "coef", "intercept")}
        return m


def _fit_view_stack(p: FastParams, dev: pl.DataFrame, y: np.ndarray, free: np.ndarray, n_cls: int,
                    unlabelled: pl.DataFrame | None) -> tuple[FastModel, np.ndarray]:
    """The linear model on all rows with its view stacker, and out-of-fold scores of the `free` rows.

    The stacker learns from out-of-fold view scores of every row (pinned ones too: folds over all rows);
    the free rows' tuning scores come from stackers fitted on the other folds, so no score the decision
    rule is tuned on has seen its own label.
    """
    folds = _oof_folds(y, p.oof_folds, p.seed)
    w = _confidence_weights(dev, p)
    z = None
    for tr, te in folds:
        part = fit_self_trained(p, dev[tr], y[tr], n_cls, unlabelled).view_scores(dev[te])
        z = np.zeros((dev.height, part.shape[1])) if z is None else z
        z[te] = part
    oof = np.zeros((dev.height, n_cls))
    for tr, te in folds:
        oof[te] = stack_scores(fit_stacker(z[tr], y[tr], n_cls, p.stack_C, None if w is None else w[tr]), z[te])
    model = fit_self_trained(p, dev, y, n_cls, unlabelled)
    model.stack = fit_stacker(z, y, n_cls, p.stack_C, w)
    return model, oof[free]


class FastBackend:
    """The `backend.Backend` protocol over FastModel: train, predict_proba in batches, save, load."""

    name = "fast"
    labels = CATEGORIES
    default_batch_size = 8192
    retrain_per_fold = True  # seconds to train: the evaluation retrains it per cross-validation fold
    training_log: tuple = ()  # no epochs to log
    tuning: dict | None = None  # out-of-fold probabilities when trained with oof_folds > 1

    def __init__(self, model: FastModel):
        self.model = model

    @classmethod
    def train(cls, train: pl.DataFrame, val: pl.DataFrame, unlabelled: pl.DataFrame | None = None,
              **params) -> FastBackend:
        """`unlabelled`: postings without labels, used only when self_train_per_class > 0."""
        p = FastParams.from_kwargs(**params)
        n_cls = len(CATEGORIES)
        dev = pl.concat([train, val], how="diagonal_relaxed") if val.height else train
        y_dev = labels_to_index(dev["label"])
        # rows whose label file pinned their split (silver labels of a later, uncertainty-sampled round)
        # are trained on in every fold but never scored out of fold: the temperature, class offsets and
        # thresholds are fitted on the unpinned rows, whose mix of classes and difficulty is the target's
        pinned = (dev["split_pinned"].fill_null(False).to_numpy().astype(bool) if "split_pinned" in dev.columns
                  else np.zeros(dev.height, dtype=bool))
        free, pin = np.flatnonzero(~pinned), np.flatnonzero(pinned)
        folds = _oof_folds(y_dev[free], p.oof_folds, p.seed)
        if folds is None:
            model = fit_self_trained(p, train, labels_to_index(train["label"]), n_cls, unlabelled)
            if val.height:
                model.calibrate(val, labels_to_index(val["label"]))
            return cls(model)
        if p.view_stack:
            model, oof = _fit_view_stack(p, dev, y_dev, free, n_cls, unlabelled)
        else:
            oof = np.zeros((len(free), n_cls))
            for tr, te in folds:
                rows = np.concatenate([free[tr], pin])
                oof[te] = fit_self_trained(p, dev[rows], y_dev[rows], n_cls, unlabelled).scores_df(dev[free[te]])
            model = fit_self_trained(p, dev, y_dev, n_cls, unlabelled)
        y_free = y_dev[free]
        t = model.calibrate_scores(oof, y_free)
        if p.class_offsets:
            b = macro_f1_offsets(np.log(_softmax(oof * t) + 1e-12), y_free)
            oof = oof + b / t
            model.shift(b / t)  # T * (s + b / T) = T * s + b
        be = cls(model)
        # held-out probabilities for tuning the decision rule: each row scored by a model that did not
        # see it; the validation rows among them stand in for the validation split (also trained on)
        be.tuning = {"proba": _softmax(oof * model.temperature), "y": y_free,
                     "is_validation": (np.arange(dev.height) >= train.height)[free], "folds": p.oof_folds}
        return be

    @classmethod
    def param_names(cls) -> frozenset[str]:
        return frozenset(FastParams.__dataclass_fields__) - {"extra"}

    def params_dict(self) -> dict:
        return self.model.params.to_dict()

    def predict_proba(self, df: pl.DataFrame, batch_size: int | None = None, progress=None) -> np.ndarray:
        bs = batch_size or self.default_batch_size
        n = df.height
        if n == 0:
            return np.zeros((0, self.model.coef.shape[0]))
        starts = range(0, n, bs)
        # numpy's sorts and polars release the GIL: on 2 cores, batches on two threads take 1.7x less wall
        threads = min(PREDICT_THREADS, len(starts))
        parts = []
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for start, part in zip(starts, pool.map(lambda s: self.model.predict_proba(df.slice(s, bs)), starts)):
                parts.append(part)
                if progress is not None:
                    progress(min(start + bs, n), n)
        return np.vstack(parts)

    def save(self, path: Path) -> None:
        self.model.save(path)

    @classmethod
    def load(cls, path: Path) -> FastBackend:
        return cls(FastModel.load(path))
