"""The background LM: PocketSphinx's general-English model, cut down to Kindly's words.

The background pass (`asr.sphinx`) decodes with a dictionary of the few thousand words
Kindly can hear, so it can only ever use the general model's n-grams made of those words;
the others (a third of them, and most of its 72,547 words) cost the service about 23 MB.
The cut keeps exactly the n-grams whose words are all in the dictionary, with their
quantised probabilities and back-off weights unchanged (the same codes in the same
tables), so every score the decoder can ask for is the same, to the bit.

The file is PocketSphinx's binary trie (its `ngram_model_trie.c`, `lm_trie.c`,
`lm_trie_quant.c`), read and written here because PocketSphinx's own ARPA writer crashes
on this model: a header with the n-gram counts, the quantisation tables, the unigrams,
then bit-packed entries stored backwards: under each word the words before it
("middle", the bigrams), and under each bigram the word before that ("longest").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skill.errors import ModelError

HEADER = b"Trie Language Model"
CODE = 16  # bits of a quantised probability or back-off weight
TABLES = 3 << CODE  # float32 bin centres: bigram probs, bigram back-offs, trigram probs
UNIGRAM = np.dtype([("prob", "<f4"), ("bo", "<f4"), ("next", "<u4")])
SENTENCE = ("<s>", "</s>")
PAD = 8  # bytes after each packed array, so an 8-byte read at its end stays inside
CHUNK = 1 << 16  # entries packed at a time (a multiple of 8: chunks end on a byte)

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TrieLM:
    """A trigram trie LM as arrays of its stored codes (nothing decoded, nothing lost).

    `bi_*` are the bigram entries, grouped by their last word in unigram order;
    `bi_next[j]:bi_next[j + 1]` are the trigram entries under bigram j (one extra item).
    """

    words: list[str]
    tables: bytes  # the quantisation tables, as stored
    unigrams: npt.NDArray[np.void]  # one extra item: its "next" ends the last range
    bi_word: Ints
    bi_bo: Ints
    bi_prob: Ints
    bi_next: Ints
    tri_word: Ints
    tri_prob: Ints


def _bits(largest: int) -> int:
    """How many bits hold values up to `largest` (PocketSphinx's bitarr_required_bits)."""
    return int(largest).bit_length()


def _read(data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.uint64], width: int) -> Ints:
    """The `width`-bit little-endian fields starting at each bit offset."""
    first = (offsets >> np.uint64(3)).astype(np.int64)
    value = np.zeros(len(offsets), np.uint64)
    for k in range((width + 7) // 8 + 1):
        value |= data[first + k].astype(np.uint64) << np.uint64(8 * k)
    mask = np.uint64((1 << width) - 1)
    return ((value >> (offsets & np.uint64(7))) & mask).astype(np.int64)


def _pack(fields: list[tuple[Ints, int]], entries: int) -> bytes:
    """Bit-pack `entries` records of the fields (values, width), low bits first, padded."""
    total = sum(width for _, width in fields)
    out: list[bytes] = []
    for start in range(0, entries, CHUNK):
        columns = [
            (values[start : start + CHUNK, None] >> np.arange(width)) & 1
            for values, width in fields
        ]
        bits = np.hstack(columns).astype(np.uint8).ravel()
        out.append(np.packbits(bits, bitorder="little").tobytes())
    packed = b"".join(out)
    return packed + bytes((entries * total + 7) // 8 + PAD - len(packed))


def read_trie(path: Path) -> TrieLM:
    """The trigram LM in PocketSphinx's binary trie format; ModelError if it is not one."""
    try:
        return _read_trie(path, path.read_bytes())
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not a readable PocketSphinx trie LM ({exc})") from None


def _read_trie(path: Path, raw: bytes) -> TrieLM:
    if not raw.startswith(HEADER) or raw[len(HEADER)] != 3:
        raise ModelError(f"{path}: not a trigram PocketSphinx trie LM")
    at = len(HEADER) + 1
    n_uni, n_bi, n_tri = (int(c) for c in np.frombuffer(raw, "<u4", 3, at))
    at += 12 + 4  # the counts, then a word once used for the quantisation type
    tables = raw[at : at + TABLES * 4]
    at += TABLES * 4
    unigrams = np.frombuffer(raw, UNIGRAM, n_uni + 1, at).copy()
    at += UNIGRAM.itemsize * (n_uni + 1)
    word_bits, next_bits = _bits(n_uni), _bits(n_tri)
    mid_bits, long_bits = word_bits + 2 * CODE + next_bits, word_bits + CODE
    mid_size = ((1 + n_bi) * mid_bits + 7) // 8 + PAD
    long_size = ((1 + n_tri) * long_bits + 7) // 8 + PAD
    middle = np.frombuffer(raw, np.uint8, mid_size, at)
    longest = np.frombuffer(raw, np.uint8, long_size, at + mid_size)
    at += mid_size + long_size
    (size,) = np.frombuffer(raw, "<i4", 1, at)
    words = raw[at + 4 : at + 4 + int(size)].decode("utf-8").split("\0")[:-1]
    if len(words) != n_uni:
        raise ModelError(f"{path}: {len(words)} word strings for {n_uni} unigrams")

    # the counts may say more entries than the unigrams' ranges use: read those in use
    at_bi = np.arange(int(unigrams["next"][-1]) + 1, dtype=np.uint64) * np.uint64(mid_bits)
    codes = at_bi[:-1] + np.uint64(word_bits)
    bi_next = _read(middle, at_bi + np.uint64(word_bits + 2 * CODE), next_bits)
    at_tri = np.arange(int(bi_next[-1]), dtype=np.uint64) * np.uint64(long_bits)
    return TrieLM(
        words=words,
        tables=tables,
        unigrams=unigrams,
        bi_word=_read(middle, at_bi[:-1], word_bits),
        bi_bo=_read(middle, codes, CODE),
        bi_prob=_read(middle, codes + np.uint64(CODE), CODE),
        bi_next=bi_next,
        tri_word=_read(longest, at_tri, word_bits),
        tri_prob=_read(longest, at_tri + np.uint64(word_bits), CODE),
    )


def cut(model: TrieLM, keep: set[str]) -> TrieLM:
    """The n-grams of `model` whose words are all in `keep` (and <s>, </s>), renumbered."""
    kept = np.array([w in keep or w in SENTENCE for w in model.words])
    new_id = np.cumsum(kept) - 1  # order kept, so each range stays sorted by word
    starts: Ints = model.unigrams["next"].astype(np.int64)
    bi_last = np.repeat(np.arange(len(kept)), np.diff(starts))
    bi_keep = kept[bi_last] & kept[model.bi_word]
    tri_parent = np.repeat(np.arange(len(model.bi_word)), np.diff(model.bi_next))
    tri_keep = bi_keep[tri_parent] & kept[model.tri_word]

    unigrams = model.unigrams[np.append(kept, True)].copy()  # the extra item ends the ranges
    unigrams["next"] = np.append(
        0, np.cumsum(np.bincount(bi_last[bi_keep], minlength=len(kept))[kept])
    )
    bi_next = np.append(
        0, np.cumsum(np.bincount(tri_parent[tri_keep], minlength=len(bi_keep))[bi_keep])
    )
    return replace(
        model,
        words=[w for w, k in zip(model.words, kept, strict=True) if k],
        unigrams=unigrams,
        bi_word=new_id[model.bi_word[bi_keep]],
        bi_bo=model.bi_bo[bi_keep],
        bi_prob=model.bi_prob[bi_keep],
        bi_next=bi_next,
        tri_word=new_id[model.tri_word[tri_keep]],
        tri_prob=model.tri_prob[tri_keep],
    )


def trie_bytes(model: TrieLM) -> bytes:
    """`model` in PocketSphinx's binary trie format (the decoder reads it as it is)."""
    n_uni, n_bi, n_tri = len(model.words), len(model.bi_word), len(model.tri_word)
    word_bits = _bits(n_uni)
    end = np.zeros(1, np.int64)  # the extra bigram entry only holds where the last range ends
    middle = _pack(
        [
            (np.append(model.bi_word, end), word_bits),
            (np.append(model.bi_bo, end), CODE),
            (np.append(model.bi_prob, end), CODE),
            (model.bi_next, _bits(n_tri)),
        ],
        n_bi + 1,
    )
    longest = _pack(  # sized for one more entry, as PocketSphinx reads it
        [(np.append(model.tri_word, end), word_bits), (np.append(model.tri_prob, end), CODE)],
        n_tri + 1,
    )
    strings = b"".join(w.encode("utf-8") + b"\0" for w in model.words)
    return b"".join(
        (
            HEADER,
            bytes([3]),
            np.array([n_uni, n_bi, n_tri, 1], "<u4").tobytes(),
            model.tables,
            model.unigrams.tobytes(),
            middle,
            longest,
            np.array([len(strings)], "<i4").tobytes(),
            strings,
        )
    )
