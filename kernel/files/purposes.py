"""Upload policies per use ("purpose"), declared as data in code.

A purpose says which kinds of file an attachment for that use may be and how large:

    register_purpose("hazard_photo", "隐患照片", kinds=["image"], max_bytes=5 * MB, max_files=9)

`max_bytes` is one limit for every kind, or a {kind: limit} dict; kinds it does not name
keep the platform default for the kind (KIND_LIMITS). `perm` is the permission an upload
needs; by default an agency user needs the owning model's change permission (see
kernel.files.services.may_upload). Domains register their purposes when their module is
imported (typically in AppConfig.ready()).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .sniff import TYPES

KB = 1024
MB = 1024 * 1024

# kind: label shown to users
KINDS = {
    "pdf": "PDF",
    "word": "Word",
    "excel": "Excel",
    "image": "图片",
    "audio": "音频",
    "video": "视频",
    "archive": "压缩包",
}
DOCUMENT_KINDS = ("pdf", "word", "excel")

# The platform's default size limit of each kind (a purpose may lower or raise it).
KIND_LIMITS = {
    "pdf": 20 * MB,
    "word": 20 * MB,
    "excel": 20 * MB,
    "image": 10 * MB,
    "audio": 50 * MB,
    "video": 200 * MB,
    "archive": 50 * MB,
}

# File name extensions accepted for each kind (the content decides, the extension must agree).
KIND_EXTENSIONS = {kind: tuple(ext for t in TYPES.values() if t.kind == kind for ext in t.extensions) for kind in KINDS}


def human_size(n: int) -> str:
    """1048576 -> "1 MB", 1536 -> "1.5 KB" (what users read in limits and errors)."""
    for unit, size in (("MB", MB), ("KB", KB)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str
    kinds: tuple[str, ...]
    limits: dict = field(default_factory=dict)  # kind -> bytes, for the kinds of this purpose
    perm: str | None = None
    max_files: int | None = None  # live attachments per owner record and purpose

    def allows(self, kind: str) -> bool:
        return kind in self.kinds

    def limit_for(self, kind: str) -> int:
        return self.limits[kind]

    @property
    def max_bytes(self) -> int:
        """The largest file any allowed kind may be (checked before the content is read)."""
        return max(self.limits.values())

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(ext for kind in self.kinds for ext in KIND_EXTENSIONS[kind])

    @property
    def accept(self) -> str:
        """Value of the file input's accept attribute."""
        return ",".join(f".{ext}" for ext in self.extensions)

    @property
    def kinds_label(self) -> str:
        return "、".join(KINDS[k] for k in self.kinds)

    @property
    def hint(self) -> str:
        """"支持 PDF、Word、图片；大小上限：PDF/Word 20 MB，图片 10 MB" for the upload form."""
        by_limit: dict[int, list[str]] = {}
        for kind in self.kinds:
            by_limit.setdefault(self.limits[kind], []).append(KINDS[kind])
        limits = "，".join(f"{'/'.join(labels)} {human_size(size)}" for size, labels in by_limit.items())
        return f"支持 {self.kinds_label}；大小上限：{limits}"


_registry: dict[str, Purpose] = {}


def register_purpose(key: str, label: str, kinds, max_bytes: int | dict | None = None, *,
                     perm: str | None = None, max_files: int | None = None) -> Purpose:
    """Declare (or re-declare identically) the upload policy of a use. Returns the Purpose.

    Registering a key again with a different definition raises ValueError: two modules
    must not silently disagree about the rules of one use."""
    kinds = tuple(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in KINDS]
    if not kinds or unknown:
        raise ValueError(f"purpose {key}: unknown or no kinds {unknown or kinds}")
    if isinstance(max_bytes, dict):
        bad = [k for k in max_bytes if k not in kinds]
        if bad:
            raise ValueError(f"purpose {key}: limits for kinds it does not allow {bad}")
        limits = {k: int(max_bytes.get(k, KIND_LIMITS[k])) for k in kinds}
    elif max_bytes is not None:
        limits = {k: int(max_bytes) for k in kinds}
    else:
        limits = {k: KIND_LIMITS[k] for k in kinds}
    if any(v <= 0 for v in limits.values()):
        raise ValueError(f"purpose {key}: limits must be positive")
    purpose = Purpose(key=key, label=label, kinds=kinds, limits=limits, perm=perm, max_files=max_files)
    existing = _registry.get(key)
    if existing is not None and existing != purpose:
        raise ValueError(f"purpose {key} is already registered with another definition")
    _registry[key] = purpose
    return purpose


def get_purpose(key: str) -> Purpose | None:
    return _registry.get(key)


def purposes() -> dict[str, Purpose]:
    return dict(_registry)


def purpose_label(key: str) -> str:
    p = _registry.get(key)
    return p.label if p else key


# -- the platform's default uses (the seeds' documents, images, audio and video) -----------
ALL_MEDIA = DOCUMENT_KINDS + ("image", "audio", "video")

register_purpose("attachment", "附件", DOCUMENT_KINDS + ("image",))
register_purpose("document", "文档", DOCUMENT_KINDS)
register_purpose("photo", "照片", ["image"])
register_purpose("audio", "录音", ["audio"])
register_purpose("video", "视频", ["video"])
register_purpose("evidence", "证据材料", ALL_MEDIA)
register_purpose("transcript", "笔录", ["pdf", "word", "image"])
register_purpose("notice", "文书", ["pdf", "word"])
