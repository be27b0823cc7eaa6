"""Recognise speaker labels (`Role Name: text`) and split them into a name and a role.

A paragraph starts a new turn when the words before its first colon read as a speaker label:
a person's name, optionally with a role before it (`Chelyabinsk Region Governor Alexei
Teksler`) or after a comma (`Alisa Shmelyova, metrology engineer`), or an anonymous label
(`Question`, `Remark`). Ordinary sentences with a colon (`He says: …`, `Many thanks to them:
they …`) are rejected because they contain pronouns, verbs or other lower-case words that
never occur in a label, or do not end in a name.
"""

import re
from dataclasses import dataclass

MAX_LABEL_CHARS = 220

LABEL_RE = re.compile(rf"^(?P<label>[^:\n]{{1,{MAX_LABEL_CHARS}}}?)\s*:(?:\s+(?P<rest>.*)|$)")

ANONYMOUS = {
    "question",
    "questions",
    "remark",
    "remarks",
    "reply",
    "replies",
    "response",
    "answer",
    "comment",
    "operator",
    "presenter",
    "audience",
    "audience member",
    "voice",
    "voices",
    "voice from the audience",
    "question from the audience",
    "speaker",
    "participant",
    "participants",
    "volunteers",
    "interpreter",
    "moderator",
    "host",
    "unidentified speaker",
    "unidentified male",
    "unidentified female",
    "call centre operator",
    "call center operator",
    "audience question",
    "off-screen voice",
}
ANONYMOUS_NOUNS = {
    "questioner",
    "question",
    "operator",
    "member",
    "voice",
    "speaker",
    "participant",
    "caller",
    "viewer",
    "reporter",
    "journalist",
    "correspondent",
    "moderator",
    "host",
    "presenter",
    "announcer",
    "interpreter",
    "student",
    "worker",
    "resident",
    "audience",
}
ANONYMOUS_FROM_RE = re.compile(
    r"^(?P<kind>question|remark|response|reply|comment|voice)s?\s+from\s+(?P<where>.+)$",
    re.IGNORECASE,
)

# Lower-case words that may appear inside a label's role ("Director of the … Plant",
# "Sergei Mironov, Leader of A Just Russia faction in the State Duma").
CONNECTORS = {"of", "the", "and", "for", "in", "at", "on", "to", "from", "with", "under", "a"}

# Lower-case words that mark a sentence rather than a label.
SENTENCE_WORDS = set(
    """i me my we us our you your he him his she her it its they them their this that these
    those here there is are was were be being been has had do does did will would can could
    should must may might shall say says said ask asks asked tell tells told think thought
    know knew want wanted see saw mean means not no only just also very so but if as then than
    when what which who whom whose how why where because thanks thank please let lets like
    well yes now finally example instance note following namely quote all every everyone
    everybody some any writes wrote adds added continues reads took takes made makes
    asking saying telling""".split()
)

# Capitalised words that start sentences, never labels.
SENTENCE_STARTS = {
    "i",
    "he",
    "she",
    "we",
    "they",
    "it",
    "you",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "and",
    "but",
    "so",
    "then",
    "if",
    "when",
    "what",
    "why",
    "how",
    "many",
    "my",
    "our",
    "your",
    "his",
    "her",
    "their",
    "yes",
    "no",
    "well",
    "now",
    "thank",
    "thanks",
    "please",
    "as",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "to",
    "one",
    "two",
    "three",
    "second",
    "third",
    "finally",
    "note",
    "quote",
    "example",
    "ps",
    "p.s",
    "all",
    "some",
    "today",
    "yesterday",
    "tomorrow",
    "again",
    "look",
    "listen",
    "imagine",
    "remember",
    "everything",
    "nothing",
    "something",
    "once",
    "after",
    "before",
    "since",
    "because",
    "otherwise",
    "however",
    "besides",
    "moreover",
    "answer",
    "about",
    "regarding",
    "concerning",
    "dear",
    "nevertheless",
    "therefore",
    "hence",
    "thus",
    "within",
    "following",
    "last",
    "next",
    "fourth",
    "fifth",
    "sixth",
    "the",
    "a",
    "an",
    "meanwhile",
    "still",
    "yet",
    "indeed",
    "unfortunately",
    "fortunately",
    "incidentally",
    "anyway",
    "instead",
    "perhaps",
    "maybe",
    "of",
    "according",
    "speaking",
    "another",
    "other",
    "each",
    "any",
}

