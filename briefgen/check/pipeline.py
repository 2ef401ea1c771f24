"""The checking pipeline: find fact files, load, validate and link them into a graph.

``check(content_dir)`` runs every stage and collects every problem, so that an editor
sees all mistakes in one run. Nothing here renders anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefgen.build.memory import collector_paused
from briefgen.build.output import shown
from briefgen.check import provenance
from briefgen.check.link import Graph, link
from briefgen.check.load import Document, load, read_text, text_controls
from briefgen.check.validate import Partial, Record, validate
from briefgen.diagnostics import Diagnostic, Severity, count, did_you_mean, error
from briefgen.editor import scaffold
from briefgen.layout import ID_MAX, RESERVED
from briefgen.model import BOOK_KIND, KIND_BY_FOLDER, SLUG, BriefBook, Model

FACT_SUFFIX = ".yaml"
TEXT_SUFFIX = ".txt"
UNREADABLE = "cannot read folder"
"""How a content folder that cannot be read (or is no folder) is reported; checking stops there."""
REFUSED = Path("<refused>")
"""Stands for an archived text that exists but was refused (a link, a folder)."""


@dataclass(frozen=True)
class CheckResult:
    """What a check found: the graph (when there are no errors), every diagnostic, and counts."""

    graph: Graph | None
    diagnostics: tuple[Diagnostic, ...]
    files: int
    books: tuple[tuple[str, BriefBook], ...] = ()

    @property
    def errors(self) -> int:
        return count(self.diagnostics, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.diagnostics, Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.graph is not None and self.errors == 0


YAML_SUFFIXES = (FACT_SUFFIX, ".yml")


def owned(path: str) -> bool:
    """Whether a file of the content folder (its path there, ``/``-separated) is briefgen's: a fact file
    (``<kind folder>/*.yaml``, ``briefs/*.yaml``), an archived text (``sources/*.txt``), or a misnamed one
    (``.yml``), which the check refuses. Every other file is the site's own (pages, images, stylesheets),
    for MkDocs to publish as it is."""
    folder, _, name = path.partition("/")
    if not name or "/" in name or (folder not in KIND_BY_FOLDER and folder != BOOK_KIND.folder):
        return False
    suffix = os.path.splitext(name)[1]
    return suffix in YAML_SUFFIXES or (suffix == TEXT_SUFFIX and folder == "sources")


def _holds_yaml(folder: Path) -> bool:
    return any(os.path.splitext(name)[1] in YAML_SUFFIXES for _, _, names in os.walk(folder) for name in names)


def discover(content: Path) -> tuple[list[tuple[Path, str, str]], dict[str, Path], list[Diagnostic]]:
    """Fact files as (path, id, kind folder), archived texts by source id, and layout problems.

    Other files and folders are the site's own (:func:`owned`), save YAML outside the kind folders: it looks
    like a fact file in the wrong place, and MkDocs would publish it as it is, marking and all.
    """
    facts: list[tuple[Path, str, str]] = []
    texts: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    refused_texts: set[str] = set()
    folders = [*KIND_BY_FOLDER, BOOK_KIND.folder]
    for entry in _entries(content, problems):
        path = content / entry.name
        if entry.name.startswith("."):
            continue
        if entry.name in folders and not entry.is_dir(follow_symlinks=False):
            problems.append(error(shown(path), 0, 0, f"{UNREADABLE}: not a folder",
                                  f"content/{entry.name}/ holds the {entry.name} fact files; make it a plain folder"))
            continue
        if not entry.is_dir(follow_symlinks=False) or entry.name not in folders:
            is_dir = entry.is_dir(follow_symlinks=False)
            if (_holds_yaml(path) if is_dir else os.path.splitext(entry.name)[1] in YAML_SUFFIXES):
                hint: str | None = did_you_mean(entry.name, folders) or f"fact files go in {', '.join(folders)}"
                what = "folder of YAML files" if is_dir else "YAML file"
                problems.append(error(shown(path), 1, 1, f"unexpected {what} in content, which the site would "
                                      "publish as it is", hint))
            continue  # the site's own: a page, an image, a stylesheet
        for item in _entries(path, problems):
            file = path / item.name
            stem, suffix = os.path.splitext(item.name)
            if item.name.startswith("."):
                continue
            if item.is_symlink() or not item.is_file():
                if suffix == TEXT_SUFFIX and entry.name == "sources":
                    refused_texts.add(stem)  # reported here; not "missing" as well
                problems.append(
                    error(
                        shown(file),
                        1,
                        1,
                        "not a regular file",
                        "content holds plain files only, no links or folders",
                    )
                )
                continue
            if suffix == TEXT_SUFFIX and entry.name == "sources":
                texts[stem] = file
                continue
            if suffix == TEXT_SUFFIX:
                problems.append(error(shown(file), 1, 1, f"unexpected file '{item.name}' in {entry.name}/",
                                      "archived texts go in sources/"))
                continue
            if suffix != FACT_SUFFIX:
                if suffix == ".yml":
                    problems.append(error(shown(file), 1, 1, f"unexpected file '{item.name}' in {entry.name}/",
                                          "rename it to .yaml"))
                continue  # the site's own (an image, a page): MkDocs publishes it
            if not SLUG.match(stem):
                slug = _slugish(stem)
                hint = None
                if slug and (path / f"{slug}{FACT_SUFFIX}").exists():
                    hint = f"'{slug}.yaml' already exists: merge the two files or choose another id"
                elif slug:
                    hint = f"rename it to '{slug}.yaml'"
                problems.append(
                    error(
                        shown(file),
                        1,
                        1,
                        f"file name '{stem}' is not an id: lowercase letters, digits and single hyphens",
                        hint,
                    )
                )
                continue
            problem = _id_problem(stem, entry.name)
            if problem:
                problems.append(error(shown(file), 1, 1, *problem))
                continue
            facts.append((file, stem, entry.name))
    for stem in refused_texts:
        texts.setdefault(stem, REFUSED)  # present but refused (reported above): not "missing" as well
    return facts, texts, problems


def _id_problem(stem: str, folder: str) -> tuple[str, str | None] | None:
    """Why a file name that is written as an id cannot be one (message, hint), or None."""
    if len(stem) > ID_MAX:
        return (f"file name '{stem[:24]}…' is too long for an id: ids are at most {ID_MAX} characters, "
                f"this one has {len(stem)}", None)
    if stem in RESERVED and folder in KIND_BY_FOLDER:
        return (f"id '{stem}' is reserved: the site has a page or folder of that name, which this "
                f"{KIND_BY_FOLDER[folder].name}'s page would take the place of",
                f"reserved ids: {', '.join(sorted(RESERVED))}")
    return None


def _entries(folder: Path, problems: list[Diagnostic]) -> list[os.DirEntry[str]]:
    """The entries of a content folder by name; none, and a problem, when it cannot be read."""
    try:
        with os.scandir(folder) as found:
            return sorted(found, key=lambda e: e.name)
    except OSError as exc:
        problems.append(error(shown(folder), 0, 0, f"{UNREADABLE}: {exc.strerror}"))
        return []


def _slugish(stem: str) -> str:
    from slugify import slugify

    return slugify(stem)


Stamp = tuple[int, int, int, int]


@dataclass
class LoadCache:
    """Fact files as an earlier check loaded them, each kept with its file's stamp (mtime, ctime, size, inode).

    The live preview checks the content again after every edit; with a cache, only the files
    whose stamp changed are read and parsed again (at 2,000 entities: 0.2 s less per edit).
    """

    entries: dict[str, tuple[Stamp, Document | None, tuple[Diagnostic, ...]]] = field(default_factory=dict)

    def load(self, path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
        """:func:`briefgen.check.load.load`, or what it gave for the file as it still is."""
        try:
            st = path.stat()
        except OSError:
            return load(path, display)
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        key = self.key(path, display)
        hit = self.entries.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1], list(hit[2])
        doc, found = load(path, display)
        self.entries[key] = (stamp, doc, tuple(found))
        return doc, found

    @staticmethod
    def key(path: Path, display: str) -> str:
        return f"{path}\0{display}"

    def keep(self, keys: set[str]) -> None:
        """Forget every file but these (:meth:`key`s): files gone from the content are not kept."""
        for key in [k for k in self.entries if k not in keys]:
            del self.entries[key]


def check(content: Path, cache: LoadCache | None = None) -> CheckResult:
    """Run load → validate → link over a content folder and collect every problem.

    The cyclic garbage collector is paused meanwhile: the stages allocate hundreds of
    thousands of small, acyclic objects and the collector's passes over them were a
    third of the time (measured at 2,000 and 20,000 entities); peak memory is unchanged.
    With ``cache``, files unchanged since the check that filled it are not read again.
    """
    with collector_paused():
        return _check(content, cache)


def _check(content: Path, cache: LoadCache | None = None) -> CheckResult:
    if not content.is_dir():
        return CheckResult(None, (error(shown(content), 1, 1, "content folder not found"),), 0)
    found_files, text_paths, problems = discover(content)
    if any(d.message.startswith(UNREADABLE) for d in problems):
        # with a folder's files unknown, every reference into it would be reported too: that folder alone is
        return CheckResult(None, tuple(sorted(problems)), len(found_files) + len(text_paths))
    facts = [f for f in found_files if f[2] != BOOK_KIND.folder]
    book_files = [f for f in found_files if f[2] == BOOK_KIND.folder]
    known: dict[str, str] = {}  # id → kind name, of the first file with that id
    for _, entity_id, folder in facts:
        known.setdefault(entity_id, KIND_BY_FOLDER[folder].name)
    owners: dict[str, str] = {}  # id → the first file with that id
    records: dict[str, Record[Model]] = {}
    partials: list[Partial] = []  # files that failed validation (or whose id is taken): checked, not in the graph
    unreadable: dict[str, str] = {}  # id → kind name, of files that failed to load
    read = cache.load if cache is not None else load
    if cache is not None:
        cache.keep({cache.key(path, shown(path)) for path, _, _ in facts})
    for path, entity_id, folder in facts:
        display = shown(path)
        kind = KIND_BY_FOLDER[folder]
        owner = owners.setdefault(entity_id, display)
        if owner != display:
            problems.append(
                error(
                    display,
                    1,
                    1,
                    f"id '{entity_id}' is already used by {owner}",
                    "ids are unique across all kinds; rename one file",
                )
            )
        doc, found = read(path, display)
        problems.extend(found)
        if doc is None:
            unreadable.setdefault(entity_id, kind.name)
            continue
        result, found = validate(doc, entity_id, kind, known)
        problems.extend(scaffold.settle(doc, found))
        if isinstance(result, Partial):
            partials.append(result)
        elif owner != display:
            partials.append(Partial.whole(result))
        else:
            records[entity_id] = result

    texts: dict[str, str] = {}
    source_files = {entity_id: path for path, entity_id, folder in facts if folder == "sources"}
    for source_id, path in sorted(text_paths.items()):
        if path is REFUSED:
            continue
        if source_id not in source_files:
            if not (content / "sources" / f"{source_id}{FACT_SUFFIX}").exists():
                problems.append(error(shown(path), 1, 1, f"archived text has no fact file sources/{source_id}.yaml"))
            continue
        text, found = read_text(path, shown(path))
        unfilled = scaffold.text_placeholder(text, shown(path))  # the note `briefgen new` wrote
        controls = text_controls(text, shown(path))
        problems.extend(found + unfilled + controls)
        if text is not None and not unfilled and not controls:
            texts[source_id] = text
    for source_id, path in source_files.items():
        if source_id not in text_paths:
            problems.append(
                error(
                    shown(path),
                    1,
                    1,
                    f"archived text sources/{source_id}.txt is missing",
                    "every source keeps its text beside its fact file",
                )
            )

    graph, found = link(records, texts, partials, unreadable)
    problems.extend(found)
    problems.extend(provenance.check(records, texts))
    books, found = _books(book_files, known)
    problems.extend(found)
    problems.sort()
    errors = any(d.severity is Severity.ERROR for d in problems)
    if errors:
        return CheckResult(None, tuple(problems), len(found_files) + len(text_paths), books)
    return CheckResult(_without_positions(graph), tuple(problems), len(found_files) + len(text_paths), books)


def _without_positions(graph: Graph) -> Graph:
    """The graph without each file's raw data and positions (or the text they are found in): needed
    for diagnostics only, and the largest part of the memory a clean graph would otherwise keep (a
    third of it at 20,000 entities)."""
    entities = {i: replace(r, doc=Document(r.path, {})) for i, r in graph.entities.items()}
    return replace(graph, entities=entities)


def _books(files: list[tuple[Path, str, str]], known: dict[str, str]) -> tuple[
        tuple[tuple[str, BriefBook], ...], list[Diagnostic]]:
    """Load and check briefing-book definitions; every id in their scope must be an entity."""
    books: list[tuple[str, BriefBook]] = []
    problems: list[Diagnostic] = []
    for path, book_id, _ in files:
        display = shown(path)
        doc, found = load(path, display)
        problems.extend(found)
        if doc is None:
            continue
        result, found = validate(doc, book_id, BOOK_KIND, known)
        problems.extend(scaffold.settle(doc, found))
        if not isinstance(result, Record):
            continue
        book = result.model
        for index, entity_id in enumerate(book.scope.ids):
            if known.get(entity_id) in (None, "source"):
                line, col = doc.mark(("scope", "ids", index))
                candidates = [i for i, k in known.items() if k != "source"]
                problems.append(error(display, line, col, f"scope.ids[{index}]: no entity with id '{entity_id}'",
                                      did_you_mean(entity_id, candidates)))
        books.append((book_id, book))
    return tuple(books), problems
