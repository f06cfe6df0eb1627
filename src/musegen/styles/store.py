"""Fine-tuned styles on disk: `<data dir>/musegen/styles/NAME/` with `style.json`, `music/`, `lyrics/`.

The data dir is `$MUSEGEN_HOME` when set, else `$XDG_DATA_HOME/musegen`, else `~/.local/share/musegen`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from musegen.errors import InputError, ModelError
from musegen.fsutil import atomic_write_text

STYLE_FILE = "style.json"
FINGERPRINT = "fingerprint.json"  # in a `.NAME.partial` work folder: what the training state was made from
STYLE_VERSION = 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def data_dir() -> Path:
    """Musegen's per-user data directory."""
    if os.environ.get("MUSEGEN_HOME"):
        return Path(os.environ["MUSEGEN_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser() / "musegen"


def styles_root() -> Path:
    """Folder holding one sub-folder per style."""
    return data_dir() / "styles"


def check_name(name: str, what: str = "--name") -> str:
    """Validate a style name (letters, digits, `_.-`, at most 64 characters); errors name `what`."""
    if not _NAME_RE.match(name or ""):
        raise InputError(
            f"{what} {name!r}: use 1–64 letters, digits, '_', '.' or '-' (starting with a letter or digit)"
        )
    return name


@dataclass
class StyleCard:
    """What style.json records: where the style came from and how well it fits."""

    name: str
    created: str
    files_used: list[str]
    skipped: dict[str, str] = field(default_factory=dict)  # file -> reason
    music: str | None = "music"  # sub-folder with the music checkpoint/adapter (None: base model)
    lyrics: str | None = None  # sub-folder with the lyrics LoRA adapter (None: default adapter)
    figures: dict[str, Any] = field(default_factory=dict)  # benchmark-style numbers measured at fit time
    guard: dict[str, int] = field(default_factory=lambda: {"max_notes": 8, "max_words": 8})
    version: int = STYLE_VERSION


@dataclass
class Style:
    """A style folder and its card."""

    path: Path
    card: StyleCard

    @property
    def music_path(self) -> Path | None:
        """Music checkpoint folder, or None to use the default model."""
        return self.path / self.card.music if self.card.music else None

    @property
    def lyrics_path(self) -> Path | None:
        """Lyrics adapter folder, or None to use the default adapter."""
        return self.path / self.card.lyrics if self.card.lyrics else None

    @property
    def catalog_path(self) -> Path:
        """The memorisation-guard index of the catalog (see `musegen.styles.guard`)."""
        return self.path / "catalog.json"


def write_card(folder: Path, card: StyleCard) -> Path:
    """Write style.json atomically."""
    return atomic_write_text(folder / STYLE_FILE, json.dumps(asdict(card), indent=2, sort_keys=True) + "\n")


def read_style(folder: Path) -> Style:
    """Read a style folder; ModelError naming the file if style.json is missing or malformed."""
    f = folder / STYLE_FILE
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
        card = StyleCard(**data)
    except FileNotFoundError:
        raise ModelError(f"{f}: missing; the style was not finished — run `musegen finetune` again") from None
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{f}: malformed style card ({exc}); remove the style and fine-tune again") from None
    if card.version != STYLE_VERSION:
        raise ModelError(f"{f}: style version {card.version}, this musegen reads {STYLE_VERSION}")
    return Style(folder, card)


def list_styles() -> list[Style]:
    """All finished styles, by name (half-written, temp and leftover dot-folders are ignored)."""
    root = styles_root()
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if d.is_dir() and not d.name.startswith(".") and (d / STYLE_FILE).is_file():
            out.append(read_style(d))
    return out


def has_state(work: Path) -> bool:
    """Whether a `.NAME.partial` work folder holds training state (anything besides its fingerprint)."""
    return work.is_dir() and any(p.name != FINGERPRINT for p in work.iterdir())


def clean_partials(root: Path) -> list[Path]:
    """Remove `.NAME.partial` folders of `root` that no run holds and that hold no training state."""
    import fcntl

    removed = []
    for d in sorted(root.glob(".*.partial")) if root.is_dir() else []:
        if not d.is_dir() or has_state(d):
            continue
        fd = os.open(d, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a running finetune: leave it
        except BlockingIOError:
            continue
        finally:
            os.close(fd)
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def get_style(name: str, what: str = "--style") -> Style:
    """The style called `name`; InputError (naming `what`) listing the available ones if there is none."""
    folder = styles_root() / check_name(name, what)
    if not (folder / STYLE_FILE).is_file():
        names = ", ".join(s.card.name for s in list_styles()) or "none yet"
        raise InputError(
            f"{what} {name}: no such style (available: {names}); create it with musegen finetune"
        )
    return read_style(folder)


def remove_style(name: str, what: str = "--style") -> Path:
    """Delete a style folder (atomically: renamed aside first); returns the path removed."""
    from musegen.fsutil import tmp_prefix

    style = get_style(name, what)
    aside = style.path.with_name(f"{tmp_prefix(name)}deleted0.tmp")
    os.rename(style.path, aside)  # a kill during the delete leaves an orphan, not half a style
    shutil.rmtree(aside, ignore_errors=True)
    return style.path
