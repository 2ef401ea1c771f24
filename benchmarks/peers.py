"""Peers: the same corpus as plain Markdown pages, for Hugo and for plain MkDocs.

Each entity becomes one page of comparable size and links to briefgen's: a line of
kind and mentions, aliases, summary, an at-a-glance table, one section per property
with a sentence per claim and its numbered citations, related entities (outgoing and
incoming links), and the references (source link, quote, grade, voice). Each source
page lists the claims citing it and holds its whole archived text. Each kind has an
index page with a table of every entity; the home page, a timeline of every dated
claim and a grades page complete the site, as in briefgen's.

* Hugo: ``hugo.toml``, ``content/`` and a minimal local layout set written here (no
  theme download, no modules); HTML pages plus a JSON search index of every page.
* plain MkDocs: the repository's ``mkdocs.yml`` (Material, ``font: false``, the same
  palette and features), ``plugins: [search]`` only, and the same small nav of section
  index pages: entity pages are reached through the index pages, as in briefgen.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from benchmarks.corpus import FOLDERS, REPO, Corpus, Entity
from briefgen.site.views import CREDIBILITY, KIND_TITLES, PROPERTY_TITLES, RELIABILITY  # titles and grades as briefgen

GLANCE = ("status", "date", "location", "participant", "strength", "framework", "member", "established",
          "duration_days")
REF_PROPERTIES = ("location", "participant", "framework", "previous", "member", "borders")


def _esc(text: Any) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return re.sub(r"([\\`*_\[\]|<>])", r"\\\1", str(text))


class _Pages:
    """Builds the Markdown of every page; ``link`` says how one page points at another."""

    def __init__(self, corpus: Corpus, style: str) -> None:
        self.corpus = corpus
        self.style = style  # "mkdocs": relative .md links; "hugo": root-relative URLs
        self.by_id = corpus.by_id
        self.incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.outgoing: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.citing: dict[str, list[tuple[Entity, str]]] = defaultdict(list)
        for entity in corpus.entities:
            for target, via in self._refs(entity):
                self.outgoing[entity.id].append((target, via))
                self.incoming[target].append((entity.id, via))
            for citation in entity.data.get("mentions", []):
                self.citing[citation["source"]].append((entity, "named"))
            for claim in entity.data.get("claims", []):
                for citation in claim["sources"]:
                    self.citing[citation["source"]].append((entity, claim["property"]))

    @staticmethod
    def _refs(entity: Entity) -> list[tuple[str, str]]:
        data = entity.data
        out = [(data[k], k) for k in ("parent", "country") if k in data]
        for claim in data.get("claims", []):
            if claim["property"] in REF_PROPERTIES:
                out.append((claim["value"], claim["property"]))
            for key in ("of", "place"):
                if key in claim:
                    out.append((claim[key], claim["property"]))
        return out

    # --- paths and links -----------------------------------------------------------------------

    def path(self, entity: Entity) -> str:
        return f"{entity.folder}/{entity.id}.md"

    def href(self, page: str, target: str) -> str:
        """Link from the page at ``page`` (a docs-relative .md path) to the page at ``target``."""
        if self.style == "mkdocs":
            return posixpath.relpath(target, posixpath.dirname(page) or ".")
        if target == "index.md":
            return "/"
        if target.endswith("/index.md"):
            return "/" + target.removesuffix("index.md")
        return "/" + target.removesuffix(".md") + "/"

    def ref(self, page: str, entity_id: str) -> str:
        entity = self.by_id[entity_id]
        return f"[{_esc(entity.name)}]({self.href(page, self.path(entity))})"

    # --- pages ---------------------------------------------------------------------------------

    def sentence(self, page: str, claim: dict[str, Any]) -> str:
        p = claim["property"]
        value: Any = claim.get("value")
        if p in REF_PROPERTIES:
            text = self.ref(page, value)
            if p == "previous":
                text = f"Follows {text} in a series"
            if p == "participant":
                if "strength" in claim:
                    text += f" — {_esc(claim['strength'])}"
                if "described_as" in claim:
                    text += f" (named as “{_esc(claim['described_as'])}”)"
            return text
        if p == "established":
            text = f"Established {claim.get('part', '') + ' ' if claim.get('part') else ''}{value}"
            if "place" in claim:
                text += f" in {self.ref(page, claim['place'])}"
            return text + (f" by {_esc(claim['by'])}" if "by" in claim else "")
        if p == "strength":
            return f"{'about ' if claim.get('approximate') == 'true' else ''}{int(value):,} {claim['unit']}"
        if p == "duration_days":
            return f"{value} days"
        if p == "equipment" and "of" in claim:
            return f"{_esc(value)} of {self.ref(page, claim['of'])}"
        if p == "coordinates":
            return f"{value['lat']}, {value['lon']}"
        if p == "date":
            return f"{claim.get('part', '') + ' ' if claim.get('part') else ''}{value}" + (
                f" ({claim['inferred']} inferred)" if "inferred" in claim else "")
        return _esc(value)

    def entity(self, entity: Entity) -> str:
        page = self.path(entity)
        data = entity.data
        numbers: dict[tuple[Any, ...], int] = {}
        refs: list[str] = []

        def cite(citation: dict[str, Any]) -> str:
            key = (citation["source"], citation["quote"], citation.get("prefix"), citation["credibility"],
                   citation.get("voice"))
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                source = self.by_id[citation["source"]]
                grade = f"{source.data['reliability']}{citation['credibility']}"
                voice = f", according to {_esc(citation['voice'])}" if "voice" in citation else ""
                refs.append(f"{numbers[key]}. {self.ref(page, source.id)}: “{_esc(citation['quote'])}” — "
                            f"**{grade}** ({RELIABILITY[source.data['reliability']]}; "
                            f"{CREDIBILITY[int(citation['credibility'])]}){voice}")
            return f"[{numbers[key]}]({self.href(page, self.path(self.by_id[citation['source']]))})"

        mentions = " ".join(cite(c) for c in data["mentions"])
        label = data.get("type", entity.kind).replace("-", " ").capitalize()
        out = [f"*{label}* · named in {mentions} · as of 1 Jan 2025", ""]
        if data.get("aliases"):
            names = [a["name"] if isinstance(a, dict) else a for a in data["aliases"]]
            out += ["Also: " + ", ".join(_esc(n) for n in names), ""]
        if data.get("summary"):
            out += [data["summary"], ""]
        glance = []
        for key, title in (("parent", "Part of" if entity.kind == "actor" else "In"), ("country", "Country")):
            if key in data:
                glance.append(f"| {title} | {self.ref(page, data[key])} |")
        by_property: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for claim in data.get("claims", []):
            by_property[claim["property"]].append(claim)
        sections = []
        for prop, title in PROPERTY_TITLES.items():
            claims = by_property.get(prop)
            if not claims:
                continue
            lines = [f"### {title}", ""]
            for claim in claims:
                citations = " ".join(cite(c) for c in claim["sources"])
                text = self.sentence(page, claim)
                lines.append(f"- {text[:1].upper() + text[1:]}. {citations}")
                if "note" in claim:
                    lines.append(f"    *Note:* {_esc(claim['note'])}")
            sections += [*lines, ""]
            if prop in GLANCE:
                glance.append(f"| {title} | " + ", ".join(self.sentence(page, c) for c in claims) + " |")
        if glance:
            out += ["| At a glance | |", "|---|---|", *glance, ""]
        if sections:
            out += ["## Facts", "", *sections]
        related: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for target, via in self.outgoing[entity.id]:
            related[self.by_id[target].kind][target].add(via)
        for source_id, via in self.incoming[entity.id]:
            related[self.by_id[source_id].kind][source_id].add(f"names this: {via}")
        if related:
            out += ["## Related", ""]
            for kind, title in KIND_TITLES.items():
                if kind in related:
                    out += [f"### {title}", ""]
                    out += [f"- {self.ref(page, i)} {', '.join(sorted(v))}" for i, v in sorted(related[kind].items())]
                    out.append("")
        out += ["## References", "", *refs, ""]
        return "\n".join(out)

    def source(self, entity: Entity) -> str:
        page = self.path(entity)
        data = entity.data
        meta = [("Type", data["type"].replace("-", " ")), ("Publisher", data["publisher"]),
                ("Author", data["author"]), ("Date", data["date"]), ("Language", data["language"]),
                ("Handling", f"TLP:{data.get('marking', 'CLEAR')}")]
        out = [f"*Source* · cited as “{_esc(data['name'])}” · reliability **{data['reliability']}** "
               f"({RELIABILITY[data['reliability']]})", "",
               "| About this source | |", "|---|---|", *(f"| {k} | {_esc(v)} |" for k, v in meta), ""]
        if data.get("notes"):
            out += [data["notes"], ""]
        out += ["## Claims citing it", ""]
        out += [f"- {self.ref(page, e.id)} — {PROPERTY_TITLES.get(via, 'Named')}" for e, via in self.citing[entity.id]]
        out += ["", "## Archived text", ""]
        out += [_esc(p) + "\n" for p in self.corpus.texts[entity.id].splitlines() if p.strip()]
        return "\n".join(out)

    def index(self, kind: str) -> str:
        page = f"{FOLDERS[kind]}/index.md"
        entities = sorted(self.corpus.of_kind(kind), key=lambda e: e.name.lower())
        out = [f"{len(entities)} {KIND_TITLES[kind].lower()}", ""]
        if kind == "exercise":
            out += ["| Exercise | Dates | Status | Places | Participants |", "|---|---|---|---|---|"]
            for e in entities:
                claims = e.data.get("claims", [])
                cell = {p: "; ".join(self.sentence(page, c) for c in claims if c["property"] == p)
                        for p in ("date", "status", "location")}
                people = ", ".join(self.ref(page, c["value"]) for c in claims if c["property"] == "participant")
                out.append(f"| {self.ref(page, e.id)} | {cell['date']} | {cell['status']} | {cell['location']} "
                           f"| {people} |")
        elif kind == "source":
            out += ["| Source | Type | Publisher | Date | Reliability |", "|---|---|---|---|---|"]
            for e in entities:
                d = e.data
                out.append(f"| {self.ref(page, e.id)} | {d['type']} | {_esc(d['publisher'])} | {d['date']} "
                           f"| {d['reliability']} |")
        else:
            out += ["| Name | Type | Part of | Members |", "|---|---|---|---|"]
            for e in entities:
                d = e.data
                parent = self.ref(page, d["parent"]) if "parent" in d else ""
                members = ", ".join(self.ref(page, c["value"]) for c in d.get("claims", [])
                                    if c["property"] == "member")
                out.append(f"| {self.ref(page, e.id)} | {d.get('type', kind)} | {parent} | {members} |")
        return "\n".join(out) + "\n"

    def timeline(self) -> str:
        page = "timeline.md"
        rows = []
        for e in self.corpus.entities:
            for claim in e.data.get("claims", []):
                if claim["property"] in ("date", "established"):
                    rows.append((str(claim["value"]), e.id, self.sentence(page, claim)))
        rows.sort()
        out = ["| When | What |", "|---|---|"]
        out += [f"| {text} | {self.ref(page, entity_id)} |" for _, entity_id, text in rows]
        return "\n".join(out) + "\n"

    def home(self) -> str:
        page = "index.md"
        out = ["A synthetic briefing: every statement names its source.", "", "| Kind | Entities |", "|---|---|"]
        for kind, title in KIND_TITLES.items():
            href = self.href(page, f"{FOLDERS[kind]}/index.md")
            out.append(f"| [{title}]({href}) | {len(self.corpus.of_kind(kind))} |")
        return "\n".join(out) + "\n"

    def grades(self) -> str:
        out = ["## Source reliability", "", *(f"- **{k}**: {v}" for k, v in RELIABILITY.items()), "",
               "## Information credibility", "", *(f"- **{k}**: {v}" for k, v in CREDIBILITY.items()), ""]
        return "\n".join(out)

    def all(self) -> dict[str, tuple[str, str]]:
        """Every page: docs-relative path → (title, Markdown body)."""
        pages = {"index.md": ("Home", self.home()), "timeline.md": ("Timeline", self.timeline()),
                 "grades.md": ("Grades and conventions", self.grades())}
        for kind, title in KIND_TITLES.items():
            pages[f"{FOLDERS[kind]}/index.md"] = (title, self.index(kind))
        for entity in self.corpus.entities:
            body = self.source(entity) if entity.kind == "source" else self.entity(entity)
            pages[self.path(entity)] = (entity.data.get("title", entity.name), body)
        return pages


def _front_matter(title: str) -> str:
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n"


def _clean(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)


def write_mkdocs(corpus: Corpus, out: Path) -> Path:
    """A plain MkDocs project: ``out/mkdocs.yml`` and ``out/docs/``."""
    _clean(out)
    for path, (title, body) in _Pages(corpus, "mkdocs").all().items():
        target = out / "docs" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_front_matter(title) + body, encoding="utf-8")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(site_name=f"Plain MkDocs peer ({corpus.n} entities)", docs_dir="docs", site_dir="site",
                  plugins=["search"])
    (out / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


HUGO_CONFIG = """\
baseURL = "/"
title = "{title}"
languageCode = "en"
disableKinds = ["taxonomy", "term", "rss"]
enableRobotsTXT = false

