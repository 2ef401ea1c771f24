"""Synthetic corpus: N entities with the shape of the real content/, deterministic from a seed.

Shares of the N entities: exercises 30 %, mechanisms 5 %, actors 25 %, places 20 %,
sources 20 %. Every source has an archived text of a few paragraphs of pseudo-prose,
written from the sentences its citing entities quote (plus filler), so every quote
stands verbatim in its text; a quote that stands more than once gets a ``prefix``.
Claims cover every property of every kind, with cross-references (participants,
locations, frameworks, previous exercises, members, borders, parents, countries).
Every source is cited, so the corpus checks with 0 errors and 0 warnings.

    python -m benchmarks.corpus --entities 2000 --seed 1 OUT_DIR

writes ``OUT_DIR/content/`` and ``OUT_DIR/mkdocs.yml`` (the repository's, renamed);
``--peers`` also writes the same entities as plain Markdown for Hugo and MkDocs
(see :mod:`benchmarks.peers`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

SHARES = (("exercise", 0.30), ("mechanism", 0.05), ("actor", 0.25), ("place", 0.20), ("source", 0.20))
FOLDERS = {"exercise": "exercises", "mechanism": "mechanisms", "actor": "actors", "place": "places",
           "source": "sources"}
MIN_ENTITIES = 20

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "kh", "dr", "tr", "gr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
CODAS = ("", "", "", "n", "r", "sh", "k", "m", "st", "l")

EXERCISE_NOUNS = ("Shield", "Frontier", "Falcon", "Peace Mission", "Mountain Watch", "Bastion", "Steppe Guard",
                  "Eagle", "Accord", "Cooperation", "Border Storm", "Vigilance")
EXERCISE_TYPES = ("joint anti-terror drill", "command-post exercise", "joint border security drill",
                  "counter-insurgency exercise", "mountain warfare drill", "joint tactical exercise",
                  "field training exercise", "staff exercise")
PURPOSES = ("rehearse coordination and interaction in combating international terrorists",
            "practise the joint defence of mountain passes", "test the readiness of rapid reaction units",
            "improve the exchange of intelligence between border units",
            "train units to secure supply routes across the border", "practise the evacuation of civilians",
            "rehearse joint command of mixed units")
SCENARIOS = ("terrorist groups penetrating the border from a neighbouring country",
             "an armed group seizing a border post", "militants taking hostages in a mountain village",
             "insurgents blocking a highway through a pass", "a raid on a fuel depot near the border",
             "smugglers crossing a river at night")
SIGNIFICANCE = ("the first joint exercise of its kind in the region",
                "a sign of growing concern about instability along the border",
                "the largest drill of the series so far", "a test of the new command arrangements",
                "the first exercise to include air support")
STRENGTH_WORDS = ("a battalion", "a company", "two companies", "a platoon", "a regiment", "a brigade",
                  "a special forces detachment")
UNITS = ("servicemen", "personnel", "troops")
EQUIPMENT = ("armored carriers", "artillery", "aircraft", "helicopters", "drones", "tanks", "mortars",
             "engineering vehicles", "mobile radar", "field hospitals")
STATUS_TEXT = {"conducted": "took place as scheduled", "planned": "will be conducted",
               "cancelled": "was cancelled at short notice", "unknown": "may have taken place"}
FORCE_NOUNS = ("Army", "Border Troops", "Air Force", "National Guard", "Armed Forces")
UNIT_NOUNS = ("Mobile Brigade", "Mountain Battalion", "Special Purpose Company", "Rapid Reaction Regiment",
              "Border Detachment", "Airborne Battalion")
MINISTRY_NOUNS = ("Ministry of Defense", "Ministry of Internal Affairs", "Ministry of Emergency Situations",
                  "State Committee for National Security")
ORG_NOUNS = ("Security Organisation", "Collective Security Council", "Counter-Terrorism Centre",
             "Border Cooperation Council")
MECHANISM_NOUNS = ("Cooperation and Coordination Mechanism", "Security Dialogue", "Border Commission",
                   "Joint Staff Forum")
FUNCTIONS = ("study and judgment of the counter terrorism situation", "confirmation of clues",
             "intelligence sharing", "anti-terrorist capability building", "joint anti-terrorist training",
             "personnel training", "joint border patrols", "exchange of liaison officers")
ACTOR_TEXT = ("context", "significance", "function", "purpose")
CONTEXTS = ("sits at the nexus of security problems along the border",
            "has seen repeated clashes between smugglers and border guards",
            "lies on the main road between the capital and the border",
            "is home to several garrisons", "has been closed to foreigners for years",
            "is the base of a mountain brigade")
VOICES = ("an official source at the {m}", "a spokesperson for the {m}", "local media",
          "some sources, citing a joint statement", "a press release of the {m}", "a diplomat in the capital")
FILLER_SUBJECTS = ("Analysts", "Regional observers", "Local media", "Diplomats in the capital", "Border officials",
                   "Security experts", "Residents of {p}", "Officials in {p}", "The report")
FILLER_VERBS = ("noted", "pointed to", "warned of", "described", "played down", "welcomed", "questioned",
                "drew attention to")
FILLER_OBJECTS = ("growing concern about instability along the border", "the pace of military cooperation",
                  "the risk of militants crossing the mountains", "new investment in road and rail links",
                  "tension over water and grazing rights", "the role of foreign contractors",
                  "the cost of the new border posts", "rumours of a change of command in {p}",
                  "the reopening of the market in {p}", "the harsh winter in the mountains")
FILLER_TAILS = ("", "", " in recent months", " this year", " last spring", " after the elections",
                " in {p}", " according to people familiar with the matter")
SOURCE_TYPES = ("news-report", "press-release", "official-statement", "report", "article", "web-page")
TITLE_WORDS = ("Joint drills in", "Security cooperation and", "Border tension in", "Report on")
SOURCE_NOUNS = ("Daily", "Herald", "Bulletin", "Report", "Monitor", "Review", "Dispatch")
NOTES = ("Publisher, author and date are not stated in the text.",
         "The text appears to join two reports; the second half reads like an earlier dispatch.",
         "Machine translation, checked against the original by an editor.",
         "Archived from the publisher's site; later edits are not reflected.")
EDITOR_NOTES = ("Shown as reported; the figure sits oddly beside the units named in the same sentence.",
                "The report does not say which exercise this sentence is about; attached here because it "
                "is the only one the report describes.",
                "Inferred from the order of the paragraphs.",
                "Other reports give a different figure; see the *Strength* section.")


@dataclass
class Sentence:
    """A sentence of an archived text: ``pre`` + ``quote`` + ``post``; citations quote the middle."""

    pre: str
    quote: str
    post: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    start: int = -1  # offset of the quote in the text, set when the text is written

    @property
    def text(self) -> str:
        return self.pre + self.quote + self.post


@dataclass
class Entity:
    """One fact file: id, kind, and its YAML mapping (``data``) in file order."""

    id: str
    kind: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def folder(self) -> str:
        return FOLDERS[self.kind]


@dataclass
class Corpus:
    """Every entity, in generation order, and the archived text of each source."""

    n: int
    seed: int
    entities: list[Entity]
    texts: dict[str, str]

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]

    @property
    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}


def counts(n: int) -> dict[str, int]:
    """How many entities of each kind make N (exercises take the rounding remainder)."""
    if n < MIN_ENTITIES:
        raise ValueError(f"at least {MIN_ENTITIES} entities are needed, not {n}")
    out = {kind: int(n * share) for kind, share in SHARES}
    out["exercise"] += n - sum(out.values())
    return out


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Generator:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.rng = random.Random(seed)
        self.roots: set[str] = set()
        self.entities: list[Entity] = []
        self.ids: set[str] = set()
        self.sources: list[Entity] = []
        # archived text under construction: source id -> {entity id -> sentences}
        self.blocks: dict[str, dict[str, list[Sentence]]] = {}
        self.ministries: list[Entity] = []
        self.primary: dict[str, str] = {}

    # --- words -------------------------------------------------------------------------------

    def root(self) -> str:
        """A fresh pseudo-word, unique in the corpus: every entity name holds one."""
        rng = self.rng
        while True:
            word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice((2, 2, 3))))
            word = (word + rng.choice(CODAS)).capitalize()
            if word not in self.roots:
                self.roots.add(word)
                return word

    def any_word(self) -> str:
        rng = self.rng
        return ("".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(2)) + rng.choice(CODAS)).capitalize()

    def credibility(self) -> int:
        return self.rng.choices((1, 2, 3, 4, 5, 6), weights=(1, 4, 4, 2, 1, 1))[0]

    def voice(self) -> str | None:
        if self.rng.random() < 0.7 or not self.ministries:
            return None
        return self.rng.choice(VOICES).format(m=self.rng.choice(self.ministries).name)

    def place_name(self) -> str:
        places = [e for e in self.entities if e.kind == "place"]
        return self.rng.choice(places).name if places else self.any_word()

    # --- entities and citations ----------------------------------------------------------------

    def add(self, kind: str, name: str, data: dict[str, Any]) -> Entity:
        entity_id = slug(name)
        base, i = entity_id, 2
        while entity_id in self.ids:  # cannot happen with unique roots; kept as a guard
            entity_id, i = f"{base}-{i}", i + 1
        self.ids.add(entity_id)
        entity = Entity(entity_id, kind, {"name": name, **data})
        self.entities.append(entity)
        return entity

    def sentence(self, source: str, entity: str, pre: str, quote: str, post: str = ".") -> Sentence:
        sent = Sentence(pre, quote, post)
        self.blocks[source].setdefault(entity, []).append(sent)
        return sent

    def cite(self, sent: Sentence, source: str, voice: bool = True) -> dict[str, Any]:
        citation: dict[str, Any] = {"source": source, "quote": sent.quote, "credibility": self.credibility()}
        if voice and (v := self.voice()):
            citation["voice"] = v
        sent.citations.append(citation)
        return citation

    def claim(self, entity: str, source: str, claim: dict[str, Any], pre: str, quote: str, post: str = ".",
              second: float = 0.0) -> dict[str, Any]:
        """A claim cited to ``source`` (and, with probability ``second``, to another source too)."""
        sent = self.sentence(source, entity, pre, quote, post)
        sources = [self.cite(sent, source)]
        if second and self.rng.random() < second and len(self.sources) > 1:
            other = self.rng.choice([s.id for s in self.sources if s.id != source])
            sources.append(self.cite(self.sentence(other, entity, pre, quote, post), other))
        if self.rng.random() < 0.08:
            claim.setdefault("note", self.rng.choice(EDITOR_NOTES))
        claim["sources"] = sources
        return claim

    def mentions(self, entity: str, source: str, name: str) -> list[dict[str, Any]]:
        phrase = self.rng.choice(("is named in this report", "was reported by several outlets",
                                  "drew attention across the region", "appears in the statement",
                                  "is mentioned by officials"))
        sent = self.sentence(source, entity, self.rng.choice(("", "Recall, ", "Officials said ")),
                             f"{name} {phrase}")
        return [self.cite(sent, source)]

    def aliases(self, name: str) -> list[Any]:
        r = self.rng.random()
        if r < 0.15:
            return [{"name": "".join(w[0] for w in name.split() if w[0].isupper()) or name[:3].upper(),
                     "kind": "abbreviation"}]
        variant = name.replace("sh", "s").replace("kh", "h")
        if r < 0.25 and variant != name:
            return [{"name": variant, "kind": "spelling"}]
        return []

    def assign_sources(self, entities: list[str]) -> None:
        """Give each citing entity a primary source; every source is primary for at least one."""
        ids = [s.id for s in self.sources]
        order = list(entities)
        self.rng.shuffle(order)
        for i, entity in enumerate(order):
            self.primary[entity] = ids[i] if i < len(ids) else self.rng.choice(ids)

    # --- kinds ---------------------------------------------------------------------------------

    def make_sources(self, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            root = self.root()
            date = "unknown" if rng.random() < 0.2 else f"{rng.randint(2005, 2024)}-{rng.randint(1, 12):02d}-" \
                                                       f"{rng.randint(1, 28):02d}"
            data: dict[str, Any] = {
                "title": f"{rng.choice(TITLE_WORDS)} {root} {rng.choice(('region', 'province', 'valley', 'district'))}",
                "title_supplied": "true" if rng.random() < 0.3 else "false",
                "type": rng.choice(SOURCE_TYPES),
                "publisher": "unknown" if rng.random() < 0.3 else f"{self.any_word()} {rng.choice(SOURCE_NOUNS)}",
                "author": "unknown" if rng.random() < 0.5 else f"{self.any_word()} {self.any_word()}",
                "date": date,
                "language": "en",
                "reliability": rng.choice("ABCDEF"),
            }
            if rng.random() < 0.3:
                data["marking"] = "CLEAR"  # nothing wider: the default (public) edition must hold all N entities
            if rng.random() < 0.4:
                data["notes"] = rng.choice(NOTES)
            entity = self.add("source", f"{root} {rng.choice(SOURCE_NOUNS)}", data)
            self.sources.append(entity)
            self.blocks[entity.id] = {}

    def make_actors(self, count: int) -> None:
        rng = self.rng
        n_states = max(2, count // 5)
        n_forces = max(1, count // 5)
        n_ministries = max(1, count * 15 // 100)
        n_orgs = max(1, count * 15 // 100)
        n_units = max(0, count - n_states - n_forces - n_ministries - n_orgs)
        plan = ([("state", None)] * n_states + [("armed-force", "state")] * n_forces
                + [("ministry", "state")] * n_ministries + [("organisation", None)] * n_orgs
                + [("unit", "armed-force")] * n_units)
        plan = plan[:count]
        by_type: dict[str, list[Entity]] = {"state": [], "armed-force": [], "unit": [], "ministry": [],
                                            "organisation": []}
        for kind, parent_type in plan:
            root = self.root()
            name = {"state": root, "armed-force": f"{root} {rng.choice(FORCE_NOUNS)}",
                    "ministry": f"{root} {rng.choice(MINISTRY_NOUNS)}",
                    "organisation": f"{root} {rng.choice(ORG_NOUNS)}",
                    "unit": f"{root} {rng.choice(UNIT_NOUNS)}"}[kind]
            data: dict[str, Any] = {}
            if aliases := self.aliases(name):
                data["aliases"] = aliases
            data["type"] = kind
            parents = by_type.get(parent_type or "", [])
            if parents:
                data["parent"] = rng.choice(parents).id
            entity = self.add("actor", name, data)
            by_type[kind].append(entity)
            if kind == "ministry":
                self.ministries.append(entity)
        self.actor_types = by_type

    def fill_actor(self, entity: Entity) -> None:
        rng = self.rng
        source = self.primary[entity.id]
        entity.data["mentions"] = self.mentions(entity.id, source, entity.name)
        claims = []
        for prop in rng.sample(ACTOR_TEXT, rng.choice((0, 0, 1, 1, 2))):
            if prop == "function":
                value = rng.choice(FUNCTIONS)
                pre, quote = f"Among its tasks, {entity.name} is responsible for ", value
            elif prop == "purpose":
                value = f"to {rng.choice(PURPOSES)}"
                pre, quote = f"{entity.name} was set up ", value
            else:
                value = rng.choice(CONTEXTS if prop == "context" else SIGNIFICANCE)
                pre, quote = "", f"{entity.name} {value}"
            claims.append(self.claim(entity.id, source, {"property": prop, "value": value}, pre, quote))
        if claims:
            entity.data["claims"] = claims

    def make_places(self, count: int) -> None:
        rng = self.rng
        states = self.actor_types["state"]
        n_regions = max(1, count // 4)
        n_districts = max(1, count * 45 // 100)
        plan = ["region"] * n_regions + ["district"] * n_districts + ["city"] * (count - n_regions - n_districts)
        by_type: dict[str, list[Entity]] = {"region": [], "district": [], "city": []}
        for kind in plan[:count]:
            root = self.root()
            name = {"region": f"{root} region", "district": f"{root} district", "city": root}[kind]
            data: dict[str, Any] = {}
            if aliases := self.aliases(name):
                data["aliases"] = aliases
            data["type"] = kind
            parent = None
            if kind == "district" and by_type["region"]:
                parent = rng.choice(by_type["region"])
            elif kind == "city" and by_type["district"]:
                parent = rng.choice(by_type["district"])
            if parent is not None:
                data["parent"] = parent.id
                if "country" in parent.data:
                    data["country"] = parent.data["country"]
            elif states:
                data["country"] = rng.choice(states).id
            entity = self.add("place", name, data)
            by_type[kind].append(entity)
        self.place_types = by_type

    def fill_place(self, entity: Entity) -> None:
        rng = self.rng
        source = self.primary[entity.id]
        entity.data["mentions"] = self.mentions(entity.id, source, entity.name)
        claims = []
        states = [s for s in self.actor_types["state"] if s.id != entity.data.get("country")]
        for i, target in enumerate(rng.sample(states, min(len(states), rng.choice((0, 1, 1, 2))))):
            claims.append(self.claim(entity.id, source, {"id": f"borders-{i + 1}", "property": "borders",
                                                         "value": target.id},
                                     "", f"{entity.name} bordering {target.name}", ", the report says."))
        if rng.random() < 0.6:
            lat, lon = round(rng.uniform(30, 45), 4), round(rng.uniform(60, 80), 4)
            claims.append(self.claim(entity.id, source, {"property": "coordinates",
                                                         "value": {"lat": f"{lat:.4f}", "lon": f"{lon:.4f}"}},
                                     f"{entity.name} lies ", f"at {lat:.4f} north, {lon:.4f} east"))
        if rng.random() < 0.4:
            value = rng.choice(CONTEXTS)
            claims.append(self.claim(entity.id, source, {"property": "context", "value": value},
                                     "The report notes that ", f"{entity.name} {value}"))
        if claims:
            entity.data["claims"] = claims

    def date(self, year: int | None = None) -> tuple[str, str, str | None, str | None, int | None]:
        """An EDTF date: (value, phrase in the text, part, inferred, duration in days)."""
        rng = self.rng
        year, month = year or rng.randint(2005, 2026), rng.randint(1, 12)
        mname = MONTHS[month - 1]
        form = rng.choices(("range", "month", "uncertain", "approx", "day"), weights=(4, 3, 1, 1, 2))[0]
        if form == "range":
            day, length = rng.randint(1, 20), rng.randint(1, 7)
            return (f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{day + length:02d}",
                    f"on {mname} {day}-{day + length}, {year}", None, None, length + 1)
        if form == "month":
            part = rng.choice(("early", "mid", "late", None))
            return (f"{year}-{month:02d}", f"in {part + ' ' if part else ''}{mname} {year}", part, None, None)
        if form == "uncertain":
            part = rng.choice(("early", "mid", "late"))
            return f"{year}?-{month:02d}", f"in {part} {mname} this year", part, "year", None
        if form == "approx":
            return f"{year}-{month:02d}~", f"around {mname} {year}", None, None, None
        day = rng.randint(1, 28)
        return f"{year}-{month:02d}-{day:02d}", f"on {mname} {day}, {year}", None, None, 1

    def make_mechanisms(self, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            root = self.root()
            name = f"{root} {rng.choice(MECHANISM_NOUNS)}"
            data: dict[str, Any] = {}
            if aliases := self.aliases(name):
                data["aliases"] = aliases
            if rng.random() < 0.3:
                data["summary"] = f"A *{rng.choice(('regional', 'bilateral', 'quadrilateral'))}* arrangement " \
                                  f"to {rng.choice(PURPOSES)}."
            self.add("mechanism", name, data)

    def fill_mechanism(self, entity: Entity) -> None:
        rng = self.rng
        source = self.primary[entity.id]
        name = entity.name
        entity.data["mentions"] = self.mentions(entity.id, source, name)
        claims: list[dict[str, Any]] = []
        members = rng.sample(self.actor_types["state"], min(len(self.actor_types["state"]), rng.randint(2, 5)))
        listing = ", ".join(m.name for m in members[:-1]) + f" and {members[-1].name}"
        sent = self.sentence(source, entity.id, "Earlier, ", f"{listing} created the {name}")
        for m in members:
            claims.append({"id": f"member-{m.id}", "property": "member", "value": m.id,
                           "sources": [self.cite(sent, source)]})
        value, phrase, part, _, _ = self.date()
        value = value.split("/")[0].rstrip("~")
        if "?" in value or len(value) == 10:
            value, phrase, part = value[:4], f"in {value[:4]}", None
        established: dict[str, Any] = {"id": "established", "property": "established", "value": value}
        if part:
            established["part"] = part
        cities = self.place_types["city"] or self.place_types["district"] or self.place_types["region"]
        where = ""
        if rng.random() < 0.7:
            place = rng.choice(cities)
            established["place"] = place.id
            where = f" in {place.name}"
        by = ""
        if rng.random() < 0.5:
            established["by"] = by = rng.choice(("the chiefs of general staff", "the defence ministers",
                                                 "the heads of state", "the border services"))
        quote = f"{by or 'the parties'} met{where} {phrase} and announced the formation of the {name}"
        claims.append(self.claim(entity.id, source, established, "According to the statement, ", quote))
        purpose = f"to {rng.choice(PURPOSES)}"
        claims.append(self.claim(entity.id, source, {"id": "purpose", "property": "purpose", "value": purpose},
                                 f"The {name} was created ", purpose))
        functions = rng.sample(FUNCTIONS, rng.randint(2, 5))
        sent = self.sentence(source, entity.id, f"The {name} ",
                             f"will coordinate efforts on {', '.join(functions[:-1])} and {functions[-1]}")
        for i, function in enumerate(functions):
            claims.append({"id": f"function-{i + 1}", "property": "function", "value": function,
                           "sources": [self.cite(sent, source)]})
        entity.data["claims"] = claims

    def make_exercises(self, count: int) -> None:
        for _ in range(count):
            root = self.root()
            name = f"{root} {self.rng.choice(EXERCISE_NOUNS)} {self.rng.randint(2005, 2026)}"
            data: dict[str, Any] = {}
            if aliases := self.aliases(name):
                data["aliases"] = aliases
            if self.rng.random() < 0.3:
                data["summary"] = f"A **{self.rng.choice(EXERCISE_TYPES)}** held to {self.rng.choice(PURPOSES)}."
            self.add("exercise", name, data)

    def fill_exercise(self, entity: Entity, earlier: list[Entity]) -> None:
        rng = self.rng
        e, x = entity.id, entity.name
        src = self.primary[e]
        entity.data["mentions"] = self.mentions(e, src, x)
        claims: list[dict[str, Any]] = []
        status = rng.choices(("conducted", "planned", "cancelled", "unknown"), weights=(5, 3, 1, 1))[0]
        claims.append(self.claim(e, src, {"id": "status", "property": "status", "value": status},
                                 f"Officials said {x} ", STATUS_TEXT[status], second=0.15))
        value, phrase, part, inferred, days = self.date(int(x.rsplit(" ", 1)[1]))
        date: dict[str, Any] = {"id": "date", "property": "date", "value": value}
        if part:
            date["part"] = part
        if inferred:
            date["inferred"] = inferred
            date["note"] = (f'The report says "{phrase.removeprefix("in ")}" and carries no date of its own; '
                            f"the year is inferred from the events it recalls.")
        claims.append(self.claim(e, src, date, "The drill is scheduled to be held ", phrase,
                                 f", the organisers of {x} said.", second=0.15))
        days = days or rng.randint(2, 14)
        claims.append(self.claim(e, src, {"id": "duration", "property": "duration_days", "value": days},
                                 f"{x} was ", f"a joint {days}-day {rng.choice(('drill', 'exercise'))}",
                                 second=0.1))
        kind = rng.choice(EXERCISE_TYPES)
        claims.append(self.claim(e, src, {"id": "type", "property": "type", "value": kind},
                                 f"Organisers described {x} as ", f"a {kind}", ", not a parade."))
        places = self.place_types["district"] + self.place_types["city"] or self.place_types["region"]
        for place in rng.sample(places, min(len(places), rng.choice((1, 1, 1, 2)))):
            claims.append(self.claim(e, src, {"id": f"location-{place.id}", "property": "location",
                                              "value": place.id},
                                     f"{x} ", f"took place in {place.name}", second=0.15))
        actors = self.actor_types["state"] + self.actor_types["armed-force"] + self.actor_types["unit"]
        participants = rng.sample(actors, min(len(actors), rng.randint(2, 4)))
        for actor in participants:
            claim: dict[str, Any] = {"id": f"participant-{actor.id}", "property": "participant", "value": actor.id}
            strength = rng.choice(STRENGTH_WORDS) if rng.random() < 0.4 else None
            if strength:
                claim["strength"] = strength
            if rng.random() < 0.4:
                claim["described_as"] = f"servicemen of {actor.name}"
            quote = f"{strength + ' of ' if strength else ''}servicemen of {actor.name}"
            claims.append(self.claim(e, src, claim, "The exercise will involve ", quote, f" in {x}.",
                                     second=0.15))
        if rng.random() < 0.8:
            size = rng.randint(2, 150) * 100
            approx = rng.random() < 0.5
            unit = rng.choice(UNITS)
            strength_claim: dict[str, Any] = {"id": "strength", "property": "strength", "value": size}
            if approx:
                strength_claim["approximate"] = "true"
            strength_claim["unit"] = unit
            claims.append(self.claim(e, src, strength_claim, "",
                                     f"The exercise involved {'about ' if approx else ''}{size:,} {unit}",
                                     f", the report on {x} said.", second=0.1))
        kit = rng.sample(EQUIPMENT, rng.choice((0, 1, 2, 3)))
        if kit:
            listing = ", ".join(kit[:-1]) + (" and " if len(kit) > 1 else "") + kit[-1]
            owner = rng.choice(participants)
            sent = self.sentence(src, e, f"{owner.name} will bring its own weapons ", f"along with {listing}",
                                 f" to {x}.")
            for i, item in enumerate(kit):
                eq: dict[str, Any] = {"id": f"equipment-{i + 1}", "property": "equipment", "value": item}
                if rng.random() < 0.5:
                    eq["of"] = owner.id
                eq["sources"] = [self.cite(sent, src)]
                claims.append(eq)
        purpose = rng.choice(PURPOSES)
        claims.append(self.claim(e, src, {"id": "purpose", "property": "purpose", "value": f"to {purpose}"},
                                 f"The purpose of {x} is ", f"to {purpose}", ", the source added."))
        scenario = rng.choice(SCENARIOS)
        claims.append(self.claim(e, src, {"id": "scenario", "property": "scenario", "value": scenario},
                                 f"The scenario of {x} is reportedly based on ", scenario))
        if rng.random() < 0.3:
            value = rng.choice(SIGNIFICANCE)
            claims.append(self.claim(e, src, {"id": "significance", "property": "significance", "value": value},
                                     "Observers called it ", f"{value}", f", referring to {x}."))
        frameworks = self.of_kind("mechanism") + self.actor_types["organisation"]
        if frameworks and rng.random() < 0.4:
            fw = rng.choice(frameworks)
            claims.append(self.claim(e, src, {"id": "framework", "property": "framework", "value": fw.id},
                                     f"{x} was held ", f"under the {fw.name}"))
        if earlier and rng.random() < 0.3:
            prev = rng.choice(earlier[-50:])
            claims.append(self.claim(e, src, {"id": "previous", "property": "previous", "value": prev.id},
                                     f"{x} ", f"follows {prev.name}", " in the same series."))
        entity.data["claims"] = claims

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]

    # --- texts ---------------------------------------------------------------------------------

    def filler(self) -> str:
        rng = self.rng
        text = (f"{rng.choice(FILLER_SUBJECTS)} {rng.choice(FILLER_VERBS)} {rng.choice(FILLER_OBJECTS)}"
                f"{rng.choice(FILLER_TAILS)}.")
        return text.replace("{p}", self.place_name()) if "{p}" in text else text

    def write_texts(self) -> dict[str, str]:
        """Write each source's archived text and give every citation a unique quote (or a prefix)."""
        rng = self.rng
        texts: dict[str, str] = {}
        for source in self.sources:
            paragraphs: list[list[Sentence | str]] = [[self.filler() for _ in range(rng.randint(1, 3))]]
            for sentences in self.blocks[source.id].values():
                paragraph: list[Sentence | str] = []
                for sent in sentences:
                    paragraph.append(sent)
                    if rng.random() < 0.2:
                        paragraph.append(self.filler())
                paragraphs.append(paragraph)
            if rng.random() < 0.5:
                paragraphs.append([self.filler() for _ in range(rng.randint(1, 3))])
            out: list[str] = []
            offset = 0
            for p, paragraph in enumerate(paragraphs):
                if p:
                    out.append("\n")
                    offset += 1
                for s, item in enumerate(paragraph):
                    if s:
                        out.append(" ")
                        offset += 1
                    if isinstance(item, Sentence):
                        item.start = offset + len(item.pre)
                        out.append(item.text)
                        offset += len(item.text)
                    else:
                        out.append(item)
                        offset += len(item)
            text = "".join(out) + "\n"
            texts[source.id] = text
            self.disambiguate(text, source.id)
        return texts

    def disambiguate(self, text: str, source_id: str) -> None:
        """Add a prefix to citations whose quote stands more than once in the text."""
        flat = text.replace("\n", " ")  # same length: offsets hold
        for sentences in self.blocks[source_id].values():
            for sent in sentences:
                if not sent.citations or _occurrences(flat, sent.quote) == 1:
                    continue
                prefix = _prefix_for(text, flat, sent)
                for citation in sent.citations:
                    citation["prefix"] = prefix
                    # keys in the order editors write them
                    for key in ("credibility", "voice"):
                        if key in citation:
                            citation[key] = citation.pop(key)


