"""``briefgen new``: commented fact files to fill in, and the check that finds what is left unfilled.

A scaffold holds every required key with the placeholder ``TODO`` as its value and a
comment saying what goes there; optional keys and more example claims are comments.
Its first line points YAML-aware editors at the kind's JSON Schema in ``schemas/``.

``briefgen check`` reports each ``TODO`` still there as one error at its place, instead
of whatever the schema would say about the word (``'TODO' is not an id``), and a source's
archived text that is still the placeholder note as one error on that file.
"""

from __future__ import annotations

import os
from pathlib import Path

from briefgen.check.load import PLACEHOLDER as LOADER_PLACEHOLDER
from briefgen.check.load import Document
from briefgen.diagnostics import Diagnostic, dotted, error
from briefgen.editor.schemafiles import FOLDER as SCHEMA_FOLDER
from briefgen.editor.schemafiles import file_name
from briefgen.layout import ID_MAX, RESERVED
from briefgen.model import BOOK_KIND, KIND_BY_NAME, SLUG

PLACEHOLDER = LOADER_PLACEHOLDER
"""The value of every key ``briefgen new`` leaves for the editor to fill in."""

TEXT_PLACEHOLDER = "TODO: paste the archived text of this source here"
"""How the placeholder note of a new source's archived text begins."""

FOLDERS = {**{name: kind.folder for name, kind in KIND_BY_NAME.items()}, BOOK_KIND.name: BOOK_KIND.folder}
"""Each kind ``briefgen new`` writes, and its folder under content/."""

MAX_ID = ID_MAX


class ScaffoldError(Exception):
    """``briefgen new`` cannot write the file (it exists, or the id is taken)."""


# --- what a new file says -----------------------------------------------------------------------

_HEAD = """\
# yaml-language-server: $schema=@SCHEMA@
#
# @WHAT@ '@ID@', written by `briefgen new @KIND@ @ID@`.
# Replace every TODO (`briefgen check` reports each one left), delete the examples you do
# not need, then run `briefgen check`. CONTRIBUTING.md explains citing, quoting, grading,
# dates and markings.

"""

_MARKING = """\
# marking: AMBER   # TLP 2.0 marking of the whole @KIND@: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
#                  # Leave it out for the project's default; claims and citations take one too.
"""


def _citation(indent: str, what: str) -> str:
    """A citation with placeholders; the first one in a file explains each key."""
    return (
        f"{indent}- source: TODO       # id of the source: the name of its file, content/sources/<id>.yaml\n"
        f"{indent}  quote: TODO        # {what}, copied verbatim from the source's archived text\n"
        f"{indent}  credibility: TODO  # Admiralty: 1 confirmed, 2 probably true, 3 possibly true,\n"
        f"{indent}                     # 4 doubtful, 5 improbable, 6 cannot be judged\n"
        f"{indent}  # voice: an official source at a MoD   # who the source attributes it to, if anyone\n"
        f"{indent}  # translation: …   # in English, for a source in another language; who: translated_by\n"
        f"{indent}  # via: AFP         # whose reporting the passage relays: a name, or a source id\n"
        f"{indent}  # prefix: words just before it   # prefix/suffix pick one occurrence of a quote\n"
        f"{indent}  # suffix: words just after it    # found more than once in the text\n"
    )


def _sources(indent: str) -> str:
    """A claim's citations: placeholders only (the mention above explains them)."""
    return (f"{indent}sources:\n"
            f"{indent}  - source: TODO\n"
            f"{indent}    quote: TODO\n"
            f"{indent}    credibility: TODO\n")


_QUOTING = """\
# Quotes: copy the words exactly (only spacing and line breaks may differ), and put them
# in "double quotes" when they hold ': ' or ' #'.
"""

_MENTIONS = """\

# Where the sources name this @KIND@: at least one citation (a source, a verbatim quote
# from its archived text content/sources/<source>.txt, and a credibility grade).
""" + _QUOTING + "mentions:\n" + _citation("  ", "the words that name it")

_CLAIMS_HEAD = """\

# Every fact is a claim: a property, a value and at least one citation (as above).
# A claim may also take `note:` (the editors' remark, Markdown) and `marking:` (TLP).
"""