# Words that belong to a role or an organisation, never to a personal name.
ROLE_WORDS = set(
    """president vice prime minister governor director chairman chairwoman chairperson chair
    head deputy secretary general colonel major lieutenant captain commander admiral marshal
    ceo cfo coo professor academician ambassador mayor moderator presenter host editor chief
    member leader adviser advisor envoy aide spokesman spokeswoman press representative officer
    manager founder coach rector dean student worker engineer teacher doctor hero senator mr
    mrs ms dr sir madam region territory republic city plant factory company university
    institute centre center council ministry bank group corporation agency service committee
    club union foundation fund federation russia party faction duma academy school college
    association society board office department commission court assembly chamber news
    channel tv radio newspaper magazine forum inc jsc pjsc llc ojsc ltd plc ag sa corp
    governor-general patriarch metropolitan archbishop bishop king queen prince emperor
    chancellor sheikh emir sultan co-chair first affairs development resources education
    science protection media communications relief emergencies defence defense justice
    healthcare health culture agriculture sport sports transport energy labour labor trade
    industry finance economy policy security interior east west north south far caucasus
    government parliament senate state national federal international world olympic
    archpriest priest father abbot rabbi mufti imam bishop""".split()
)

NAME_PARTICLES = set("de da di del van von der den la le du bin ibn".split())

INITIAL_RE = re.compile(r"^[A-Z]\.?$|^[A-Z]\.[A-Z]\.?$")
WORD_RE = re.compile(r"[^\W\d_][\w’'.\-]*|\d[\w\-]*", re.UNICODE)
SENTENCE_PUNCT_RE = re.compile(r"[?!;\"“”«»]|\.\s|\.$")


@dataclass(frozen=True)
class Label:
    """A speaker label as printed, with the person's name and role split apart."""

    text: str
    name: str
    role: str | None
    anonymous: bool = False


def match_label(paragraph: str) -> tuple[str, str] | None:
    """Return (label, rest) if the paragraph has the shape `Label: rest`, else None."""
    m = LABEL_RE.match(paragraph)
    if not m:
        return None
    return m.group("label").strip(), (m.group("rest") or "").strip()


def parse_label(label: str) -> Label | None:
    """Return the `Label` if the text before a colon reads as a speaker label, else None."""
    label = " ".join(label.split())
    if not label:
        return None
    first = label.split()[0].casefold()
    if not label[0].isupper() and first not in ROLE_WORDS:
        return None
    base, paren = _split_parenthetical(label)
    if base.casefold() in ANONYMOUS:
        return Label(label, base[0].upper() + base[1:], paren, anonymous=True)
    if _is_anonymous_description(base):
        # "Audience questioner", "Call centre operator": a kind of speaker, not a person.
        return Label(label, base, paren, anonymous=True)
    if m := ANONYMOUS_FROM_RE.match(base):
        kind = m.group("kind").capitalize()
        where = m.group("where") + (f", {paren}" if paren else "")
        return Label(label, kind, where, anonymous=True)
    if _reads_as_sentence(base):
        return None
    name, role = _split_name_role(base)
    if not name:
        return None
    if paren:
        role = f"{role}, {paren}" if role else paren
    return Label(label, name, role)


def _is_anonymous_description(base: str) -> bool:
    words = base.split()
    return (
        2 <= len(words) <= 4
        and all(w.isalpha() and w.islower() for w in words[1:])
        and not any(w.casefold() in SENTENCE_WORDS | SENTENCE_STARTS for w in words)
        and (words[-1].casefold() in ANONYMOUS_NOUNS or words[0].casefold() in ANONYMOUS_NOUNS)
    )


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _split_parenthetical(label: str) -> tuple[str, str | None]:
    """Split off a trailing parenthesis: `(Daghestan)` is kept as part of the role, while a
    stage direction in lower case (`(retranslated)`, `(speaking German)`) is dropped."""
    m = re.match(r"^(?P<base>.*?)\s*\((?P<paren>[^()]*)\)$", label)
    if m and m.group("base"):
        paren = m.group("paren").strip()
        words = paren.split()
        place_like = 0 < len(words) <= 4 and all(_is_cap(w) or w in CONNECTORS for w in words)
        return m.group("base"), paren if place_like else None
    return label, None