def _occurrences(flat: str, quote: str) -> int:
    count, at = 0, flat.find(quote)
    while at >= 0:
        count += 1
        at = flat.find(quote, at + len(quote))
    return count


def _prefix_for(text: str, flat: str, sent: Sentence) -> str:
    """The shortest run of preceding words that makes the quote's occurrence unique."""
    from briefgen.check import quotes  # the check's own matcher: the prefix must satisfy it, not an imitation

    before = flat[: sent.start].rstrip().split(" ")
    for words in range(2, len(before) + 1):
        prefix = " ".join(before[-words:])
        if quotes.find(text, sent.quote, prefix) == [(sent.start, sent.start + len(sent.quote))]:
            return prefix
    raise RuntimeError(f"no prefix makes {sent.quote!r} unique")  # pragma: no cover - generator bug


def generate(n: int, seed: int = 1) -> Corpus:
    """Generate a corpus of ``n`` entities, the same for the same ``(n, seed)``."""
    want = counts(n)
    g = _Generator(n, seed)
    g.make_sources(want["source"])
    g.make_actors(want["actor"])
    g.make_places(want["place"])
    g.make_mechanisms(want["mechanism"])
    g.make_exercises(want["exercise"])
    citing = [e.id for e in g.entities if e.kind != "source"]
    g.assign_sources(citing)
    earlier: list[Entity] = []
    for entity in list(g.entities):
        if entity.kind == "actor":
            g.fill_actor(entity)
        elif entity.kind == "place":
            g.fill_place(entity)
        elif entity.kind == "mechanism":
            g.fill_mechanism(entity)
        elif entity.kind == "exercise":
            g.fill_exercise(entity, earlier)
            earlier.append(entity)
    texts = g.write_texts()
    for entity in g.entities:  # mentions and claims last in each file, as editors write them
        for key in ("mentions", "claims"):
            if key in entity.data:
                entity.data[key] = entity.data.pop(key)
    return Corpus(n, seed, g.entities, texts)


