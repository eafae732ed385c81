"""Intent recognition from text: every evaluation set, Kindly vs hassil alone, one core.

    python -m benchmarks.intents [--quick]

`--quick` prints Kindly's rows only (no hassil, no speed table) with totals, and where
missed crisis, request and distress lines went (counts only, never lines): the check to
run after each change to the safety content.

Sets, by how honest their figure is:
- held out: benchmarks/data/writers/writer_*.yaml named in HELD_OUT below (d, e, h ... bn,
  bs, bt, by, cc ... cs, cv, cw, db, dc, df ... do, eg, eh, ej, el, en, fa ... fh,
  fk ... fn, fp, fq, fu, fx, fy, ga, gd, gf, gh, gj, gl, gm, go, gp, gr, gs, gv, gx,
  gz, ha, hd, hf, hi, hk, hn, hp, hr, hv, hx, ic, id, ih, ii, io, ip, it, iu, ja, jb, jc, jd,
  jg, jh, ji, jj, jk, jl, jm, jn, jo, jp, jq, jr, js, jt, ju, jv, jw, jx,
  jy, jz, ka, kb, kc, kd, ke, kf, kg, kh, ki, kj, kk, kl, kq, kr, ks, kt, md, me, mf,
  mg, mh, mi, mj, mk, ml, mm ... mz, na ... ni)
  and
  benchmarks/data/blind.yaml, written by sessions that never saw the templates, never read
  line by line and never trained on.
  Only their aggregate figures are printed here. (bt, by and cc ... cj chose between variants in
  session 18, cm, co and cq in session 19, df ... do, eg and eh in session 21, all of
  them in sessions 22 to 26: watched, if never read. fk and fl were run once before and
  once after session 24's change, which was chosen without them; fm and fn the same in
  session 25. fp and fq were first run before any change of session 26, then watched
  with the rest; fu and fx run once before session 26's last changes and once after; fy,
  ga and gd first run on session 27's starting checkout, then only at its end; gf, a
  concern set, first run on session 28's start and on its first concern code, then with
  the held-out sets while two variants were chosen, never read; gh, a distress set,
  first run on session 29's start, then with the rest; gj, a distress set, first run on
  session 30's start, then with the rest; gl, a near-miss set, first run on session
  30's start and on its first step, then with the rest; gm, a near-miss set, first run
  on session 30's start and end, after its last change; go, a distress set, and gp, a
  near-miss set, first run on session 31's start, then with the rest while the distress
  reader's threshold was chosen; gr and gs first run on session 32's start, gv and gx
  on session 33's start, gz and ha on session 33's start and before its second step,
  hd and hf on session 34's start, hi and hk on session 35's start, hn after its first
  step, hp and hr on session 36's start, hv and hx on session 37's start, ic and id on
  session 38's start, ih and ii on session 39's start, io and ip on session 40's start,
  it and iu on session 41's start, ja and jb on session 41's end (40e217e), jc and jd
  on session 42's start, jg ... jj on session 43's start (aa3e4d2, the code of f334b05),
  jk ... jn on session 44's start (a72df5d), jo ... jr on session 45's start (ebceb9a),
  js ... jv on session 46's start (97389dd), jw ... jz on session 47's start
  (4bdfdf1), ka ... kd on session 48's start (479ec50), ke ... kh on session 49's start
  (2b0e447), ki ... kl on session 50's start (cfb666c), kq ... kt on session 51's start
  (1121f14), md, me, mf on session 52's start (717c01b), mg, mh, mi on session 53's
  start (aa18a97), mj, mk, ml on session 54's start (b1bf7db), mm, mn, mo on session 55's
  start (a472cb0), mp ... ms (indirect crisis: 70 crisis lines, 70 near misses each) on
  90e00f1, mt ... mw on session 56's start (6c25282), mx ... na on session 57's start (04ba00f),
  nb ... ne on session 58's start (d55a41c), nf ... ni on session 59's start (0361f89), each
  then only with the rest.)
- tuned: writer_{a,b,c}, heldout{,2}.yaml and tests/data: read, tuned on, and copied into
  intents/_examples.yaml, which trains the semantic layer; writer_ct, cu (read) and cx, cy
  (not read), whose distress lines are in intents/_examples.yaml since session 20, after
  their first contact (those the layer did not already read as crisis); the sets in
  intents/_writers/ (writer_f ... writer_fr): tuning sets whose misses were read (f ... ay,
  bc, bd, cz, da, dd ... eb, ei, ek, em, fi, fj, fo, fr) or not (be ... bh, bj ... bm,
  bo ... cb, ec ... ef), each after its first-contact figure was recorded, and since
  session 17 all trained on whole (cz ... fo read but not trained until session 26);
  writer_fs, ft, fv and fw (read); fz, gb and gc (session 27, read); ge (session 28, a
  concern set, read); gg (session 29, a distress set, read); gi and gk (session 30, a
  distress set and a near-miss set, read); gn (session 31, a distress set, read); gq and
  gt (session 32, read); gu, gw and gy (session 33, read); hc and he (session 34, read);
  hh, hj and hm (session 35, read); ho, hq, ht and hu (session 36, read); hw, hy, ia
  and ib (session 37, read); ie and if (session 38, read); ij and ik (session 39, read);
  ir and is (session 40, read); iv, iw, iy and iz (session 41, read); ma (session 51,
  read; only its requests, controls and distress lines train the layer).
  Since session 31, fs ... gc, gg, gi, gk, gn, gq, gt, gu, gw, gy, he, hh, ho and hy live in
  intents/_reader_writers/ (intents/_distress_writers/ until session 48) and train the
  layer's readers (their distress lines, near misses and everyday lines; since session
  48 their crisis lines too, the crisis reader's; since session 53 their requests, and
  kz, mb and mc's (requests only, session 51's), the request reader's), never the layer
  itself; hc, hj, hm, hq, ht, hu, hw, ia, ib, ie, if, ij, ik, ir, is, iv, iw, iy and iz, in
  benchmarks/data/writers, train nothing.
  Their figures are optimistic.
Columns follow benchmarks/writers.py: requests = practice + info ids right.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hassil.recognize import recognize

from benchmarks._table import render
from benchmarks.writers import writer_files
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.nlu.intents import IntentMatcher
from skill.nlu.learning import learn
from skill.nlu.tables import template_samples

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = (
    "writer_d",
    "writer_e",
    "writer_h",
    "writer_i",
    "writer_j",
    "writer_l",
    "writer_m",
    "writer_p",
    "writer_q",
    "writer_s",
    "writer_t",
    "writer_v",
    "writer_y",
    "writer_aa",
    "writer_ac",
    "writer_af",
    "writer_ah",
    "writer_aj",
    "writer_al",
    "writer_an",
    "writer_ap",
    "writer_ar",
    "writer_as",
    "writer_at",
    "writer_au",
    "writer_av",
    "writer_az",
    "writer_ba",
    "writer_bb",
    "writer_bi",
    "writer_bn",
    "writer_bs",
    "writer_bt",
    "writer_by",
    "writer_cc",
    "writer_cd",
    "writer_ce",
    "writer_cf",
    "writer_cg",
    "writer_ch",
    "writer_ci",
    "writer_cj",
    "writer_ck",
    "writer_cl",
    "writer_cm",
    "writer_cn",
    "writer_co",
    "writer_cp",
    "writer_cq",
    "writer_cr",
    "writer_cs",
    "writer_cv",
    "writer_cw",
    "writer_db",
    "writer_dc",
    "writer_df",
    "writer_dg",
    "writer_dh",
    "writer_di",
    "writer_dj",
    "writer_dk",
    "writer_dl",
    "writer_dm",
    "writer_dn",
    "writer_do",
    "writer_eg",
    "writer_eh",
    "writer_ej",
    "writer_el",
    "writer_en",
    "writer_fa",
    "writer_fb",
    "writer_fc",
    "writer_fd",
    "writer_fe",
    "writer_ff",
    "writer_fg",
    "writer_fh",
    "writer_fk",
    "writer_fl",
    "writer_fm",
    "writer_fn",
    "writer_fp",
    "writer_fq",
    "writer_fu",
    "writer_fx",
    "writer_fy",
    "writer_ga",
    "writer_gd",
    "writer_gf",
    "writer_gh",
    "writer_gj",
    "writer_gl",
    "writer_gm",
    "writer_go",
    "writer_gp",
    "writer_gr",
    "writer_gs",
    "writer_gv",
    "writer_gx",
    "writer_gz",
    "writer_ha",
    "writer_hd",
    "writer_hf",
    "writer_hi",
    "writer_hk",
    "writer_hn",
    "writer_hp",
    "writer_hr",
    "writer_hv",
    "writer_hx",
    "writer_ic",
    "writer_id",
    "writer_ih",
    "writer_ii",
    "writer_io",
    "writer_ip",
    "writer_it",
    "writer_iu",
    "writer_ja",
    "writer_jb",
    "writer_jc",
    "writer_jd",
    "writer_jg",
    "writer_jh",
    "writer_ji",
    "writer_jj",
    "writer_jk",
    "writer_jl",
    "writer_jm",
    "writer_jn",
    "writer_jo",
    "writer_jp",
    "writer_jq",
    "writer_jr",
    "writer_js",
    "writer_jt",
    "writer_ju",
    "writer_jv",
    "writer_jw",
    "writer_jx",
    "writer_jy",
    "writer_jz",
    "writer_ka",
    "writer_kb",
    "writer_kc",
    "writer_kd",
    "writer_ke",
    "writer_kf",
    "writer_kg",
    "writer_kh",
    "writer_ki",
    "writer_kj",
    "writer_kk",
    "writer_kl",
    "writer_kq",
    "writer_kr",
    "writer_ks",
    "writer_kt",
    "writer_md",
    "writer_me",
    "writer_mf",
    "writer_mg",
    "writer_mh",
    "writer_mi",
    "writer_mj",
    "writer_mk",
    "writer_ml",
    "writer_mm",
    "writer_mn",
    "writer_mo",
    "writer_mp",
    "writer_mq",
    "writer_mr",
    "writer_ms",
    "writer_mt",
    "writer_mu",
    "writer_mv",
    "writer_mw",
    "writer_mx",
    "writer_my",
    "writer_mz",
    "writer_na",
    "writer_nb",
    "writer_nc",
    "writer_nd",
    "writer_ne",
    "writer_nf",
    "writer_ng",
    "writer_nh",
    "writer_ni",
    "blind",
)
SAFETY = ("crisis", "abuse", "emergency")
# (intent, kind, only asked about, the distress a check-in answers on "no")
Parser = Callable[[str], tuple[str | None, str, bool, str | None]]


@dataclass
class Labelled:
    name: str
    held_out: bool
    lines: list[tuple[str, str]] = field(default_factory=list)  # (text, label)


def _writer_like(name: str, path: Path, held_out: bool) -> Labelled:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labelled = Labelled(name, held_out)
    labelled.lines += [(t, k) for k, v in (data.get("intents") or {}).items() for t in v]
    labelled.lines += [(t, "crisis") for t in data.get("crisis", [])]
    labelled.lines += [(t, "near_miss") for t in data.get("near_miss", [])]
    labelled.lines += [(t, "none") for t in data.get("none", [])]
    return labelled


def load_sets() -> list[Labelled]:
    sets = [_writer_like(p.stem, p, p.stem in HELD_OUT) for p in writer_files()]
    for name in ("heldout", "heldout2", "blind"):
        path = ROOT / "benchmarks" / "data" / f"{name}.yaml"
        if path.exists():
            sets.append(_writer_like(f"{name}.yaml", path, name in HELD_OUT))
    para = yaml.safe_load((ROOT / "tests" / "data" / "paraphrases.yaml").read_text())
    sets.append(
        Labelled("tests/data paraphrases", False, [(t, k) for k, v in para.items() for t in v])
    )
    crisis = yaml.safe_load((ROOT / "tests" / "data" / "crisis.yaml").read_text())
    expected = {"near_miss": "near_miss", "danger_from_others": "abuse"}
    sets.append(
        Labelled(
            "tests/data crisis corpus",
            False,
            [(t, expected.get(k, "crisis")) for k, v in crisis.items() for t in v],
        )
    )
    return sets


def score(parse: Parser, labelled: Labelled, catalogue: Catalogue) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}

    def add(key: str, ok: bool) -> None:
        entry = counts.setdefault(key, [0, 0])
        entry[0] += ok
        entry[1] += 1

    for text, label in labelled.lines:
        intent, kind, asked, beside = parse(text)
        want = catalogue.kind_of(label) if label in catalogue.intents else None
        if label in ("low_mood", "grief", "panic"):
            add("distress", intent == label)
            add("distress not none", kind != "none")
            # or a crisis check-in that, answered "no", gives this distress's answer
            add("distress or asked", intent == label or (intent == "crisis" and beside == label))
        elif label in ("abuse", "emergency"):
            add(label, intent == label)
            add("safety kind", kind == "safety")
        elif label == "crisis":
            add("crisis recall", intent == "crisis")
            # older sets label danger from others "crisis": abuse and emergency count here
            # (concern for someone else does not: it speaks to the wrong person)
            add("crisis: any safety", intent in SAFETY)
        elif label == "concern":
            add("concern", intent == label)
        elif label in ("none", "near_miss"):
            add("practice for none", kind == "practice")
            # any answer at all (a distress answer, a question) to a line that asked none
            add("answer for none", intent is not None)
            if label == "near_miss":
                add("false crisis", intent == "crisis")
                # of those, the whole crisis response, not a gentle question
                add("false crisis: full", intent == "crisis" and not asked)
                # any safety answer, whole or asked: an assault or an emergency line too
                add("false safety", intent in SAFETY)
                add("near miss: concern", intent == "concern")
        elif want in ("practice", "info") or label not in catalogue.intents:
            add("requests", intent == label)
        elif want == "control":
            add("controls", intent == label)
    return {k: (a, n) for k, (a, n) in counts.items()}


COLUMNS: tuple[str, ...] = ("requests", "crisis recall", "crisis: any safety", "false crisis")
COLUMNS += ("false crisis: full", "false safety", "practice for none", "answer for none")
COLUMNS += ("distress", "distress not none", "distress or asked", "abuse", "emergency")
COLUMNS += ("safety kind", "controls")
COLUMNS += ("concern", "near miss: concern")


def speed(parse: Parser, lines: list[str], seconds: float = 3.0) -> float:
    """Lines per second of this process's CPU time: on a machine other work shares, wall
    time would count their turns too."""
    count, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        for line in lines:
            parse(line)
        count += len(lines)
    return count / (time.process_time() - started)


def _cell(pair: tuple[int, int] | None) -> str:
    if pair is None:
        return "-"
    a, n = pair
    return f"{100 * a / n:.1f}% ({a}/{n})"


def main(argv: list[str] | None = None) -> None:
    quick = "--quick" in (sys.argv[1:] if argv is None else argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    catalogue = load_catalogue()
    IntentMatcher(catalogue)  # warm the caches (template table, trained model)
    started = time.perf_counter()
    matcher = IntentMatcher(catalogue)
    warm = time.perf_counter() - started

    def kindly(text: str) -> tuple[str | None, str, bool, str | None]:
        m = matcher.parse(text)
        return m.intent, m.kind, m.check_in, m.alternative if m.check_in else None

    def hassil_alone(text: str) -> tuple[str | None, str, bool, str | None]:
        result = recognize(text, matcher.templates)
        intent = result.intent.name if result is not None else None
        return intent, catalogue.kind_of(intent), False, None

    sets = load_sets()
    for held in (True, False):
        rows: list[list[object]] = []
        total: dict[str, tuple[int, int]] = {}
        for labelled in (s for s in sets if s.held_out == held):
            parsers = [("kindly", kindly)] + ([] if quick else [("hassil alone", hassil_alone)])
            for name, parse in parsers:
                s = score(parse, labelled, catalogue)
                rows.append(
                    [labelled.name, name, len(labelled.lines)] + [_cell(s.get(c)) for c in COLUMNS]
                )
                if name == "kindly":
                    for key, (a, n) in s.items():
                        old = total.get(key, (0, 0))
                        total[key] = (old[0] + a, old[1] + n)
        rows.append(["all of these", "kindly", "-", *(_cell(total.get(c)) for c in COLUMNS)])
        title = "HELD OUT (never read, never trained on)" if held else "TUNED ON (optimistic)"
        print(f"\n{title}")
        print(render(["set", "parser", "lines", *COLUMNS], rows))
    if quick:
        # Where missed crisis lines went, as counts only (never the lines): a low-mood
        # answer points to real help, "nothing" does not.
        for held in (True, False):
            went: dict[str, int] = {}
            asked: dict[str, int] = {}
            hurt: dict[str, int] = {}
            for labelled in (s for s in sets if s.held_out == held):
                for text, label in labelled.lines:
                    intent, kind, _, _ = kindly(text)
                    if label == "crisis" and kind != "safety":
                        went[str(intent)] = went.get(str(intent), 0) + 1
                    request = catalogue.kind_of(label) in ("practice", "info")
                    if request and label in catalogue.intents and intent != label:
                        asked[kind] = asked.get(kind, 0) + 1
                    if label in ("low_mood", "grief", "panic") and intent != label:
                        hurt[str(intent)] = hurt.get(str(intent), 0) + 1
            title = "held out" if held else "tuned on"
            print(f"missed crisis lines ({title}) answered as: {dict(sorted(went.items()))}")
            print(f"missed requests ({title}) answered as kind: {dict(sorted(asked.items()))}")
            print(f"missed distress ({title}) answered as: {dict(sorted(hurt.items()))}")
        return

    lines = [t for s in sets if not s.held_out for t, _ in s.lines]
    samples, _ = template_samples(catalogue, matcher.canon)
    tracemalloc.start()
    started = time.perf_counter()
    model = learn(catalogue, samples, matcher.canon)
    cold_train = time.perf_counter() - started
    _, peak_train = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # The cache's bytes are made before tracing: only the model loaded from them is kept.
    blob = model.to_bytes()
    from skill.nlu.semantic import SemanticModel

    tracemalloc.start()
    loaded = SemanticModel.from_bytes(blob)
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loaded
    rate = speed(kindly, lines)
    print()
    print(
        render(
            ["figure", "value", "target"],
            [
                [
                    "kindly parses/s (1 core, CPU time, tuned lines)",
                    f"{rate:,.0f}",
                    ">= 2,000",
                ],
                ["kindly CPU per parse (ms)", f"{1000 / rate:.3f}", "< 0.3"],
                ["hassil alone parses/s", f"{speed(hassil_alone, lines, 1.0):,.0f}", "-"],
                ["matcher start-up, caches warm (s)", f"{warm:.2f}", "<= 1"],
                ["semantic layer: training once per content change (s)", f"{cold_train:.1f}", "-"],
                ["semantic layer: memory kept (MB)", f"{kept / 1e6:.1f}", "<= 60"],
                ["semantic layer: peak while training (MB)", f"{peak_train / 1e6:.0f}", "-"],
                ["semantic layer: cache file (MB)", f"{len(blob) / 1e6:.1f}", "-"],
                [
                    "process max RSS (MB)",
                    f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f}",
                    "-",
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
