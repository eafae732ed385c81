"""Text normalisation shared by safety and intent matching.

Typed text and recogniser output differ in case, punctuation, contractions and the way
words get split ("my self", "a live"); both stages see the same normalised form.
"""

from __future__ import annotations

import re

_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "n't": " not",
    "i'm": "i am",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "it's": "it is",
    "that's": "that is",
    "what's": "what is",
    "there's": "there is",
    "he's": "he is",
    "she's": "she is",
    "let's": "let us",
    "ain't": "is not",
}

# Spoken forms and recogniser splits, mapped to what patterns and templates expect.
_REWRITES = {
    "wanna": "want to",
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "youre": "you are",
    # session 36 (writer_hu): more of the same, typed or written without apostrophes;
    # not "its", "ill", "well", "were" or "id", which are words of their own
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "theres": "there is",
    "wont": "will not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "werent": "were not",
    "youve": "you have",
    "weve": "we have",
    "theyve": "they have",
    # session 39 (writer_ij, read): "my flatmate said hed stab me"; not "shed" or "wed"
    "hed": "he would",
    "theyd": "they would",
    "youd": "you would",
    "youll": "you will",
    "theyll": "they will",
    "itll": "it will",
    "thatll": "that will",
    "couldve": "could have",
    "wouldve": "would have",
    "shouldve": "should have",
    "whos": "who is",
    "whats": "what is",
    "thats": "that is",
    "lets": "let us",
    "gonna": "going to",
    "gotta": "got to",
    "kinda": "kind of",
    "dunno": "do not know",
    # a break misspelt (session 40, writer_is, read); not "a brake" alone, the car's
    "take a brake": "take a break",
    "need a brake": "need a break",
    "my self": "myself",
    "miself": "myself",
    "myshelf": "myself",
    "my shelf": "myself",
    "end my live": "end my life",
    "be a life": "be alive",
    "my sel": "myself",
    "sue side": "suicide",
    "sue aside": "suicide",
    "sue icide": "suicide",
    "sewer side": "suicide",
    "suicide al": "suicidal",
    "me self": "myself",
    "a live": "alive",
    "over dose": "overdose",
    "o d": "overdose",
    "od": "overdose",
    "sui side": "suicide",
    "suicide all": "suicidal",
    "self harm": "selfharm",
    "self-harm": "selfharm",
    "no one": "nobody",
    "noone": "nobody",
    "no body": "nobody",
    "some one": "someone",
    "every one": "everyone",
    "every body": "everybody",
    "with out": "without",
    "kill in myself": "killing myself",
    "mice elf": "myself",
    "my elf": "myself",
    "un alive": "unalive",
    # recognisers often hear "won't be" as "want be", which no one says
    "i want be": "i will not be",
    "kms": "kill myself",
    "kys": "kill yourself",
    "kill ing myself": "killing myself",
    "any more": "anymore",
    "ok": "okay",
    "criticize": "criticise",
    "criticizing": "criticising",
    # text speak typed into Assist or a chat ("can u do the one for ur heart pls")
    "u": "you",
    "ur": "your",
    "ya": "you",
    "pls": "please",
    "plz": "please",
    "wat": "what",
    "wot": "what",
    "meself": "myself",
    # "me" for "my" before family (Scouse, Irish, Northern): "letters for me ma"
    "me ma": "my mum",
    "me mam": "my mum",
    "me mum": "my mum",
    "me da": "my dad",
    "me dad": "my dad",
    "me nan": "my nan",
    "me kids": "my kids",
    "me missus": "my wife",
    "me brother": "my brother",
    "me sister": "my sister",
    "me family": "my family",
    "idk": "i do not know",
    "tho": "though",
    "cuz": "because",
    "coz": "because",
}

