"""Short column titles for narrow terminals: each hyperparameter's or metric's abbreviation,
unique among the table's columns.

A name of at most `SHORT_TITLE` cells is its own abbreviation. A longer one is shortened, in
order, until it fits:

1. a known name takes its usual abbreviation (`KNOWN_NAMES`: learning_rate -> lr,
   batch_size -> bs, weight_decay -> wd, batch_norm -> bn, momentum -> mom, ...);
2. otherwise the name is split into words at `_`, `-`, `.`, spaces and camelCase humps (the
   separators stay), and known words are shortened (`KNOWN_WORDS`: num -> n, hidden -> hid,
   accuracy -> acc, val -> v, train -> tr, ...): val_loss -> v_loss;
3. words of more than 3 letters lose the vowels after their first letter, longest word first
   (ties: the leftmost): num_layers -> n_lyrs, hidden_size -> hid_sz;
4. the longest word loses its last letter, again and again, down to 3 letters
   (embedding_dim -> emb_dim, gradient_clip -> grd_clp);
5. words before the last shrink to their first letter, leftmost first
   (max_grad_norm -> m_g_nrm), and what is still too wide is cut to `SHORT_TITLE` cells.

Each step stops as soon as the name fits.

Names keep their own title first, then longer names take theirs in column order; one whose
abbreviation is taken (by a fixed title such as "iter", or an earlier column) ends in the
lowest digit from 2 that makes it unique (lr, lr2). The help screen lists every column's title
with its full name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.cells import cell_len, set_cell_size

from tuneterm.domain.text import printable

SHORT_TITLE = 7
"""Cells an abbreviation may take: a number with 3 significant digits (1.23e-4) is as wide."""

KNOWN_NAMES: dict[str, str] = {
    "learning_rate": "lr",
    "batch_size": "bs",
    "weight_decay": "wd",
    "batch_norm": "bn",
    "batchnorm": "bn",
    "use_batch_norm": "bn",
    "momentum": "mom",
    "optimizer": "opt",
    "activation": "act",
    "dropout_rate": "drop",
    "num_epochs": "epochs",
    "accuracy": "acc",
    "val_accuracy": "val_acc",
    "training_iteration": "iter",
}
"""Whole names (lower case) with an abbreviation people already use."""

KNOWN_WORDS: dict[str, str] = {
    "num": "n",
    "number": "n",
    "hidden": "hid",
    "accuracy": "acc",
    "validation": "v",
    "val": "v",
    "training": "tr",
    "train": "tr",
    "learning": "lr",
    "dimension": "dim",
    "temperature": "temp",
    "iterations": "iters",
    "maximum": "max",
    "minimum": "min",
}
"""Words (lower case) shortened inside longer names."""

MIN_WORD = 3
"""Letters a word keeps when abbreviations cut words short."""

_WORDS = re.compile(r"([_\-. ]+|(?<=[a-z0-9])(?=[A-Z]))")
_VOWELS = re.compile(r"(?<=.)[aeiouAEIOU]")


def abbreviate(name: str, width: int = SHORT_TITLE) -> str:
    """`name` shortened to at most `width` cells by the scheme above (not yet made unique)."""
    text = printable(name)
    if cell_len(text) <= width:
        return text
    known = KNOWN_NAMES.get(text.lower())
    if known is not None:
        return known
    parts = [KNOWN_WORDS.get(part.lower(), part) for part in _WORDS.split(text)]
    for step in (_drop_vowels, _truncate, _initials):
        if _width(parts) <= width:
            break
        step(parts, width)
    return set_cell_size("".join(parts), min(width, _width(parts))).rstrip()


def _width(parts: list[str]) -> int:
    return cell_len("".join(parts))


def _drop_vowels(parts: list[str], width: int) -> None:
    """Words (even indices) of more than 3 letters lose their inner vowels, longest first."""
    words = sorted(range(0, len(parts), 2), key=lambda i: (-cell_len(parts[i]), i))
    for index in words:
        if _width(parts) <= width:
            return
        if len(parts[index]) > MIN_WORD:
            parts[index] = _VOWELS.sub("", parts[index])


def _truncate(parts: list[str], width: int) -> None:
    """The longest word (ties: the leftmost) loses its last letter, down to `MIN_WORD`."""
    while _width(parts) > width:
        index = max(range(0, len(parts), 2), key=lambda i: (len(parts[i]), -i))
        if len(parts[index]) <= MIN_WORD:
            return
        parts[index] = parts[index][:-1]


def _initials(parts: list[str], width: int) -> None:
    """Words before the last shrink to their first letter, leftmost first."""
    for index in range(0, len(parts) - 1, 2):
        if _width(parts) <= width:
            return
        parts[index] = parts[index][:1]


def abbreviations(names: Sequence[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Each of `names` with a title unique among them and `taken`: short names keep theirs."""
    used = set(taken)
    titles: dict[str, str] = {}
    for name in names:
        text = printable(name)
        if cell_len(text) <= SHORT_TITLE and text not in used:
            titles[name] = text
            used.add(text)
    for name in names:
        if name not in titles:
            titles[name] = _unique(abbreviate(name), used)
            used.add(titles[name])
    return titles


def _unique(title: str, used: set[str]) -> str:
    if title not in used:
        return title
    for number in range(2, 1000):
        suffix = str(number)
        candidate = set_cell_size(title, SHORT_TITLE - len(suffix)).rstrip() + suffix
        if candidate not in used:
            return candidate
    return title