_EXERCISE = """\
# Its name: the one the sources use, or a plain description when they give none
# (e.g. "Tajik–Chinese drill, Ishkashim, 2016").
name: TODO
# aliases: [Other Name, ABBR]   # other names the sources use
# summary: One or two sentences for the top of its page (Markdown).
""" + _MARKING + _MENTIONS + _CLAIMS_HEAD + """\
# Properties of an exercise: status, date, duration_days, location, participant, strength,
# equipment, purpose, scenario, type, significance, framework, previous.
claims:
  - property: status
    value: TODO        # planned, conducted, cancelled or unknown
""" + _sources("    ") + """\
  - property: date
    # EDTF: 2016-10-20, 2016-08, 2016-10-20/2016-10-23, 2017?-07 (uncertain), 2016-08~ (approximate)
    value: TODO
    # part: late       # early, mid or late in that period, when the source says so
    # inferred: year   # year, month, day or date: the part you worked out rather than read
    # note: The report says "late July this year"; the year is the report's.   # how you worked it out
""" + _sources("    ") + """\
  - property: location
    value: TODO        # id of a place (content/places/) — or of an actor
""" + _sources("    ") + """\
  - property: participant
    value: TODO        # id of an actor (content/actors/): a state, armed force or unit
    # strength: a battalion                  # its strength, as the source states it
    # described_as: the border troops        # how the source names it here
""" + _sources("    ") + """\
  # More claims, each with its own sources:
  # - property: strength
  #   value: 400            # a whole number
  #   approximate: true     # when the source says "about", "some", "over"
  #   unit: personnel
  # - property: equipment
  #   value: armoured personnel carriers
  #   of: china             # whose, where the source says (an actor id)
  # - property: purpose     # or scenario, type, significance: a statement in words
  #   value: To practise counter-terrorism operations in mountains.
  # - property: duration_days
  #   value: 5
  # - property: framework   # the mechanism (or organisation) it is held under
  #   value: quadrilateral-mechanism
  # - property: previous    # the exercise before it in a series
  #   value: sco-exercises-tajikistan-2012
"""

_MECHANISM = """\
# Its name as the sources give it, e.g. "Quadrilateral Cooperation and Coordination Mechanism".
name: TODO
# aliases: [QCCM]
# summary: One or two sentences for the top of its page (Markdown).
""" + _MARKING + _MENTIONS + _CLAIMS_HEAD + """\
# Properties of a mechanism: member, established, purpose, function, significance, context.
claims:
  - property: member
    value: TODO        # id of an actor that is a member; one claim per member
""" + _sources("    ") + """\
  # - property: established
  #   value: 2016-08-03     # EDTF date (part/inferred/note as for dates)
  #   place: urumqi         # id of the place where it was founded
  #   by: the chiefs of the general staffs   # who founded it, as stated
  #   sources: [...]
  # - property: function    # one claim per function; or purpose, significance, context
  #   value: Sharing intelligence on terrorist groups.
  #   sources: [...]
"""

_ACTOR = """\
# Its name as the sources give it, e.g. "Mobile Forces of Tajikistan".
name: TODO
type: TODO             # state, armed-force, unit, ministry, organisation or other
# parent: armed-forces-of-tajikistan   # id of the actor it belongs to (unit → armed force → state)
# aliases: [PLA, People's Liberation Army]
# summary: One or two sentences for the top of its page (Markdown).
""" + _MARKING + _MENTIONS + """\

# Claims are optional for an actor: statements in words, each with its citations.
# claims:
#   - property: context   # or purpose, function, significance, type, scenario
#     value: It guards the border with Afghanistan.
#     sources: [...]      # citations, as for mentions
"""

