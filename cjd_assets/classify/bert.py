"""The BERT backend: fine-tune any `AutoModelForSequenceClassification` checkpoint (default bert-base-chinese).

Early stopping on validation macro-F1; CUDA with mixed precision (bf16 where supported, else fp16 with
a gradient scaler) when a GPU is present, CPU otherwise. Inference sorts rows by length and batches
neighbours together so little compute goes to padding, then restores the input order.
`build_tiny_bert` writes a small randomly initialised BERT with a character vocabulary, so tests and
demos run with no download.
"""

from __future__ import annotations

import inspect
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from cjd_assets.classify.backend import labels_to_index
from cjd_assets.classify.evaluate import confusion_matrix, metrics_from_confusion
from cjd_assets.classify.text import joined_text
from cjd_assets.schema import CATEGORIES


@dataclass
class BertParams:
    model_name_or_path: str = "bert-base-chinese"
    epochs: int = 3
    batch_size: int = 16
    max_length: int = 128
    learning_rate: float = 2e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    patience: int = 1
    body_chars: int = 400
    seed: int = 0
    device: str | None = None
    mixed_precision: bool = True

    @classmethod
    def from_kwargs(cls, **kw) -> BertParams:
        unknown = set(kw) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown bert-backend parameters: {sorted(unknown)}")
        return cls(**kw)


