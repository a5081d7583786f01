"""ROUGE-L parity fixture: Python's (precision, recall, F1) for pairs the app's
main/core/rouge.ts must score the same (test/unit/core/rouge-parity.test.ts, to 1e-9).

    .venv/bin/python models/scripts/make_rouge_fixture.py

test/fixtures/eval/rouge.json
  cases: [candidate, reference, precision, recall, f1] from models/commer/rouge.py for
  - neutralize(tweet) against the tweet (what an evaluated paraphrase looks like),
  - a tweet against another tweet of the same person (users40.jsonl),
  - hand-made edge cases: empty sides, punctuation only, emoji, accents (precomposed and
    combining), case mapping quirks, other scripts, digits, underscores, repeated tokens.
The tweets are a deterministic sample (ordered by sha256 of the text), so rerunning the
script on the same data writes the same file.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.commer.data import DEFAULT_DATA_DIR, TWEETS_FILE, load_tweets_jsonl
from models.commer.neutralize import neutralize
from models.commer.rouge import rouge_l

OUT = ROOT / "test" / "fixtures" / "eval" / "rouge.json"
N_NEUTRALIZED = 150
N_SAME_PERSON = 150

EDGE_CASES = [
    ("", ""),
    ("", "a reference"),
    ("a candidate", ""),
    (" ", "\t\n"),
    ("...", "!!!"),
    ("?!", "hello?!"),
    ("#", "@ # & _"),
    ("___", "a_b"),
    ("snake_case words", "snake case words"),
    ("\U0001F600", "\U0001F600"),
    ("great day \U0001F600\U0001F389", "great \U0001F389 day"),
    ("family \U0001F468\u200D\U0001F469\u200D\U0001F467 time", "family time"),
    ("thumbs \U0001F44D\U0001F3FD up", "thumbs up"),
    ("Caf\u00e9 cr\u00e8me", "cafe creme"),
    ("Caf\u00e9 cr\u00e8me", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e"),
    ("Cafe\u0301 with a combining accent", "Caf\u00e9 with a combining accent"),
    ("HELLO World", "hello world"),
    ("\u00dcBER COOL \u00c7A VA", "\u00fcber cool \u00e7a va"),
    ("STRASSE stra\u00dfe \u1e9e", "strasse strasse \u00df"),
    ("\u0130stanbul \u0130ZM\u0130R", "istanbul izmir"),
    ("\u0131s\u0131k I", "isik i"),
    ("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2"),
    ("\u041f\u0440\u0438\u0432\u0435\u0442 \u041c\u0418\u0420", "\u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440"),
    ("\u4eca\u5929\u5929\u6c14\u5f88\u597d", "\u4eca\u5929 \u5929\u6c14 \u5f88\u597d"),
    ("\u65e5\u672c\u8a9e\u306e\u30c4\u30a4\u30fc\u30c8", "\u65e5\u672c\u8a9e"),
    ("\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", "\u0645\u0631\u062d\u0628\u0627"),
    ("\ud55c\uad6d\uc5b4 \ud2b8\uc717", "\ud55c\uad6d\uc5b4"),
    ("\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0928\u092e\u0938\u094d\u0924\u0947"),
    ("\uff28\uff45\uff4c\uff4c\uff4f fullwidth", "hello fullwidth"),
    ("\u216b o'clock \u2460 \u00bd \u00b2 \u0663\u0664", "xii o clock 1 1 2 2 34"),
    ("3.14 is pi", "3 14 is pi"),
    ("2nd 1st 10x", "2nd 1st 10x"),
    ("don't can't won't", "don t can t won t"),
    ("the the the", "the"),
    ("the", "the the the"),
    ("a b c d e f", "f e d c b a"),
    ("a b a b a b", "b a b a b a"),
    ("police killed the gunman", "police kill the gunman"),
    ("zero\u200bwidth space", "zerowidth space"),
    ("nbsp\u00a0here", "nbsp here"),
    ("K\u212a kelvin", "kk kelvin"),
    ("\u01c5 \u01c8 title", "\u01c6 \u01c9 title"),
]


def _order(texts):
    return sorted(set(texts), key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())


def main() -> None:
    by_user = load_tweets_jsonl(DEFAULT_DATA_DIR / TWEETS_FILE)
    pairs = list(EDGE_CASES)
    sample = _order(" ".join(t.split()) for v in by_user.values() for t in v)
    pairs += [(neutralize(t), t) for t in sample[:N_NEUTRALIZED]]
    same = []
    for user in sorted(by_user):
        ts = _order(" ".join(t.split()) for t in by_user[user])
        same += list(zip(ts[0::2], ts[1::2]))[:4]
    pairs += _order_pairs(same)[:N_SAME_PERSON]
    cases = [[c, r, *rouge_l(c, r)] for c, r in pairs]
    out = {
        "generator": "models/scripts/make_rouge_fixture.py",
        "python": platform.python_version(),
        "source": TWEETS_FILE,
        "counts": {"edge": len(EDGE_CASES), "neutralized": N_NEUTRALIZED, "same_person": len(cases) - len(EDGE_CASES) - N_NEUTRALIZED},
        "fields": ["candidate", "reference", "precision", "recall", "f1"],
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({k: v for k, v in out.items() if k != "cases"}, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)  # one case per line: reviewable diffs
    OUT.write_text(f'{head}, "cases": [\n{body}\n]}}\n', encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases")


def _order_pairs(pairs):
    return sorted(pairs, key=lambda p: hashlib.sha256((p[0] + "\0" + p[1]).encode("utf-8")).hexdigest())


if __name__ == "__main__":
    main()
