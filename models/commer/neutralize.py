"""Rule-based neutral versions of tweets: the *input* of the paraphrase task.

There is no paraphrasing model here, so the neutral version of a tweet is made by
rule (the data README's recipe). The rules remove what marks a voice and keep what
the tweet says:

1. unescape HTML entities (&amp; -> &), drop a leading "RT" and "via @x"
2. strip links, @mentions, emoji / pictographs and text emoticons
3. hashtags: a trailing run of hashtags is dropped, an inline #Word becomes Word
4. drop laughter and filler interjections (lol, haha, lmao, omg ...)
5. collapse letters repeated 3+ times ("sooooo" -> "so", "gooood" -> "good")
6. expand common abbreviations, slang and contractions (u -> you, 2day -> today,
   don't -> do not, gonna -> going to ...)
7. normalize case and punctuation: lowercase, runs of !/?/. become one mark,
   "!" becomes ".", sentences start with a capital, "i" -> "I", a final "." is
   added when the tweet ends without punctuation; whitespace is collapsed.

`neutralize()` is pure and deterministic; tests in models/tests/test_neutralize.py
pin each rule.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

URL_RE = re.compile(r"(https?://\S+|www\.\S+|\b\S+\.(?:com|ly|net|org|me|gl|co)/\S*)", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<!\w)@\w+:?")
TRAILING_TAGS_RE = re.compile(r"(\s*#\w+)+\s*$")
HASHTAG_RE = re.compile(r"(?<!\w)#(\w+)")
RT_RE = re.compile(r"^\s*RT\b:?\s*", re.IGNORECASE)
VIA_RE = re.compile(r"\(?\bvia\s+@\w+\)?", re.IGNORECASE)
EMOTICON_RE = re.compile(
    r"(?<!\w)(?:[:;=8xX][-o^']?[)(\]\[dDpP/\\|*3$@]+|<3+|\^_?\^|[)(]+[-o^']?[:;=]|:'\()(?!\w)"
)
REPEAT_RE = re.compile(r"([a-zA-Z])\1{2,}")

# Words a collapsed letter run most likely comes from when the single-letter form
# is a common word ("sooo" -> "so", not "soo"); otherwise runs become double
# letters ("gooood" -> "good", "alll" -> "all").
COMMON_SINGLE = {
    "so", "no", "go", "oh", "ah", "hi", "yes", "yay", "hey", "wow", "ok", "okay", "me", "we", "he",
    "she", "you", "yo", "ya", "ha", "why", "what", "now", "how", "please", "love", "omg", "thanks",
    "that", "this", "fun", "hot", "bad", "sad", "mad", "hate", "nice", "cute", "great", "yeah",
    "yea", "ugh", "my", "boy", "girl", "man", "right", "day", "guys", "kids", "up", "hm", "hmm",
    "uh", "um", "huh", "ooh",
}

LAUGHTER = re.compile(
    r"(?<!\w)(?:l+o+l+z*|l+m+f*a+o+|r+o+f+l+|(?:ha){2,}h?|(?:he){2,}h?|ha+|a*h+a+h+a+[ha]*|he+he+|omg+|smh|xo+x+o*|xoxo)(?!\w)",
    re.IGNORECASE,
)

# Expansions applied word by word (matched lowercase, whole words only).
ABBREVIATIONS = {
    "u": "you", "ur": "your", "r": "are", "y": "why", "n": "and", "b": "be", "c": "see",
    "2day": "today", "2nite": "tonight", "2night": "tonight", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "gr8": "great",
    "b4": "before", "l8r": "later", "thx": "thanks", "thanx": "thanks", "tx": "thanks",
    "ty": "thank you", "pls": "please", "plz": "please", "idk": "I do not know",
    "imo": "in my opinion", "imho": "in my opinion", "btw": "by the way", "fyi": "for your information",
    "tho": "though", "thru": "through", "cuz": "because", "coz": "because", "bc": "because",
    "b/c": "because", "w/": "with", "w/o": "without", "wanna": "want to", "gonna": "going to",
    "gotta": "got to", "kinda": "kind of", "sorta": "sort of", "ya": "you", "yall": "you all",
    "y'all": "you all", "im": "I am", "ive": "I have", "ill": "I will", "dont": "do not",
    "cant": "cannot", "wont": "will not", "didnt": "did not", "doesnt": "does not",
    "isnt": "is not", "wasnt": "was not", "aint": "is not", "shouldnt": "should not",
    "couldnt": "could not", "wouldnt": "would not", "thats": "that is", "whats": "what is",
    "theres": "there is", "youre": "you are", "nite": "night", "luv": "love", "bday": "birthday",
    "ppl": "people", "prob": "probably", "probs": "probably", "def": "definitely",
    "jk": "just kidding", "nvm": "never mind", "np": "no problem", "ok": "okay", "k": "okay",
    "kk": "okay", "yea": "yes", "yeah": "yes", "yep": "yes", "nope": "no", "nah": "no",
    "msg": "message", "pic": "picture", "pics": "pictures", "srsly": "seriously", "rly": "really",
    "ppl's": "people's", "bro": "brother", "sis": "sister", "gf": "girlfriend", "bf": "boyfriend",
    "&": "and", "+": "and", "abt": "about", "wat": "what", "wut": "what", "dat": "that",
    "da": "the", "dis": "this", "dem": "them", "em": "them", "cause": "because", "til": "until",
    "till": "until", "bout": "about", "wit": "with", "sum": "some", "lil": "little", "2": "to",
    "4": "for", "gud": "good", "gn": "good night", "gm": "good morning", "mins": "minutes",
    "min": "minute", "hrs": "hours", "hr": "hour", "sec": "second", "convo": "conversation",
    "fav": "favorite", "fave": "favorite", "info": "information", "esp": "especially",
    "vs": "versus", "govt": "government", "dept": "department", "st": "street",
}

CONTRACTIONS = [
    (re.compile(r"(?<!\w)'em\b", re.I), "them"),
    (re.compile(r"\bwon't\b", re.I), "will not"),
    (re.compile(r"\bcan't\b", re.I), "cannot"),
    (re.compile(r"\bain't\b", re.I), "is not"),
    (re.compile(r"\b(\w+)n't\b", re.I), r"\1 not"),
    (re.compile(r"\bi'm\b", re.I), "I am"),
    (re.compile(r"\b(\w+)'re\b", re.I), r"\1 are"),
    (re.compile(r"\b(\w+)'ve\b", re.I), r"\1 have"),
    (re.compile(r"\b(\w+)'ll\b", re.I), r"\1 will"),
    (re.compile(r"\b(i|you|he|she|we|they)'d\b", re.I), r"\1 would"),
    (re.compile(r"\b(it|that|what|there|here|who|he|she)'s\b", re.I), r"\1 is"),
]


def _is_pictograph(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF:
        return True
    if cp in (0xFE0F, 0x200D, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF:
        return True
    cat = unicodedata.category(ch)
    return cat in ("So", "Cs", "Co")


def strip_emoji(text: str) -> str:
    return "".join(" " if _is_pictograph(c) else c for c in text)


def collapse_repeats(text: str) -> str:
    """Letters repeated 3+ times: to one letter when that gives a common word
    ("sooo" -> "so"), else to two ("gooood" -> "good")."""

    def fix(word: str) -> str:
        if not REPEAT_RE.search(word):
            return word
        double = REPEAT_RE.sub(lambda m: m.group(1) * 2, word)
        single = REPEAT_RE.sub(lambda m: m.group(1), word)
        if single.lower() in COMMON_SINGLE:
            return single
        return double

    return re.sub(r"[A-Za-z]+", lambda m: fix(m.group(0)), text)


def expand_words(text: str) -> str:
    for pat, rep in CONTRACTIONS:
        text = pat.sub(rep, text)
    out = []
    for tok in re.split(r"(\s+)", text):
        if not tok or tok.isspace():
            out.append(tok)
            continue
        # split off surrounding punctuation so "u," and "(u)" expand too
        m = re.match(r"^([\"'(\[]*)(.*?)([.,!?;:\"')\]]*)$", tok)
        assert m is not None
        lead, core, trail = m.groups()
        rep = ABBREVIATIONS.get(core.lower())
        out.append(lead + (rep if rep is not None else core) + trail)
    return "".join(out)


def normalize_punctuation_and_case(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2026", "...")
    text = re.sub(r"[\"*_~|]+", " ", text)  # emphasis and quote marks carry voice, not content
    text = re.sub(r"\(\s*\)|\(\s*(?=[.!?]*\s*$)", " ", text)  # brackets a removed link left empty
    text = re.sub(r"\s*[!?.](?:\s*[!?.])*", lambda m: ("?" if "?" in m.group(0) else "."), text)
    text = re.sub(r"\s*([,;:])[,;:]*", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip(" -:,;")
    text = text.lower()
    text = re.sub(r"\bi\b", "I", text)
    # capitalize sentence starts
    text = re.sub(r"([.?,;:])(?=[A-Za-z])", r"\1 ", text)
    text = re.sub(r"(^|[.?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    if text and text[-1] not in ".?":
        text += "."
    return text


@functools.lru_cache(maxsize=65536)
def neutralize(text: str) -> str:
    """The neutral version of one tweet (see the module doc for the rules)."""
    t = html.unescape(text)
    t = RT_RE.sub("", t)
    t = VIA_RE.sub(" ", t)
    t = URL_RE.sub(" ", t)
    t = MENTION_RE.sub(" ", t)
    t = strip_emoji(t)
    t = EMOTICON_RE.sub(" ", t)
    t = TRAILING_TAGS_RE.sub("", t)
    t = HASHTAG_RE.sub(r"\1", t)
    t = collapse_repeats(t)
    t = LAUGHTER.sub(" ", t)
    t = expand_words(t)
    t = normalize_punctuation_and_case(t)
    return "" if t in (".", "?") else t


if __name__ == "__main__":
    import sys

    for line in sys.stdin:
        print(neutralize(line.rstrip("\n")))