_PLACE = """\
# Its name as the sources give it, e.g. "Ishkashim District".
name: TODO
type: TODO             # region, district, city, area or other
# parent: gbao         # id of the place it lies in
# country: tajikistan  # id of the state (an actor) it belongs to
# aliases: [Ishkashim]
# summary: One or two sentences for the top of its page (Markdown).
""" + _MARKING + _MENTIONS + """\

# Claims are optional for a place; each has its own citations (as above).
# claims:
#   - property: borders       # a place or actor it borders
#     value: afghanistan
#     sources: [...]
#   - property: coordinates   # decimal degrees, where a source gives them
#     value: {lat: 36.72, lon: 71.61}
#     sources: [...]
#   - property: context       # or significance: a statement in words
#     value: A district on the Panj river.
#     sources: [...]
"""

_SOURCE = """\
# Paste the document's text into @ID@.txt beside this file (exactly as published),
# then fill in what the document itself says about where it comes from.

# A short label used where it is cited, e.g. "Asia-Plus, 20 Oct 2016".
name: TODO
# The title as published. When the document has none, write one and set title_supplied.
title: TODO
# title_supplied: true
type: TODO             # news-report, press-release, official-statement, report, article, book,
                       # web-page, dataset or other
# Write unknown when the document does not say: never guess.
publisher: TODO
author: TODO
date: TODO             # EDTF (2016-10-20, 2016-10, 2016?) or unknown
# date_known: address  # how the date is known: text, dateline, address (its URL) or inferred
language: en           # language of the archived text (BCP 47): en, ru, tg-Cyrl, zh, pt-BR …
# url: https://example.org/news/2016/10/20/report            # where it was published (http or https)
# archive_url: https://web.archive.org/web/2016/https://…    # an archived copy
# retrieved: 2016-10-21  # the day you archived the text
# republish: full        # only when the site may show the whole text; default: quotes (the passages cited)
# derived_from:          # what it reprints, relays or translates: a source id, or a named original
#   - name: AFP          # or  source: <id of a source archived here>
#     url: https://example.org/wire/story
#     date: 2016-10-19
#     relation: relay    # reprint, relay or translation
#     from_quote: China has conducted   # where the derived part starts; leave out for the whole text
# Admiralty source reliability: A completely reliable, B usually reliable, C fairly reliable,
# D not usually reliable, E unreliable, F reliability cannot be judged (e.g. no known publisher).
reliability: TODO
# marking: AMBER   # TLP 2.0 marking of the source: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
#                  # Leave it out for the project's default.
# notes: Where and when the text was archived (URL, date retrieved), and anything readers
#   should know about the document (Markdown).
"""

_BOOK = """\
# A briefing book: one PDF of several entities for one audience.
title: TODO
# subtitle: Joint exercises in GBAO, 2012–2017
scope:
  kinds: [exercise, mechanism]   # whole kinds, in this order: exercise, mechanism, actor, place
  # ids: [pla, gbao]             # and/or entities by id, after them
# edition: CLEAR       # the audience (TLP marking) the book is made for; default CLEAR
# as_of: 2017-08-01    # EDTF day the book speaks as of; default: the day of the build
"""

_BODIES = {"exercise": ("New exercise", _EXERCISE), "mechanism": ("New mechanism", _MECHANISM),
           "actor": ("New actor", _ACTOR), "place": ("New place", _PLACE), "source": ("New source", _SOURCE),
           "book": ("New briefing book", _BOOK)}

TEXT_NOTE = f"""\
{TEXT_PLACEHOLDER}, replacing this whole note.

Paste the document's text exactly as it was published (headline, byline and dateline
included) as plain UTF-8 text. Quotes in fact files are checked against it word for
word: only spacing and line breaks may differ. Say where and when you archived it in
the `notes:` of the source's fact file.
"""


def render(kind: str, entity_id: str, schema: str) -> str:
    """The text of a new fact file of ``kind`` whose first line points at ``schema``."""
    what, body = _BODIES[kind]
    text = _HEAD + body
    for token, value in (("@SCHEMA@", schema), ("@WHAT@", what), ("@KIND@", kind), ("@ID@", entity_id)):
        text = text.replace(token, value)
    return text


# --- writing ------------------------------------------------------------------------------------


