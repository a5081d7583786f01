"""Loading the shared data and splitting it by person.

Every person (a Twitter user, a news author) lands in exactly one of train /
val / test. The split is a pure function of the person ids and a seed (persons
are ordered by sha256(seed + id)), so every stage and every machine derives the
same split without a file to keep in sync. `describe_split()` writes it out for
the README and the evaluation report.

Formats accepted (the shapes of ../shared/data):
- tweets JSONL: one `{"user": ..., "text": ...}` per line
- tweet CSV export: a header with a `text` column and optionally `user`
  (a file without `user` is one person named after the file)
- news JSONL: `{"headline", "short_description", "authors", ...}` per line
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

REPO_ROOT = Path(__file__).resolve().parents[2]
# The training corpus. Not COMMER_DATA_DIR: that is the app's SQLite folder (main/store/paths.ts),
# and a shell that sets it for the app must not point the trainer (or its tests) at the app's data.
DEFAULT_DATA_DIR = Path(os.environ.get("COMMER_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")

TWEETS_FILE = "tweets/users40.jsonl"
NEWS_FILE = "news/huffpost.jsonl"
BOOKS_DIR = "text/gutenberg"
STORIES_FILE = "text/tiny_stories.txt"

MIN_NEWS_ARTICLES = 20  # an author needs this many articles to be a person of the headline task
SPLIT_SEED = "commer-split-v1"


@dataclass
class Article:
    headline: str
    short_description: str
    author: str

    def as_document(self) -> str:
        """An article as a profile document (the data README's form)."""
        return f"{self.headline} — {self.short_description}"


# ---------------------------------------------------------------- loaders


def load_tweets_jsonl(path: Path | str) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            text = (row.get("text") or "").strip()
            if text:
                out.setdefault(str(row.get("user", "unknown")), []).append(text)
    return out


def load_tweets_csv(path: Path | str) -> Dict[str, List[str]]:
    """A tweet CSV export (e.g. fivethirtyeight's BarackObama.csv).

    HTML entities (&amp;) are unescaped because exports carry them literally."""
    out: Dict[str, List[str]] = {}
    default_user = Path(path).stem
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            raise ValueError(f"{path}: a tweet CSV needs a 'text' column")
        for row in reader:
            text = html.unescape((row.get("text") or "").strip())
            if text:
                out.setdefault(row.get("user") or default_user, []).append(text)
    return out


def load_news_jsonl(path: Path | str) -> Dict[str, List[Article]]:
    """Articles grouped by author string; articles without an author are grouped under ''."""
    out: Dict[str, List[Article]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            a = Article(
                headline=(row.get("headline") or "").strip(),
                short_description=(row.get("short_description") or "").strip(),
                author=(row.get("authors") or "").strip(),
            )
            if a.headline:
                out.setdefault(a.author, []).append(a)
    return out


def sniff_file(path: Path | str) -> Tuple[str, dict]:
    """Detect which shared-data format a file is in and load it.

    Returns ("tweets", {person: [text]}) or ("news", {author: [Article]})."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return "tweets", load_tweets_csv(p)
    with open(p, encoding="utf-8") as f:
        first = ""
        for line in f:
            if line.strip():
                first = line
                break
    row = json.loads(first) if first else {}
    if "headline" in row:
        return "news", load_news_jsonl(p)
    if "text" in row:
        return "tweets", load_tweets_jsonl(p)
    raise ValueError(f"{path}: not a tweets JSONL, tweet CSV or news JSONL file")


def read_books(data_dir: Path = DEFAULT_DATA_DIR) -> List[str]:
    d = Path(data_dir) / BOOKS_DIR
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(d.glob("*.txt"))]


def read_stories(data_dir: Path = DEFAULT_DATA_DIR) -> List[str]:
    """The TinyStories slice as one running text (the copy has no story markers;
    paragraphs are separated by blank lines)."""
    return [(Path(data_dir) / STORIES_FILE).read_text(encoding="utf-8", errors="replace")]


# ---------------------------------------------------------------- split


def _order(persons: Iterable[str], seed: str) -> List[str]:
    return sorted(persons, key=lambda p: hashlib.sha256((seed + "\0" + p).encode()).hexdigest())


def split_persons(persons: Sequence[str], n_val: int, n_test: int, seed: str = SPLIT_SEED) -> Dict[str, List[str]]:
    """Deterministic split: persons ordered by a seeded hash; first n_test are test,
    the next n_val validation, the rest train."""
    ordered = _order(persons, seed)
    if n_val + n_test >= len(ordered):
        raise ValueError("split leaves no training persons")
    return {
        "test": sorted(ordered[:n_test]),
        "val": sorted(ordered[n_test : n_test + n_val]),
        "train": sorted(ordered[n_test + n_val :]),
    }


@dataclass
class DataSplit:
    tweets: Dict[str, List[str]]  # split name -> persons
    news: Dict[str, List[str]]
    # authors that are not persons of the headline task (< MIN_NEWS_ARTICLES, or
    # no author). Their text may be used for pre-training: they are in no
    # validation or test split.
    news_pretrain_only: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "seed": SPLIT_SEED,
            "tweets": self.tweets,
            "news": self.news,
            "news_pretrain_only_count": len(self.news_pretrain_only),
        }


def make_split(
    tweets: Dict[str, List[str]],
    news: Dict[str, List[Article]],
    tweet_val: int = 4,
    tweet_test: int = 8,
    news_val: int = 6,
    news_test: int = 10,
) -> DataSplit:
    t = split_persons(list(tweets), tweet_val, tweet_test)
    eligible = [a for a, arts in news.items() if a and len(arts) >= MIN_NEWS_ARTICLES]
    n = split_persons(eligible, news_val, news_test)
    others = sorted(a for a in news if a not in set(eligible))
    return DataSplit(tweets=t, news=n, news_pretrain_only=others)


@dataclass
class Corpus:
    tweets: Dict[str, List[str]]
    news: Dict[str, List[Article]]
    split: DataSplit
    data_dir: Path

    def tweets_of(self, split: str) -> Dict[str, List[str]]:
        return {p: self.tweets[p] for p in self.split.tweets[split]}

    def news_of(self, split: str) -> Dict[str, List[Article]]:
        return {p: self.news[p] for p in self.split.news[split]}

    def pretrain_news(self) -> List[Article]:
        """Articles allowed in pre-training: train authors plus non-person authors."""
        authors = list(self.split.news["train"]) + list(self.split.news_pretrain_only)
        return [a for au in authors for a in self.news[au]]


def load_corpus(data_dir: Path | str = DEFAULT_DATA_DIR) -> Corpus:
    """The shared data and its split (cached per folder: callers must not mutate it)."""
    return _load_corpus(str(Path(data_dir).resolve()))


@functools.lru_cache(maxsize=4)
def _load_corpus(data_dir: str) -> Corpus:
    d = Path(data_dir)
    tweets = load_tweets_jsonl(d / TWEETS_FILE)
    news = load_news_jsonl(d / NEWS_FILE)
    return Corpus(tweets=tweets, news=news, split=make_split(tweets, news), data_dir=d)


def describe_split(c: Corpus) -> str:
    lines = []
    for kind, sp in (("tweets", c.split.tweets), ("news", c.split.news)):
        for name in ("train", "val", "test"):
            lines.append(f"{kind} {name} ({len(sp[name])}): {', '.join(sp[name])}")
    lines.append(f"news authors used for pre-training text only: {len(c.split.news_pretrain_only)}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe_split(load_corpus()))
