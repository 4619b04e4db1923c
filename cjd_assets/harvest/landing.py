"""The landing zone: dropped harvest files become content-addressed copies in the lake, each one harvest.

A harvest file's identity is its content (SHA-1), not its name: `猎聘.csv` and `智联.csv` are two harvests,
a changed `daily.csv` dropped again is a new one, and the same bytes under any name are the same one. A
claimed file is kept as `<lake>/harvested/<sha1>/<its name>`, a name no later file can take, so a re-run
always finds its own bytes. A file that cannot be read is moved to `<landing>/rejected/<sha1>/` with
`<name>.reason.txt` beside it; fixed and dropped again it has a new digest, so it is a new harvest.

Partition keys stay readable: `file-<name, slugged>-<first 12 hex digits of the digest>`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .files import file_digest

FILE_PREFIX = "file-"
HARVESTED_DIR = "harvested"  # under the lake: every claimed file, by digest, kept so a partition can be re-run
REJECTED_DIR = "rejected"  # under the landing zone: files that cannot be read, by digest, with their reason
KEY_DIGEST_LEN = 12

# Names that copy tools and browsers give a file while it is still being written.
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".!sync", "~")
# Anything but letters (any script), digits, '_', '.', '-' becomes '_': keys appear in URLs and CLI flags,
# and Dagster refuses '...' and control characters in partition keys.
_UNSAFE = re.compile(r"[^\w.\-]+")
_DIGEST_SUFFIX = re.compile(rf"-([0-9a-f]{{{KEY_DIGEST_LEN}}})$")


def file_partition_key(filename: str, digest: str) -> str:
    """`file-<readable slug of the name>-<short digest>`; the digest makes it unique, the slug readable."""
    slug = _UNSAFE.sub("_", unicodedata.normalize("NFC", filename))
    slug = re.sub(r"\.{2,}", ".", slug).strip("._-")[:60] or "harvest"
    return f"{FILE_PREFIX}{slug}-{digest[:KEY_DIGEST_LEN]}"


def key_digest(key: str) -> str | None:
    """The short content digest a `file-` partition key ends with (None for other keys)."""
    m = _DIGEST_SUFFIX.search(key) if key.startswith(FILE_PREFIX) else None
    return m.group(1) if m else None


def is_landed_entry(path: Path) -> bool:
    """Whether a landing-zone entry is meant for harvesting: hidden files, Office lock files, partial
    downloads and the rejected folder are not."""
    name = path.name
    return not (name.startswith((".", "~$")) or name == REJECTED_DIR or name.lower().endswith(_PARTIAL_SUFFIXES))


def signature(path: Path) -> list[int]:
    """Size and modification time of a file, or of every file in a folder: equal on two looks some
    seconds apart means nobody is writing it any more."""
    if path.is_dir():
        files = [p.stat() for p in path.rglob("*") if p.is_file()]
        return [len(files), sum(s.st_size for s in files), max((s.st_mtime_ns for s in files), default=0)]
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def harvest_digest(path: Path) -> str:
    """SHA-1 of a file's bytes; of a folder, of its files' relative paths and digests."""
    path = Path(path)
    if not path.is_dir():
        return file_digest(path)
    h = hashlib.sha1(b"folder\0")
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(p.relative_to(path).as_posix().encode("utf-8") + b"\0" + file_digest(p).encode() + b"\n")
    return h.hexdigest()


def landed_partition_key(path: Path) -> str:
    return file_partition_key(Path(path).name, harvest_digest(path))


@dataclass(frozen=True)
class Claimed:
    digest: str
    path: Path  # <lake>/harvested/<digest>/<name>
    duplicate: bool  # the same bytes were already kept (an identical re-drop)

    @property
    def key(self) -> str:
        return file_partition_key(self.path.name, self.digest)


def _move(src: Path, dest: Path, keep_source: bool) -> None:
    """Move (or copy) src to dest so that dest never exists half-written: a rename where the two share a
    file system, else a copy under a temporary name renamed into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not keep_source:
        try:
            os.replace(src, dest)
            return
        except OSError:
            pass  # another file system: copy, then remove
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    if src.is_dir():
        shutil.copytree(src, tmp)
    else:
        shutil.copy2(src, tmp)
    os.replace(tmp, dest)
    if not keep_source:
        _remove(src)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def claim(src: Path, lake_dir: Path, keep_source: bool = False, digest: str | None = None) -> Claimed:
    """Keep a harvest file in the lake under its digest (moved out of the landing zone, or copied with
    keep_source). Identical bytes already kept are not copied again."""
    src = Path(src)
    digest = digest or harvest_digest(src)
    folder = Path(lake_dir) / HARVESTED_DIR / digest
    existing = sorted(folder.iterdir()) if folder.is_dir() else []
    existing = [p for p in existing if not p.name.startswith(".")]
    if existing:
        if not keep_source:
            _remove(src)  # the same bytes are kept already: nothing is lost
        return Claimed(digest, existing[0], duplicate=True)
    dest = folder / src.name
    _move(src, dest, keep_source)
    return Claimed(digest, dest, duplicate=False)