def id_problem(entity_id: str) -> str | None:
    """Why ``entity_id`` is not an id (with a suggestion), or None when it is one."""
    if entity_id in RESERVED:
        return f"'{entity_id}' is reserved: the site has a page or folder of that name; choose another id"
    if SLUG.match(entity_id) and len(entity_id) <= MAX_ID:
        return None
    from slugify import slugify

    suggestion = slugify(entity_id, max_length=MAX_ID, word_boundary=True)
    text = f"'{entity_id}' is not an id: lowercase letters, digits and single hyphens, at most {MAX_ID}"
    return text + (f"; try '{suggestion}'" if suggestion and SLUG.match(suggestion) else "")


def schemas_folder(content: Path) -> Path:
    """The project's schemas/ folder: the nearest one above the content folder, else beside it."""
    start = content.resolve()
    for folder in start.parents:
        if (folder / SCHEMA_FOLDER).is_dir():
            return folder / SCHEMA_FOLDER
        if any((folder / marker).exists() for marker in (".git", "mkdocs.yml", "pyproject.toml")):
            break  # the project's root: look no higher
    return start.parent / SCHEMA_FOLDER


def schema_reference(target: Path, content: Path, kind: str) -> str:
    """The schema of ``kind`` as a path relative to the folder of ``target`` (POSIX separators)."""
    schema = schemas_folder(content) / file_name(kind)
    return Path(os.path.relpath(schema, target.resolve().parent)).as_posix()


def _taken(content: Path, entity_id: str) -> Path | None:
    """The fact file of another kind that already uses ``entity_id``, if any."""
    for folder in FOLDERS.values():
        if folder == BOOK_KIND.folder:
            continue
        path = content / folder / f"{entity_id}.yaml"
        if path.exists():
            return path
    return None


def new(kind: str, entity_id: str, content: Path) -> list[Path]:
    """Write the scaffold of a new ``kind`` (and, for a source, its text note); return the files written.

    Raises ScaffoldError rather than overwrite anything, or reuse an id another kind has.
    """
    folder = content / FOLDERS[kind]
    target = folder / f"{entity_id}.yaml"
    if target.exists():
        raise ScaffoldError(f"{target} already exists; briefgen new never overwrites a file "
                            "(edit it, or choose another id)")
    if kind != BOOK_KIND.name:
        other = _taken(content, entity_id)
        if other is not None:
            raise ScaffoldError(f"id '{entity_id}' is already used by {other}; ids are unique across all kinds")
    note = folder / f"{entity_id}.txt" if kind == "source" else None
    if note is not None and note.exists():
        raise ScaffoldError(f"{note} already exists; briefgen new never overwrites a file "
                            f"(write {target.name} by hand, or choose another id)")
    folder.mkdir(exist_ok=True)
    written = []
    with target.open("x", encoding="utf-8", newline="\n") as out:
        out.write(render(kind, entity_id, schema_reference(target, content, kind)))
    written.append(target)
    if note is not None:
        with note.open("x", encoding="utf-8", newline="\n") as out:
            out.write(TEXT_NOTE)
        written.append(note)
    return written


# --- checking -----------------------------------------------------------------------------------


def placeholders(doc: Document) -> list[Diagnostic]:
    """An error at every value that is still the placeholder ``TODO``."""
    out = []
    for loc in doc.placeholders:  # noted by the loader as it read the file
        line, col = doc.mark(loc)
        out.append(error(doc.path, line, col, f"{dotted(loc)}: still the placeholder {PLACEHOLDER}",
                         "replace it with the real value; the comments in the file say what goes here"))
    return out


def settle(doc: Document | None, found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` with each placeholder reported as such, and nothing else said at the same place."""
    if doc is None:
        return found
    pending = placeholders(doc)
    if not pending:
        return found
    at = {(d.path, d.line, d.col) for d in pending}
    return [d for d in found if (d.path, d.line, d.col) not in at] + pending


def text_placeholder(text: str | None, display: str) -> list[Diagnostic]:
    """An error when a source's archived text is still the note ``briefgen new`` wrote."""
    if text is None or not text.lstrip().startswith(TEXT_PLACEHOLDER):
        return []
    return [error(display, 1, 1, "archived text is still the placeholder note from briefgen new",
                  "paste the document's text, exactly as published, in place of the note")]