def _reads_as_sentence(base: str) -> bool:
    if SENTENCE_PUNCT_RE.search(_mask_initials(base)):
        return True
    words = WORD_RE.findall(base)
    if not words or len(words) > 32:
        return True
    if words[0].casefold() in SENTENCE_STARTS and not _looks_like_glued_or_initial(base):
        return True
    if words[0].endswith("ing") and len(words) > 1 and words[1][0].islower():
        return True
    lower = [w for w in words if w[0].islower()]
    if any(w.casefold() in SENTENCE_WORDS for w in lower):
        return True
    if "," not in base:
        # Without a comma, the name comes last: the label must end in a capitalised word.
        last = base.split()[-1]
        if not (_is_cap(last) or _is_name_token(last)):
            return True
        # A role may hold lower-case words ("Olympic ice hockey champion"), but a label that
        # is mostly lower-case, or long and wordy, is prose.
        content_lower = [w for w in lower if w not in CONNECTORS]
        if len(content_lower) > max(5, len(words) // 2):
            return True
        if len(words) > 18 and len(content_lower) > 2:
            return True
    return False


def _mask_initials(text: str) -> str:
    # Full stops after initials and abbreviations ("N. Yakovlev", "Lt. Gen.", "Jr.") are not
    # sentence ends.
    return re.sub(r"\b(\w{1,3})\.", r"\1", text)


def _looks_like_glued_or_initial(base: str) -> bool:
    return bool(re.match(r"^[A-Z]\.", base))


def _split_name_role(base: str) -> tuple[str, str | None]:
    if (m := NAME_SUFFIX_RE.search(base)) and " " in base[: m.start()].strip():
        # "Martin Luther King Jr.", "JOHN SMITH III": the suffix belongs to the name.
        name, role = _split_name_role(base[: m.start()])
        if name:
            suffix = m.group("suffix")
            shown = suffix if not suffix.isupper() else title_word(suffix)
            return f"{name} {shown}", role
    base = _unglue(base)
    parts = [p.strip() for p in base.split(",") if p.strip()]
    if not parts:
        return "", None
    if len(parts) > 1:
        # "Alisa Shmelyova, metrology engineer"; "Lipetsk, Yevgeny Zaitsev"; "Dmitry, Moscow".
        first, last = parts[0], parts[-1]
        if _is_personal_name(last) and len(last.split()) >= 2 and len(first.split()) == 1:
            return tidy_name(last), ", ".join(parts[:-1])
        if _is_personal_name(first) and len(first.split()) >= 2:
            return tidy_name(first), ", ".join(parts[1:])
    # "Chelyabinsk Region Governor Alexei Teksler": the name ends the last part that has one.
    for i in range(len(parts) - 1, -1, -1):
        tokens = parts[i].split()
        name_tokens = _trailing_name(tokens)
        if not name_tokens or (i > 0 and len(tokens) == 1):
            continue
        role_tokens = tokens[: len(tokens) - len(name_tokens)]
        role_parts = [*parts[:i], " ".join(role_tokens), *parts[i + 1 :]]
        role = ", ".join(p for p in role_parts if p).strip(" ,–-") or None
        return tidy_name(" ".join(name_tokens)), _tidy_role(role)
    if len(parts) > 1 and _is_personal_name(parts[0]):
        return tidy_name(parts[0]), ", ".join(parts[1:])
    return _name_before_of(base)


def _name_before_of(base: str) -> tuple[str, str | None]:
    # "Patriarch Kirill of Moscow and All Russia", "King Mohammed VI of Morocco".
    words = base.split()
    for i, word in enumerate(words):
        if word != "of" or i == 0:
            continue
        head = [w for w in words[:i] if not re.fullmatch(r"[IVX]+", w)]
        name = _trailing_name(head)
        if name and len(name) < len(head):
            return tidy_name(" ".join(name)), base
        break
    return "", None


def _unglue(base: str) -> str:
    # "VladimirPutin", "VladimirPUTIN", "V.Putin" as printed on some pages.
    if " " in base:
        return base
    m = re.match(r"^([A-Z][a-z]{2,})([A-Z][A-Za-z]{2,})$", base)
    if m:
        return f"{m.group(1)} {m.group(2).title()}"
    m = re.match(r"^([A-Z]\.)([A-Z][a-z]+)$", base)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return base


def _is_name_token(tok: str) -> bool:
    if INITIAL_RE.match(tok):
        return True
    if tok.casefold() in NAME_PARTICLES or re.match(r"^(al|el|bin)-[A-Z]", tok):
        return True
    core = tok.replace("-", "").replace("’", "").replace("'", "").replace(".", "")
    return bool(core) and core.isalpha() and tok[0].isupper() and tok.casefold() not in ROLE_WORDS


def _is_personal_name(text: str) -> bool:
    tokens = text.split()
    return 1 <= len(tokens) <= 4 and all(_is_name_token(t) for t in tokens) and _is_cap(tokens[-1])


def _trailing_name(tokens: list[str]) -> list[str]:
    if not tokens:
        return []
    # A mixed-case label ending in capitals: the capitals are the name
    # ("Security Council Secretary NIKOLAI PATRUSHEV").
    if any(not t.isupper() for t in tokens):
        caps: list[str] = []
        for tok in reversed(tokens):
            if tok.isupper() and len(tok.strip(".")) > 1 and _is_name_token(tok.title()):
                caps.insert(0, tok)
            else:
                break
        if caps and len(caps) < len(tokens):
            return caps
    if len(tokens) <= 4 and all(_is_name_token(t) for t in tokens):
        return tokens
    if len(tokens) == 2 and _is_name_token(tokens[0]) and _is_cap(tokens[1]):
        # Surnames that are also titles: "John Chancellor", "John Major".
        return tokens
    # Otherwise: surname, preceded by initials or particles, preceded by one first name.
    if not _is_name_token(tokens[-1]):
        return []
    i = len(tokens) - 1
    while i > 0 and (INITIAL_RE.match(tokens[i - 1]) or tokens[i - 1].casefold() in NAME_PARTICLES):
        i -= 1
    if i > 0 and _is_name_token(tokens[i - 1]) and not INITIAL_RE.match(tokens[i - 1]):
        i -= 1
    if i == len(tokens) - 1 and i > 0 and tokens[i - 1].casefold() not in ROLE_WORDS:
        # A lone capitalised word after "of" or "and" is a place or an office, not a surname
        # ("Minister of Defence"); after a title it is one ("President Putin").
        return []
    return tokens[i:]


ROMAN_RE = re.compile(r"^(?:I{2,3}|IV|VI{0,3}|IX|X)$")
NAME_SUFFIX_RE = re.compile(r",?\s+(?P<suffix>(?:Jr|JR|Sr|SR)\.?|II|III|IV)$")
ABBREVIATIONS = {"MR": "Mr", "MRS": "Mrs", "MS": "Ms", "DR": "Dr", "JR": "Jr", "SR": "Sr"}


def tidy_name(name: str) -> str:
    """A name as printed, unless it is printed in capitals ("PATRUSHEV", "JOHN MCCAIN"): then
    title-cased, keeping initials ("HW"), numerals ("III") and Mc/O' names ("McCain",
    "O'Connor"). Mixed case is kept as written: "George HW Bush", "DeSantis"."""
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters) or len(letters) < 2:
        return name
    return " ".join(title_word(tok) for tok in name.split())