def claimed_digests(lake_dir: Path) -> list[str]:
    """Digests of every file kept in the lake."""
    root = Path(lake_dir) / HARVESTED_DIR
    return sorted(p.name for p in root.iterdir() if p.is_dir() and len(p.name) == 40) if root.is_dir() else []


def _in(folder: Path, short: str) -> Path | None:
    if not folder.is_dir():
        return None
    for d in sorted(folder.glob(f"{short}*")):
        entries = [p for p in sorted(d.iterdir()) if not p.name.startswith(".") and not p.name.endswith(".reason.txt")]
        if entries:
            return entries[0]
    return None


def kept_file(lake_dir: Path, digest: str) -> Path | None:
    """The file kept in the lake for a (full or short) content digest."""
    return _in(Path(lake_dir) / HARVESTED_DIR, digest[:KEY_DIGEST_LEN])


def find_harvest_file(lake_dir: Path, landing: Path, key: str) -> Path | None:
    """The file behind a `file-` partition, kept in the lake. A file still in the landing zone (a key
    added by hand or a backfill before the sensor saw it) or one rejected earlier (a re-run after a
    reader fix) is claimed into the lake first."""
    short = key_digest(key)
    if short is None:
        return None
    kept = kept_file(lake_dir, short)
    if kept is not None:
        return kept
    landing = Path(landing)
    if landing.is_dir():
        for p in sorted(landing.iterdir()):
            if is_landed_entry(p) and file_partition_key(p.name, "0" * 40)[: -KEY_DIGEST_LEN] == key[: -KEY_DIGEST_LEN]:
                try:
                    digest = harvest_digest(p)
                    if digest.startswith(short):
                        return claim(p, lake_dir, digest=digest).path
                except FileNotFoundError:  # claimed by the sensor meanwhile
                    return kept_file(lake_dir, short)
    rejected = _in(landing / REJECTED_DIR, short)
    if rejected is not None:
        reason = rejected.with_name(rejected.name + ".reason.txt")
        digest = rejected.parent.name
        found = claim(rejected, lake_dir, digest=digest).path
        reason.unlink(missing_ok=True)
        _rmdir_if_empty(rejected.parent)
        return found
    return None


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def reject(kept: Path, landing: Path, reason: str) -> Path:
    """Move a kept file that cannot be read to `<landing>/rejected/<digest>/`, its reason beside it."""
    kept = Path(kept)
    digest = kept.parent.name
    dest = Path(landing) / REJECTED_DIR / digest / kept.name
    if dest.exists():
        _remove(kept)
    else:
        _move(kept, dest, keep_source=False)
    dest.with_name(dest.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    _rmdir_if_empty(kept.parent)
    return dest


__all__ = [
    "FILE_PREFIX", "HARVESTED_DIR", "REJECTED_DIR", "Claimed", "claim", "claimed_digests", "file_partition_key",
    "find_harvest_file", "harvest_digest", "is_landed_entry", "kept_file", "key_digest", "landed_partition_key", "reject",
    "signature",
]