# Dialect spoken across Britain and Ireland, as a recogniser trained on standard English
# writes it (session 41, writer_iy, iz, read): Scots "-nae" negatives, "ah" for "I",
# northern "summat" and "nowt", "kip" for sleep, "weans" and "bairns" for children.
# "din", "dis", "wid", "huv" and "win" are the Scots stems of do, does, would, have, will.
_NAE_STEMS = {"din": "do", "dis": "does", "wid": "would", "huv": "have", "win": "will"}
_NAE = {
    f"{stem}nae": f"{_NAE_STEMS.get(stem, stem)} not"
    for stem in (
        "can din did does dis would wid could should is was were have huv has will win am"
    ).split()
}
_REWRITES.update(_NAE)
_REWRITES.update({f"ah {key}": f"i {value}" for key, value in _NAE.items()})
_REWRITES.update(
    {
        "canna": "can not",
        "dinna": "do not",
        "gonnae": "going to",
        "wannae": "want to",
        "tryna": "trying to",
        "outta": "out of",
        "gimme": "give me",
        "lemme": "let me",
        "aint": "is not",
        "aint got": "has not got",
        "i aint": "i am not",
        "i aint got": "i have not got",
        "i is not": "i am not",
        "is not got": "has not got",
        "i is not got": "i have not got",
        "dinnae ken": "do not know",
        "ye ken": "you know",
        "ahm": "i am",
        **{
            f"ah {verb}": f"i {verb}"
            for verb in "am have had was will would feel need want".split()
        },
        "whit": "what",
        "doon": "down",
        "oot": "out",
        "hoose": "house",
        "heid": "head",
        "maw": "mum",
        "ma maw": "my mum",
        "naebody": "nobody",
        "naething": "nothing",
        "ye": "you",
        "yer": "your",
        "yous": "you",
        "youse": "you",
        "summat": "something",
        "summink": "something",
        "nowt": "nothing",
        "nuffin": "nothing",
        "owt": "anything",
        "kip": "sleep",
        "rn": "right now",
        "wean": "child",
        "weans": "children",
        "bairn": "child",
        "bairns": "children",
        "babby": "baby",
        "me own self": "myself",
        "wor lass": "my wife",
        "ma man": "my husband",
        "ma ain": "my own",
        **{
            f"me {noun}": f"my {noun}"
            for noun in (
                "own life head heart chest husband wife fella partner son daughter job house "
                "mate mates friends boss lass"
            ).split()
        },
    }
)

# Second-language speech drops the "to" after "want" ("I want say something kind", "I want
# stop one minute"): native speech never puts a bare verb there (session 40, writer_ir, is).
_REWRITES.update(
    {
        f"want {verb}": f"want to {verb}"
        for verb in (
            "say do make try sleep rest write feel go talk breathe start learn hear listen "
            "relax calm have take sit cry forget stop"
        ).split()
    }
)

# "nothing's" is "nothing is"; other 's are possessive ("mum's car") and are dropped.
_IS_WORDS = frozenset(
    "it that what who where how there here he she nothing something everything anything "
    "everyone someone nobody everybody somebody life today tonight this one summat nowt owt".split()
)

# "kms" after a number is a distance ("ran 20 kms this morning"), never "kill myself".
_DISTANCE = re.compile(
    r"\b(\d+|a few|few|couple|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|thousand) kms\b"
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_REWRITE_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_REWRITES, key=len, reverse=True)) + r")\b"
)
# A rewrite can only apply when the text has the first word of its key (and, for a key of
# several words, the whole key): most lines have none, and skip the regex. Per first word,
# the longer keys starting with it, or None when it is a key itself (then it applies).
_BY_FIRST: dict[str, tuple[str, ...] | None] = {}
for _key in _REWRITES:
    _first = _key.split(" ", 1)[0]
    if _first == _key:
        _BY_FIRST[_first] = None
    elif _BY_FIRST.get(_first, ()) is not None:
        _BY_FIRST[_first] = (*(_BY_FIRST.get(_first) or ()), _key)
_FIRST_WORDS = frozenset(_BY_FIRST)


def _rewritten(joined: str, words: list[str]) -> str:
    """`joined` with `_REWRITES` applied (words: its words), as `_REWRITE_RE` gives."""
    for first in _FIRST_WORDS.intersection(words):
        keys = _BY_FIRST[first]
        if keys is None or any(key in joined for key in keys):
            return _REWRITE_RE.sub(lambda m: _REWRITES[m.group(1)], joined)
    return joined


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, contractions expanded."""
    text = text.translate(_APOSTROPHES).lower().replace("-", " ")
    text = _NON_WORD.sub(" ", text)
    words = []
    for word in text.split():
        if "'" not in word:  # most words: nothing to expand
            if word in _CONTRACTIONS:  # "cannot"
                word = _CONTRACTIONS[word]
            words.append(word)
            continue
        if word.endswith("in'") and len(word) > 5:  # a dropped g, typed: "closin'", "nothin'"
            word = word[:-1] + "g"
        word = word.strip("'")
        if word in _CONTRACTIONS:
            word = _CONTRACTIONS[word]
        else:
            for suffix in ("n't", "'re", "'ve", "'ll", "'d"):
                if word.endswith(suffix):
                    word = word[: -len(suffix)] + _CONTRACTIONS[suffix]
                    break
            if word.endswith("'s") and word[:-2] in _IS_WORDS:
                word = word[:-2] + " is"
            word = word.replace("'s", "").replace("'", "")
        if word:
            words.append(word)
    joined = " ".join(words)
    if "kms" in words:
        joined = _DISTANCE.sub(r"\1 kilometres", joined)
    # Only spaces are left between words (runs of them where a contraction was split).
    return " ".join(_rewritten(joined, joined.split()).split())