# --- writing ------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_ ,.;()/?’–-]*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def scalar(value: Any) -> str:
    """A YAML scalar: plain where safe, else JSON-style double quotes (valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text in ("true", "false") or (_PLAIN.match(text) and text.lower() not in _RESERVED):
        return text
    return json.dumps(text, ensure_ascii=False)


def dump(data: dict[str, Any]) -> str:
    """A fact file in the house style (two-space indents, list items indented under their key)."""
    out: list[str] = []
    _mapping(data, 0, out, None)
    return "\n".join(out) + "\n"


def _mapping(data: dict[str, Any], indent: int, out: list[str], lead: str | None) -> None:
    for i, (key, value) in enumerate(data.items()):
        head = lead if (i == 0 and lead is not None) else " " * indent
        if isinstance(value, dict):
            out.append(f"{head}{key}:")
            _mapping(value, indent + 2, out, None)
        elif isinstance(value, list):
            out.append(f"{head}{key}:")
            for item in value:
                if isinstance(item, dict):
                    _mapping(item, indent + 4, out, " " * (indent + 2) + "- ")
                else:
                    out.append(f"{' ' * (indent + 2)}- {scalar(item)}")
        else:
            out.append(f"{head}{key}: {scalar(value)}")


def mkdocs_config(site_name: str) -> str:
    """The repository's mkdocs.yml with another site_name."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^site_name:.*$", f"site_name: {json.dumps(site_name)}", text, count=1)
    if not found:
        text = f"site_name: {json.dumps(site_name)}\n{text}"
    return text


