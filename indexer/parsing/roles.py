"""Roles that speakers give themselves: "My name is Ivan Baryshev. I am a fourth-year student…".

Only a speaker whose label carries no role is read, and only the opening paragraphs of their
first turns, where people introduce themselves. A sentence counts when it says what the
speaker does ("I represent …", "I work at …", "I am a … engineer"), so "I am sure" and
"I am sorry" never become roles.
"""

import re

from indexer.parsing.transcript import Turn

INTRO_PARAGRAPHS = 3
INTRO_TURNS = 2
MAX_ROLE_CHARS = 160

OCCUPATIONS = set(
    """student students graduate postgraduate cadet pupil schoolboy schoolgirl engineer
    engineers worker workers designer designed head chief director manager deputy chairman
    chairwoman chair member members representative teacher lecturer professor researcher
    scientist doctor nurse paramedic surgeon physician specialist operator mechanic
    technician fitter welder turner electrician driver pilot officer soldier serviceman
    sergeant lieutenant captain major colonel general commander journalist correspondent
    reporter editor blogger farmer entrepreneur businessman businesswoman owner founder
    volunteer coach athlete champion employee foreman master apprentice intern economist
    lawyer accountant architect programmer developer analyst consultant adviser advisor
    mayor governor minister deputy activist organiser organizer coordinator rector dean
    principal librarian artist musician actor actress writer veteran pensioner resident
    mother father parent miner builder assembler machinist inspector""".split()
)

SENTENCE_RE = re.compile(r"[^.!?]+[.!?]?")
NAME_INTRO_RE = re.compile(r"^(?:my name is|i am|i'm)\s+(?P<rest>.+)$", re.IGNORECASE)
CLAUSE_RES = (
    re.compile(r"^(?:and )?(?:also )?i (?:also )?represent (?P<role>.+)$", re.IGNORECASE),
    re.compile(
        r"^(?:and )?(?:also )?i (?:also )?work (?P<role>(?:at|for|in|as|on) .+)$", re.IGNORECASE
    ),
    re.compile(r"^(?:and )?(?:also )?i(?: am|'m) (?:also )?(?P<role>.+)$", re.IGNORECASE),
)
CLAUSE_SPLIT_RE = re.compile(r",? and (?=i\b)|; |, (?=i (?:am|work|represent)\b)", re.IGNORECASE)


def introduced_role(turns: list[Turn], speaker: str) -> str | None:
    """Return the role a speaker states in their first turns, or None."""
    spoken = [t for t in turns if t.speaker == speaker][:INTRO_TURNS]
    roles: list[str] = []
    for turn in spoken:
        for paragraph in turn.paragraphs[:INTRO_PARAGRAPHS]:
            for sentence in SENTENCE_RE.findall(paragraph):
                roles.extend(_roles_in(sentence.strip(), speaker))
        if roles:
            break
    if not roles:
        return None
    return "; ".join(dict.fromkeys(roles))[:MAX_ROLE_CHARS].rstrip(" ,;")


def _roles_in(sentence: str, speaker: str) -> list[str]:
    sentence = sentence.rstrip(".!?").strip()
    names = {w.casefold() for w in speaker.split()}
    m = NAME_INTRO_RE.match(sentence)
    if m and m.group("rest").split()[0].strip(",").casefold() in names:
        # "My name is Amina Akhmadulina, I am a fourth-year student…": skip the name.
        rest = m.group("rest")
        after_name = re.split(r",\s*|\s+and\s+(?=I\b)|\.\s*", rest, maxsplit=1)
        sentence = after_name[1] if len(after_name) > 1 else ""
        if sentence and not re.match(r"(?i)(and )?i\b", sentence):
            # "I am Alexei Vertyankin, chief designed at this plant": the role follows.
            sentence = "I am " + sentence
    roles = []
    for clause in CLAUSE_SPLIT_RE.split(sentence):
        clause = clause.strip(" ,")
        for pattern in CLAUSE_RES:
            cm = pattern.match(clause)
            if cm and _is_occupation(cm.group("role"), pattern is CLAUSE_RES[2]):
                role = _tidy(cm.group("role"))
                words = "|".join(re.escape(n) for n in names)
                role = re.sub(rf"(?i)^(?:(?:{words})\b[ ,]*)+", "", role)
                if role:
                    roles.append(role)
                break
    return roles


def _is_occupation(role: str, needs_noun: bool) -> bool:
    words = re.findall(r"[a-z]+", role.casefold())
    if not words or len(words) > 25:
        return False
    return not needs_noun or any(w in OCCUPATIONS for w in words[:8])


def _tidy(role: str) -> str:
    role = re.sub(r"^(?:a|an|the|also)\s+", "", role.strip(), flags=re.IGNORECASE)
    role = re.sub(r"^as\s+(?:an?\s+)?", "", role, flags=re.IGNORECASE)
    role = re.split(r",\s+(?:and\s+)?(?:here\s+|so\s+)?I\b", role)[0]
    if re.match(r"(?i)(at|for|in|on)\b", role):
        role = "works " + role
    return role.strip(" ,;")