[outputs]
home = ["html", "json"]
section = ["html"]
page = ["html"]

[markup.goldmark.renderer]
unsafe = false
"""

HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="/">{{ .Site.Title }}</a>
{{ partialCached "nav.html" . "nav" }}</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>Built with Hugo {{ hugo.Version }}</footer>
</body>
</html>
""",
    # rendered once: .Site.Sections walked on every page costs time in proportion to the site (quadratic)
    "_partials/nav.html": """\
<nav><ul>
{{- range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end -}}
<li><a href="/timeline/">Timeline</a></li><li><a href="/grades/">Grades</a></li>
</ul></nav>
""",
    "single.html": """\
{{ define "main" }}<article><h1>{{ .Title }}</h1>
{{ with .TableOfContents }}<aside>{{ . }}</aside>{{ end }}
{{ .Content }}</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n""",
    "home.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ .Content }}{{ end }}\n""",
    # one object per page, written as it goes: building a slice with `append` copies it each time (quadratic)
    "home.json": """\
{"docs":[
{{- range $i, $p := .Site.Pages -}}
{{- if $i }},{{ end -}}
{{- dict "title" $p.Title "url" $p.RelPermalink "text" $p.Plain | jsonify -}}
{{- end -}}
]}
""",
}

HUGO_CSS = "body{font-family:sans-serif;max-width:60rem;margin:auto}table{border-collapse:collapse}" \
           "td,th{border:1px solid #ccc;padding:.2rem .4rem}nav ul{display:flex;gap:1rem;list-style:none}\n"


def write_hugo(corpus: Corpus, out: Path) -> Path:
    """A Hugo project with its own minimal layouts: ``out/hugo.toml``, ``out/content/``, ``out/layouts/``."""
    _clean(out)
    for path, (title, body) in _Pages(corpus, "hugo").all().items():
        # a section's index page is its _index.md in Hugo
        hugo_path = path.replace("index.md", "_index.md") if path.endswith("index.md") else path
        target = out / "content" / hugo_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_front_matter(title) + body, encoding="utf-8")
    (out / "hugo.toml").write_text(HUGO_CONFIG.format(title=f"Hugo peer ({corpus.n} entities)"), encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (out / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "layouts" / name).write_text(text, encoding="utf-8")
    (out / "static").mkdir()
    (out / "static" / "style.css").write_text(HUGO_CSS, encoding="utf-8")
    return out
