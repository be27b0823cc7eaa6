"""Roles that speakers give themselves: "My name is Ivan Baryshev. I am a fourth-year student…".

Only a speaker whose label carries no role is read, and only the opening paragraphs of their
first turns, where people introduce themselves; an anonymous turn ("Question: My name is …,
I am a third-year student") is read on its own, each such turn being someone else. A sentence
counts when it says what the speaker does ("I represent …", "I work at …", "I am a …
engineer"), so "I am sure" and "I am sorry" never become roles. A role reads as one: it is
cut where the sentence goes on ("… and it's truly an honor to be here"), family ("a father of
sons", "a mother of two") is not an occupation, and what is left must be short.
"""

import re

from indexer.parsing.transcript import Turn

INTRO_PARAGRAPHS = 3
INTRO_TURNS = 2
INTRO_SENTENCES = 12  # captions have no paragraphs: the opening is counted in sentences too
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
    miner builder assembler machinist inspector instructor oncologist neonatologist
    ecologist consultant producer anchor presenter moderator commentator photographer
    cameraman ceo executive president secretary senator congressman congresswoman
    councillor councilman councilwoman clerk officer agent firefighter policeman
    policewoman trucker cashier retiree homemaker composer painter poet sculptor
    filmmaker landlord voter winner laureate trainee chef cook baker waiter banker
    investor trader broker dentist pharmacist vet veterinarian nanny carer caregiver
    attorney judge prosecutor economist statistician historian philosopher diplomat
    ambassador""".split()
)
OCCUPATION_RE = re.compile(r"^[a-z]+(?:ologist|iatrist|ician|ographer|ineer)$")
# An affiliation named after a speaker's name: "I'm Bob Schieffer of CBS News", "My name is
# Luan Hai, Xinhua News", "I am Yelena Agamyan from the Novosibirsk State TV … Company".
ORGANISATION_WORDS = set(
    """news tv channel agency company corporation fund club community union centre center
    university institute academy college newspaper magazine radio television broadcasting
    service ministry committee council party foundation association society group bank
    management network journal times post gazette press media daily newshour hour pbs cbs
    nbc abc cnn fox bbc cctv xinhua reuters bloomberg associated""".split()
)
# A role does not start with these: "I am sure that…", "I am glad…", "I am here…".
NOT_ROLE_STARTS = set(
    """sure glad happy pleased grateful thankful certain convinced confident afraid sorry
    honoured honored proud here there going trying talking asking speaking not very so
    really just calling delighted excited worried concerned interested told aware able
    about from personally extremely deeply truly particularly absolutely""".split()
)
MAX_ROLE_WORDS = 16
MAX_ORGANISATION_WORDS = 10

SENTENCE_RE = re.compile(r"[^.!?]+[.!?]?")
NAME_INTRO_RE = re.compile(r"^(?:my name is|i am|i'm)\s+(?P<rest>.+)$", re.IGNORECASE)
CLAUSE_RES = (
    re.compile(r"^(?:and )?(?:also )?i (?:also )?represent (?P<role>.+)$", re.IGNORECASE),
    re.compile(
        r"^(?:and )?(?:also )?i (?:also )?(?:work|am working|'m working) "
        r"(?P<role>(?:at|for|in|as|on) .+)$",
        re.IGNORECASE,
    ),
    re.compile(r"^(?:and )?(?:also )?i (?:also )?(?P<role>teach (?:at|in) .+)$", re.IGNORECASE),
    re.compile(r"^(?:and )?(?:also )?i(?: am|'m) (?:also )?(?P<role>.+)$", re.IGNORECASE),
)
CLAUSE_END_RE = re.compile(
    r",?\s+and\s+(?=(?:it|it's|it’s|i|i'm|i’m|we|this|that|there|so|now|my|our|today|"
    r"here|your|you|his|her|their|they|he|she)\b)|;|,\s+(?=(?:and\s+)?(?:so|but|which|who|where|because|"
    r"since|as)\b)",
    re.IGNORECASE,
)
I_AM = CLAUSE_RES[-1]  # "I am a …": a role only with an occupation noun
# What people say before introducing themselves: "Mr President, I am …".
GREETING_RE = re.compile(
    r"^(?:(?:mr|mrs|ms|madam|dear|senator|governor|president|congressman|congresswoman|"
    r"secretary|professor)\.?\s+[\w-]+|good (?:afternoon|morning|evening|day)|hello|"
    r"hi|yes|thank you(?: very much)?|colleagues|friends|sir)\s*[,!]\s*",
    re.IGNORECASE,
)
AS_A_RE = re.compile(r"(?:^|,\s*)as an? (?P<role>[^,]{3,80}),\s*i\b", re.IGNORECASE)
CLAUSE_SPLIT_RE = re.compile(r",? and (?=i\b)|; |, (?=i (?:am|work|represent)\b)", re.IGNORECASE)


def introduced_role(turns: list[Turn], speaker: str) -> str | None:
    """Return the role a speaker states in their first turns, or None."""
    return _stated_role([t for t in turns if t.speaker == speaker][:INTRO_TURNS], speaker)


def turn_role(turn: Turn) -> str | None:
    """Return the role the speaker of an anonymous turn states in it, or None."""
    return _stated_role([turn], "")


def _stated_role(spoken: list[Turn], speaker: str) -> str | None:
    roles: list[str] = []
    for turn in spoken:
        opening = [s for p in turn.paragraphs[:INTRO_PARAGRAPHS] for s in SENTENCE_RE.findall(p)]
        for sentence in opening[:INTRO_SENTENCES]:
            roles.extend(_roles_in(sentence.strip(), speaker))
        if roles:
            break
    if not roles:
        return None
    return "; ".join(dict.fromkeys(roles))[:MAX_ROLE_CHARS].rstrip(" ,;")


def _roles_in(sentence: str, speaker: str) -> list[str]:
    sentence = sentence.rstrip(".!?").strip()
    while greeting := GREETING_RE.match(sentence):
        sentence = sentence[greeting.end() :]
    names = {w.casefold() for w in speaker.split()}
    m = NAME_INTRO_RE.match(sentence)
    if m and not names:
        # An anonymous speaker names themselves: "My name is Ivan Petrov, …", "I am David
        # Akhvlediani, channel TV9".
        head = m.group("rest").split(",")[0].split()
        if sentence.lower().startswith("my name is") or (
            "," in m.group("rest") and 2 <= len(head) <= 4 and all(w[:1].isupper() for w in head)
        ):
            names = {w.strip(",").casefold() for w in head[:4]}
    named = m is not None and m.group("rest").split()[0].strip(",").casefold() in names
    if not named and names and speaker and sentence.casefold().startswith(speaker.casefold()):
        # "Anton Vernitsky, Channel One.": the name, then what they are.
        m, named = re.match(r"^(?P<rest>.+)$", sentence), True
    if m and named:
        # "My name is Amina Akhmadulina, I am a fourth-year student…": skip the name.
        rest = m.group("rest")
        after_name = re.split(
            r"[,;]\s*|\s+and\s+(?=I\b)|\.\s*|\s+(?=(?:of|from)\s)", rest, maxsplit=1
        )
        sentence = after_name[1] if len(after_name) > 1 else ""
        organisation = _organisation(sentence)
        if organisation:
            return [organisation]
        if sentence and not re.match(r"(?i)(and )?i\b", sentence):
            # "I am Alexei Vertyankin, chief designed at this plant": the role follows.
            sentence = "I am " + sentence
    elif m and m.group("rest").startswith("from ") and (org := _organisation(m.group("rest"))):
        return [org]  # "I am from Metzler Asset Management"
    if (a := AS_A_RE.search(sentence)) and _is_occupation(a.group("role"), True):
        # "As a reserve officer, I am interested…"
        return [_short(_tidy(a.group("role")))] if _short(_tidy(a.group("role"))) else []
    roles = []
    for clause in CLAUSE_SPLIT_RE.split(sentence):
        clause = clause.strip(" ,")
        for pattern in CLAUSE_RES:
            cm = pattern.match(clause)
            if cm and _is_occupation(cm.group("role")[:300], pattern is I_AM):
                role = _tidy(cm.group("role"))
                if names:
                    words = "|".join(re.escape(n) for n in names)
                    role = re.sub(rf"(?i)^(?:(?:{words})\b[ ,]*)+", "", role)
                role = _short(role)
                if role and _is_occupation(role, pattern is I_AM):
                    roles.append(role)
                break
    return roles


def _is_occupation(role: str, needs_noun: bool) -> bool:
    words = re.findall(r"[a-z]+", role.casefold())
    if not words or words[0] in NOT_ROLE_STARTS:
        return False
    return not needs_noun or any(w in OCCUPATIONS or OCCUPATION_RE.match(w) for w in words[:8])


def _organisation(text: str) -> str:
    """The organisation a name is followed by ("of CBS News", "from the Leaders' Club",
    "Xinhua News"), or "" when the words do not name one (a town: "from Tomsk")."""
    text = CLAUSE_END_RE.split(text)[0]
    text = re.sub(r"(?i)^(?:of|from|with|at)\s+", "", text.strip(" ,")).strip(" ,;")
    words = text.split()
    if not words or len(words) > MAX_ORGANISATION_WORDS or re.match(r"(?i)^i\b", text):
        return ""
    if words[0].casefold() in NOT_ROLE_STARTS or not any(w[:1].isupper() for w in words):
        return ""
    found = {w.casefold().strip(".,’'") for w in re.findall(r"[\w.’']+", text)}
    found |= {w.removesuffix("’s").removesuffix("'s") for w in found}
    return text if found & ORGANISATION_WORDS else ""


def _short(role: str) -> str:
    """Cut a role where its sentence goes on, and refuse one that stays long."""
    role = CLAUSE_END_RE.split(role)[0].strip(" ,;–-")
    role = re.sub(r"^\d+(?: years old)?,? and (?:an? )?", "", role)  # "15 and a video blogger"
    for cut in (",", " and ", " between ", " who ", " which "):
        if len(role.split()) > MAX_ROLE_WORDS:
            role = role.split(cut)[0].strip()
    role = re.sub(r"(?i)\s+(?:myself|too|as well)$", "", role)
    return role if len(role.split()) <= MAX_ROLE_WORDS else ""


def _tidy(role: str) -> str:
    role = re.sub(r"^(?:a|an|the|also)\s+", "", role.strip(), flags=re.IGNORECASE)
    role = re.sub(r"^as\s+(?:an?\s+)?", "", role, flags=re.IGNORECASE)
    role = re.sub(r"^working\s+(?=at|for|in|on)", "", role, flags=re.IGNORECASE)
    role = re.split(r",\s+(?:and\s+)?(?:here\s+|so\s+)?I\b", role)[0]
    if re.match(r"(?i)(at|for|in|on)\b", role):
        role = "works " + role
    elif re.match(r"(?i)teach\b", role):
        role = "teaches" + role[5:]
    return role.strip(" ,;")