def write_briefgen(corpus: Corpus, out: Path) -> Path:
    """Write ``out/content/`` and ``out/mkdocs.yml``; return ``out``."""
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in FOLDERS.values():
        (content / folder).mkdir(parents=True)
    for entity in corpus.entities:
        (content / entity.folder / f"{entity.id}.yaml").write_text(dump(entity.data), encoding="utf-8")
    for source_id, text in corpus.texts.items():
        (content / "sources" / f"{source_id}.txt").write_text(text, encoding="utf-8")
    (out / "mkdocs.yml").write_text(
        mkdocs_config(f"Synthetic briefing ({corpus.n} entities, seed {corpus.seed})"), encoding="utf-8")
    return out


def stats(corpus: Corpus) -> dict[str, Any]:
    """Counts of the corpus, for the record."""
    kinds: dict[str, int] = {}
    claims = citations = prefixes = 0
    for entity in corpus.entities:
        kinds[entity.kind] = kinds.get(entity.kind, 0) + 1
        entity_claims = entity.data.get("claims", [])
        claims += len(entity_claims)
        for c in [*entity.data.get("mentions", []), *(s for cl in entity_claims for s in cl["sources"])]:
            citations += 1
            prefixes += "prefix" in c
    return {"entities": len(corpus.entities), "kinds": kinds, "claims": claims, "citations": citations,
            "prefixed_quotes": prefixes, "text_bytes": sum(len(t.encode()) for t in corpus.texts.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, required=True, help="number of entities (N)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", action="store_true", help="also write OUT_DIR/hugo and OUT_DIR/mkdocs-plain")
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    args = parser.parse_args(argv)
    try:
        corpus = generate(args.entities, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    write_briefgen(corpus, args.out)
    if args.peers:
        from benchmarks import peers

        peers.write_hugo(corpus, args.out / "hugo")
        peers.write_mkdocs(corpus, args.out / "mkdocs-plain")
    print(json.dumps(stats(corpus)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