def title_word(word: str) -> str:
    """Title-case one word of a name printed in capitals."""
    core = word.strip(".")
    if core in ABBREVIATIONS:
        return word.replace(core, ABBREVIATIONS[core])
    if ROMAN_RE.match(core) or (len(core) <= 3 and not re.search(r"[AEIOUY]", core)):
        return word  # initials ("HW") and numerals ("III")
    parts = []
    for part in re.split(r"([-’'])", word):
        if part in ("-", "’", "'") or not part:
            parts.append(part)
            continue
        tidy = part[:1] + part[1:].lower()
        if re.match(r"^Mc[a-z]", tidy):
            tidy = "Mc" + tidy[2:].capitalize()
        parts.append(tidy)
    return "".join(parts)


def _tidy_role(role: str | None) -> str | None:
    # Roles printed in capitals ("SECURITY COUNCIL SECRETARY") read better in title case.
    if not role or not role.isupper() or len(role) < 4:
        return role
    words = [w.lower() if w.lower() in CONNECTORS else w.capitalize() for w in role.split()]
    words[0] = words[0].capitalize()
    return " ".join(words)


def name_key(name: str) -> str:
    """Return the case- and punctuation-insensitive key that identifies a name."""
    return " ".join(re.sub(r"[.’']", " ", name).casefold().split())


def is_initial(token: str) -> bool:
    """Return True for an initial such as `N.` or `N`."""
    return bool(INITIAL_RE.match(token))
