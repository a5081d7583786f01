"""Fixtures for the TypeScript port of the evaluation inputs (main/core/eval/): Python's
outputs, which the TS must reproduce string for string.

    .venv/bin/python models/scripts/make_neutralize_fixture.py            # both fixtures
    .venv/bin/python models/scripts/make_neutralize_fixture.py --all-tweets /tmp/all.json
        # every tweet instead of the sample (a one-off full check, too large for git:
        # COMMER_NEUTRALIZE_FIXTURE=/tmp/all.json node --import tsx --test test/unit/core/neutralize.test.ts)

test/fixtures/eval/neutralize.json
  cases: [input, neutralize(input)] for a deterministic sample of the shared tweets
    (users40.jsonl and BarackObama.csv, loaded as models/commer/data.py loads them and
    whitespace-collapsed as tasks.paraphrase_persons does) plus hand-made edge cases;
  unescape: [input, html.unescape(input)] for every HTML5 entity name and numeric edge cases;
  charsets: Python's \\w, \\s and pictograph sets and str.lower() as code point ranges, with
    the code points unassigned in Python's Unicode version (where JS's newer tables may differ).
test/fixtures/eval/select.json
  the evaluation examples tasks.eval_examples selects (evaluate.eval_sets' filtering):
  users40.jsonl at 20 per person, all in full; huffpost.jsonl at 5 per person, every
  author's inputs, targets and profile digest, a few authors' first profile documents.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import html.entities
import json
import platform
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.commer.data import (
    DEFAULT_DATA_DIR,
    load_news_jsonl,
    load_tweets_csv,
    load_tweets_jsonl,
)
from models.commer.neutralize import _is_pictograph, neutralize
from models.commer.tasks import (
    EVAL_DOC_COUNTS,
    eval_examples,
    headline_persons,
    paraphrase_persons,
)

OUT_DIR = ROOT / "test" / "fixtures" / "eval"
SAMPLE_USERS40 = 5000
SAMPLE_OBAMA = 2000
HEADLINE_FULL_AUTHORS = 6
PER_PERSON = {"paraphrase": 20, "headline": 5}

EDGE_CASES = [
    # the rules' own tests (models/tests/test_neutralize.py)
    "RT @bob: Apple releases update http://bit.ly/abc",
    "Loving the #Olympics today #sports #win",
    "Great day \U0001F600\U0001F389 :) <3",
    "sooooo goooood", "alllll day", "u r gr8 btw", "idk, gonna sleep 2nite",
    "I'm sure they can't and won't", "hahaha that was fun lol", "WHAT A GAME!!! who saw it???",
    "ok.. i was late", "Mac &amp; cheese", "@someone http://t.co/x #tag", "The meeting starts at noon.",
    "", " ", ".", "?!", "!!!", "...", "\u2026", "#", "@", "&", "&&", "+", "2 4 u",
    # emoji: ZWJ sequences, skin tones, flags, keycaps, variation selectors, hearts
    "Family time \U0001F468\u200D\U0001F469\u200D\U0001F467 at the beach \U0001F3D6\uFE0F",
    "thumbs up \U0001F44D\U0001F3FD for that", "go team \U0001F1FA\U0001F1F8!!", "call 1\uFE0F\u20E3 now",
    "\u2764\uFE0F love it \u2665 \u263A", "\u2b50\u2b50\u2b50 five stars", "\U0001FAE0 melting",
    "weather \u2600 \u2601 \u2602 \u2603", "check \u2713 done \u2714", "arrows \u2190 \u2192 \u21d2 ok",
    "\u00a9 2010 \u00ae \u2122 all rights", "math \u221e \u2211 \u00b1 stuff", "music \u266a\u266b la la",
    "private \ue000\uf8ff use", "\U0001F600", "\U0001F600 \U0001F600 :D :P ;) :-( :'( XD xD =) 8) ^_^ ^^ <333 (:",
    "emoticons:) mid:(word x) 8-) :-/ :\\ :| :* :3 :$ :@ :] :[ ;-) =D",
    # accents, other scripts, case mapping quirks
    "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e!!! tr\u00e8s bien", "Cafe\u0301 with a combining accent",
    "\u00dcBER COOL \u00c7A VA", "STRASSE stra\u00dfe \u1e9e", "\u0130stanbul \u0130ZM\u0130R \u0131s\u0131k",
    "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u039a\u0391\u0399 \u03a3", "\u03c3\u03bf\u03c6\u03af\u03b1 \u03a3\u039f\u03a6\u0399\u0391\u03a3.",
    "\u041f\u0440\u0438\u0432\u0435\u0442 \u041c\u0418\u0420!!! \u043a\u0430\u043a \u0434\u0435\u043b\u0430?",
    "\u4eca\u5929\u5929\u6c14\u5f88\u597d #\u5929\u6c14 @\u670b\u53cb", "\u65e5\u672c\u8a9e\u306e\u30c4\u30a4\u30fc\u30c8\u3067\u3059\u3002\u3088\u308d\u3057\u304f\uff01",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 #\u0633\u0644\u0627\u0645", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\ud55c\uad6d\uc5b4 \ud2b8\uc717 \u314b\u314b\u314b", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 555",
    "\u216b o'clock \u2460 \u00bd \u00b2 \u0663\u0664", "\u212a is Kelvin and \u017f is long s: \u212aK", "\u0130'm \u0130T'S \u0131'd ok",
    "VIA @bob \u0130 V\u0130A @x v\u0131a @y", "\u01c5 \u01c8 title case \u1f88", "\uff28\uff45\uff4c\uff4c\uff4f fullwidth \uff01\uff01",
    # entities
    "AT&amp;T &lt;3 &gt; &quot;quoted&quot; &#39;single&#39; &apos;", "&amp;amp; double &amp;lt;",
    "&nbsp;spaces&nbsp;&nbsp;here", "&hellip; and &mdash; and &ndash; &rsquo;s", "&#8217;s &#x2019;s &#8220;hi&#8221;",
    "&ampxyz &notit; &copy2010 &lt3 &LT &AMP &Amp;", "&#128512; &#x1F600; &#0; &#1; &#13; &#128; &#x9d; &#xD800; &#1114112;",
    "&unknown; & amp; &#; &#x; &#65 &#x41", "&#65279;bom &#xfeff; &#8203;zwsp",
    # contractions and abbreviations
    "I'd've done it, y'all, 'em and them, shouldn't've", "DON'T WON'T CAN'T AIN'T Isn't", "he's she's it's what's who's there's",
    "they're we've you'll I'll she'd we'd", "Don\u2019t stop \u2018em \u201cnow\u201d", "ppl's b/c w/ w/o (u) u, \"u\" [u] ur",
    "constructor __proto__ toString hasOwnProperty valueOf", "ill im ive dont cant wont thats", "k kk ok OK Ok yep nah nope",
    # hashtags, mentions, URLs
    "#FF @a @b @c", "Watch this #video http://youtu.be/x #fun #lol", "#1 fan of #Caf\u00e9 #\u00fcber",
    "email me at bob@example.com or @bob:", "visit www.example.com/path?q=1 or example.org/x", "see bit.ly/abc and goo.gl/x and t.co/y",
    "HTTP://EXAMPLE.COM/UP https://x.y/z?a=b&amp;c=d", "(via @nytimes) big news", "big news (http://t.co/abc)",
    "link: http://t.co/abc.", "RT: something", "RTs are fine", "rt @x hey", "  RT   @x:   spaced out  ",
    # laughter, repeats, punctuation
    "LOLOLOL hahahahah heheh lmfao roflmao smh omggg xoxo", "ahahaha ha haha hahh hehe", "nooooo wayyyy yessss pleeeease",
    "Whyyyy??? sooo bored!!! ...", "what?!?! really?!", "a , b ;; c :: d", "\"quoted\" *bold* _under_ ~strike~ |pipe|",
    "wait - what - ok -", "- leading dash", "end with colon:", "( ) empty ( ) brackets (", "i think i am i",
    "3.14 is pi. 2.5 is not! i.e. e.g.", "one.two three?four", "Mr. Smith goes to Washington",
    "tab\there\u00a0nbsp\u2003em\u3000ideographic", "line\u2028sep\u2029para\u0085nel", "zero\u200bwidth\ufeffbom",
    "x\u001cfs\u001fus", "lone \ud83d surrogate \ude00 here", "_underscore_ start", "\u00bfQu\u00e9? \u00a1S\u00ed!",
]


def ranges(cps):
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def charsets():
    W, S = re.compile(r"\w"), re.compile(r"\s")
    w, s, pict, unassigned, lower = [], [], [], [], {}
    for cp in range(0x110000):
        c = chr(cp)
        if W.match(c):
            w.append(cp)
        if S.match(c):
            assert c.isspace()
            s.append(cp)
        if _is_pictograph(c):
            pict.append(cp)
        if unicodedata.category(c) == "Cn":
            unassigned.append(cp)
        elif not 0xD800 <= cp <= 0xDFFF and c.lower() != c:
            lower[str(cp)] = c.lower()
    return {"unicode": unicodedata.unidata_version, "unassigned": ranges(unassigned), "w": ranges(w), "s": ranges(s), "pict": ranges(pict), "lower": lower}


def unescape_cases():
    names = sorted(html.entities.html5)
    inputs = []
    for n in names:
        inputs += [f"&{n}", f"x&{n}x", f"&{n};"] if not n.endswith(";") else [f"&{n}", f"&{n}y"]
    for num in [0, 1, 8, 9, 10, 11, 13, 31, 32, 65, 127, 128, 129, 141, 150, 159, 160, 0xD7FF, 0xD800, 0xDFFF, 0xE000,
                0xFDD0, 0xFDEF, 0xFDF0, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1FFFE, 0x1F600, 0x10FFFF, 0x110000, 10**20]:
        inputs += [f"&#{num};", f"&#{num}", f"&#x{num:x};", f"&#X{num:X}z", f"a&#00{num};b"]
    inputs += ["&", "&;", "&#", "&#;", "&#x;", "&#xg;", "& amp;", "&" + "a" * 40 + ";", "&amp;amp;", "&&amp;", "&am&amp;"]
    return [[i, html.unescape(i)] for i in inputs]


def sample(texts, n):
    """Deterministic: the n texts with the smallest sha256 (distinct texts only)."""
    uniq = sorted(set(texts), key=lambda t: hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest())
    return uniq if n is None else uniq[:n]


def dump(obj, path: Path) -> None:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # lone surrogates cannot be written as UTF-8: escape them inside the JSON strings
    text = re.sub(r"[\ud800-\udfff]", lambda m: f"\\u{ord(m.group(0)):04x}", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def neutralize_fixture(data: Path, all_tweets: bool) -> dict:
    users40 = [" ".join(t.split()) for ts in load_tweets_jsonl(data / "tweets/users40.jsonl").values() for t in ts]
    obama = [" ".join(t.split()) for ts in load_tweets_csv(data / "tweets/BarackObama.csv").values() for t in ts]
    tweets = sample(users40, None if all_tweets else SAMPLE_USERS40) + sample(obama, None if all_tweets else SAMPLE_OBAMA)
    inputs = list(dict.fromkeys(EDGE_CASES + [" ".join(t.split()) for t in EDGE_CASES] + tweets))
    return {
        "generator": "models/scripts/make_neutralize_fixture.py",
        "python": platform.python_version(),
        "sources": {
            "users40.jsonl": {"tweets": len(users40), "distinct_in_cases": len(set(users40) & set(tweets))},
            "BarackObama.csv": {"tweets": len(obama), "distinct_in_cases": len(set(obama) & set(tweets))},
            "edge_cases": len(EDGE_CASES),
        },
        "cases": [[t, neutralize(t)] for t in inputs],
        "unescape": unescape_cases(),
        "charsets": charsets(),
    }


def _digest(docs) -> str:
    return hashlib.sha256("\0".join(docs).encode("utf-8")).hexdigest()


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def select_fixture(data: Path) -> dict:
    max_docs = max(EVAL_DOC_COUNTS)

    def grouped(examples):
        out = {}
        for e in examples:
            g = out.setdefault(e.person, {"person": e.person, "task": e.task, "profile_len": len(e.profile),
                                          "profile_sha256": _digest(e.profile), "profile8": e.profile[:8], "examples": []})
            assert g["profile8"] == e.profile[:8]
            g["examples"].append([e.input, e.target])
        return list(out.values())

    tweets_path, news_path = data / "tweets/users40.jsonl", data / "news/huffpost.jsonl"
    tps = paraphrase_persons(load_tweets_jsonl(tweets_path))
    para = grouped(eval_examples([p for p in tps if len(p.items) >= 2], PER_PERSON["paraphrase"], max_docs=max_docs))
    news = {a: v for a, v in load_news_jsonl(news_path).items() if a}
    hps = headline_persons(news)
    kept = [p for p in hps if len(p.items) >= 2]
    head = grouped(eval_examples(kept, PER_PERSON["headline"], max_docs=max_docs))
    # first profile documents for a few authors: the largest, and small ones near the >= 2 items cut
    by_size = sorted(head, key=lambda g: (-len(news[g["person"]]), g["person"]))
    small = sorted(head, key=lambda g: (len(news[g["person"]]), g["person"]))
    full = {g["person"] for g in by_size[: HEADLINE_FULL_AUTHORS // 2] + small[: HEADLINE_FULL_AUTHORS // 2]}
    for g in head:
        if g["person"] not in full:
            g["profile8"] = None
    return {
        "generator": "models/scripts/make_neutralize_fixture.py",
        "max_docs": max_docs,
        "min_items": 2,
        "paraphrase": {"file": "tweets/users40.jsonl", "sha256": _file_sha(tweets_path), "per_person": PER_PERSON["paraphrase"],
                       "persons_in_file": len(tps), "persons": para},
        "headline": {"file": "news/huffpost.jsonl", "sha256": _file_sha(news_path), "per_person": PER_PERSON["headline"],
                     "persons_in_file": len(hps), "dropped_under_min_items": len(hps) - len(kept),
                     "full_authors": sorted(full), "persons": head},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--all-tweets", type=Path, help="write a neutralize fixture of every tweet here (instead of both fixtures)")
    a = ap.parse_args(argv)
    if a.all_tweets:
        dump(neutralize_fixture(a.data, True), a.all_tweets)
        return 0
    dump(neutralize_fixture(a.data, False), OUT_DIR / "neutralize.json")
    dump(select_fixture(a.data), OUT_DIR / "select.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