def _device(requested: str | None):
    import torch

    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _autocast(device, enabled: bool):
    import contextlib

    import torch

    if device.type != "cuda" or not enabled:
        return contextlib.nullcontext(), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def length_buckets(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Row indices in batches of similar length (longest first), covering every row once."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


class BertBackend:
    """The `backend.Backend` protocol over a transformers sequence classifier."""

    name = "bert"
    labels = CATEGORIES
    default_batch_size = 64
    retrain_per_fold = False  # minutes to hours to fine-tune: compared on the held-out split only
    tuning = None  # no out-of-fold probabilities: the decision rule is tuned on the validation split

    def __init__(self, model, tokenizer, params: BertParams, training_log: list | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.params = params
        self.training_log = training_log or []
        self.device = _device(params.device)
        self.model.to(self.device)

    @classmethod
    def param_names(cls) -> frozenset[str]:
        return frozenset(BertParams.__dataclass_fields__)

    def params_dict(self) -> dict:
        d = asdict(self.params)
        d.pop("device")  # where it ran does not change what it is
        return d

    def _texts(self, df: pl.DataFrame) -> list[str]:
        return joined_text(df, self.params.body_chars)

    @classmethod
    def train(cls, train: pl.DataFrame, val: pl.DataFrame, unlabelled: pl.DataFrame | None = None,
              **params) -> BertBackend:
        """Fine-tune on `train`, early-stopping on `val`; `unlabelled` is ignored (no self-training)."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

        p = BertParams.from_kwargs(**params)
        random.seed(p.seed)
        np.random.seed(p.seed)
        torch.manual_seed(p.seed)
        tokenizer = AutoTokenizer.from_pretrained(p.model_name_or_path)
        model = AutoModelForSequenceClassification.from_pretrained(
            p.model_name_or_path, num_labels=len(CATEGORIES),
            id2label=dict(enumerate(CATEGORIES)), label2id={c: i for i, c in enumerate(CATEGORIES)},
            ignore_mismatched_sizes=True,
        )
        backend = cls(model, tokenizer, p)
        device = backend.device
        texts = backend._texts(train)
        y = torch.tensor(labels_to_index(train["label"]))
        enc = tokenizer(texts, truncation=True, max_length=p.max_length)
        steps_per_epoch = (len(texts) + p.batch_size - 1) // p.batch_size
        opt = torch.optim.AdamW(model.parameters(), lr=p.learning_rate, weight_decay=p.weight_decay)
        sched = get_linear_schedule_with_warmup(opt, int(p.warmup_ratio * steps_per_epoch * p.epochs),
                                                steps_per_epoch * p.epochs)
        ctx, scaler = _autocast(device, p.mixed_precision)
        y_val = labels_to_index(val["label"]) if val.height else None
        best_f1, best_state, bad_epochs = -1.0, None, 0
        gen = torch.Generator().manual_seed(p.seed)
        for epoch in range(p.epochs):
            t0 = time.perf_counter()
            model.train()
            perm = torch.randperm(len(texts), generator=gen).tolist()
            total_loss = 0.0
            for s in range(0, len(perm), p.batch_size):
                idx = perm[s:s + p.batch_size]
                batch = tokenizer.pad({"input_ids": [enc["input_ids"][i] for i in idx],
                                       "attention_mask": [enc["attention_mask"][i] for i in idx],
                                       **({"token_type_ids": [enc["token_type_ids"][i] for i in idx]}
                                          if "token_type_ids" in enc else {})}, return_tensors="pt")
                batch = {k: v.to(device) for k, v in batch.items()}
                with ctx:
                    loss = model(**batch, labels=y[idx].to(device)).loss
                opt.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    scaler.step(opt)
                    scaler.update()
                else:
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                sched.step()
                total_loss += float(loss.detach()) * len(idx)
            entry = {"epoch": epoch + 1, "train_loss": total_loss / max(len(texts), 1),
                     "seconds": round(time.perf_counter() - t0, 2)}
            if y_val is not None:
                pred = backend.predict_proba(val).argmax(axis=1)
                f1 = metrics_from_confusion(confusion_matrix(y_val, pred))["macro_f1"]
                entry["val_macro_f1"] = f1
                if f1 > best_f1:
                    best_f1, bad_epochs = f1, 0
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                else:
                    bad_epochs += 1
            backend.training_log.append(entry)
            if y_val is not None and p.patience > 0 and bad_epochs >= p.patience:
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return backend

    def predict_proba(self, df: pl.DataFrame, batch_size: int | None = None, progress=None) -> np.ndarray:
        import torch

        bs = batch_size or self.default_batch_size
        texts = self._texts(df)
        n = len(texts)
        out = np.zeros((n, len(CATEGORIES)), dtype=np.float64)
        if n == 0:
            return out
        enc = self.tokenizer(texts, truncation=True, max_length=self.params.max_length)
        has_tt = "token_type_ids" in enc
        lengths = [len(ids) for ids in enc["input_ids"]]
        ctx, _ = _autocast(self.device, self.params.mixed_precision)
        was_training = self.model.training
        self.model.eval()
        done = 0
        with torch.inference_mode():
            for idx in length_buckets(lengths, bs):
                feats = {"input_ids": [enc["input_ids"][i] for i in idx],
                         "attention_mask": [enc["attention_mask"][i] for i in idx]}
                if has_tt:
                    feats["token_type_ids"] = [enc["token_type_ids"][i] for i in idx]
                batch = {k: v.to(self.device) for k, v in self.tokenizer.pad(feats, return_tensors="pt").items()}
                with ctx:
                    logits = self.model(**batch).logits
                out[idx] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
                done += len(idx)
                if progress is not None:
                    progress(done, n)
        if was_training:
            self.model.train()
        return out

    def save(self, path: Path) -> None:
        d = Path(path) / "bert"
        self.model.save_pretrained(d)
        self.tokenizer.save_pretrained(d)
        (Path(path) / "bert_params.json").write_text(json.dumps(asdict(self.params), indent=2))
        (Path(path) / "training_log.json").write_text(json.dumps(self.training_log, indent=2))

    @classmethod
    def load(cls, path: Path, device: str | None = None) -> BertBackend:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        params = BertParams.from_kwargs(**json.loads((Path(path) / "bert_params.json").read_text()))
        params.device = device
        d = Path(path) / "bert"
        model = AutoModelForSequenceClassification.from_pretrained(d)
        tokenizer = AutoTokenizer.from_pretrained(d)
        log_file = Path(path) / "training_log.json"
        log = json.loads(log_file.read_text()) if log_file.exists() else []
        model.eval()
        return cls(model, tokenizer, params, log)


def build_tiny_bert(path: Path, texts: list[str], hidden_size: int = 32, layers: int = 2, heads: int = 2,
                    max_position: int = 256, seed: int = 0, intermediate_size: int | None = None) -> Path:
    """Write a small random BERT (config, weights, character vocab.txt, fast tokenizer) into `path`.

    The vocabulary is BERT's special tokens plus every character of `texts` (lower-cased, as the
    tokenizer does), so a test needs no download. Pass the result as `model_name_or_path`. With
    hidden_size=768, layers=12, heads=12, intermediate_size=3072 it has bert-base's shape (for timing).
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    chars = sorted({ch for t in texts for ch in str(t).lower() if not ch.isspace()})
    # WordPiece splits Latin words into a first piece and ##-continuations, so both forms are needed
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + [f"##{c}" for c in chars if c.isascii()]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    opts = dict(do_lower_case=True, tokenize_chinese_chars=True, model_max_length=max_position)
    # transformers 4 reads a vocab file; 5 takes the vocabulary itself
    if "vocab_file" in inspect.signature(BertTokenizerFast.__init__).parameters:
        tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"), **opts)
    else:
        tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, **opts)
    if len(tokenizer) != len(vocab):
        raise RuntimeError(f"tokenizer has {len(tokenizer)} tokens, expected {len(vocab)}")
    tokenizer.save_pretrained(path)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=intermediate_size or hidden_size * 2,
                        max_position_embeddings=max_position, num_labels=len(CATEGORIES))
    BertForSequenceClassification(config).save_pretrained(path)
    return path
