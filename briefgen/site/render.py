"""Render stage: page models to HTML through Jinja templates.

Templates ship in the package; a file of the same name in the project's ``templates/``
overrides one, and may ``{% extends "default/<name>" %}`` the original. Autoescape is
on and undefined names are errors. Markdown fields go through :mod:`briefgen.markdown`
(raw HTML off, only http, https and mailto links, images as links).
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from briefgen import layout
from briefgen.site import views
from briefgen.diagnostics import count_noun
from briefgen.markdown import parser
from briefgen.build.output import shown


def markdown() -> MarkdownIt:
    """The renderer of Markdown fields (:func:`briefgen.markdown.parser`)."""
    return parser()


def json_script(data: Any) -> Markup:
    """JSON safe to place inside a ``<script>`` element (no ``</script>`` can close it)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


RUNNING_TITLE = 80
"""Characters of a title the footer of a PDF page shows at most (two lines of its box): a longer one is shortened."""


def running_title(title: str, limit: int = RUNNING_TITLE) -> str:
    """A title as a PDF page's footer shows it: whole when short, else cut at a word and ended with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit - 1]
    if " " in cut and not title[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-") + "…"


@jinja2.pass_context
def parts(context: jinja2.runtime.Context, items: Sequence[str | views.Ref], cap: bool = False) -> Markup:
    """A sentence's parts as inline HTML: text escaped, each entity a link from the page (``base``), or
    plain text when this edition withholds it; ``cap`` capitalises the first word.

    Built in Python, not a template macro: it runs for every statement of every page.
    """
    base = escape(context["base"])
    out: list[str] = []
    for i, p in enumerate(items):
        if isinstance(p, str):
            out.append(escape(p[:1].upper() + p[1:] if cap and i == 0 else p))
        elif p.url:
            out.append(f'<a class="bg-ref bg-{escape(p.kind)}" href="{base}{escape(p.url)}">'
                       f'<bdi>{escape(p.name)}</bdi></a>')
        else:
            out.append(f'<span class="bg-withheld"><bdi>{escape(p.name)}</bdi></span>')
    return Markup("".join(out))


def cites(numbers: Sequence[int], references: Sequence[views.Reference] = ()) -> Markup:
    """Numbered citation marks, each a link to its reference on the page: ``[1 B2]``.

    Given the page's ``references``, each mark shows its grade beside the number, and a doubtful one
    (:func:`briefgen.site.views.doubtful`) has the class ``bg-cite-doubtful`` and says so to screen readers too.
    Built in Python, not a template macro: it runs for every statement of every page.
    """
    out = []
    for n in numbers:
        r = grade_of(n, references)
        if r is None:
            out.append(f'<sup class="bg-cite"><a href="#ref-{n:d}" title="Reference {n:d}">[{n:d}]</a></sup>')
            continue
        grade = escape(r.grade)
        said = f"Reference {n:d}, {'doubtful grade' if r.doubtful else 'grade'} {grade}: {escape(r.grade_text)}"
        out.append(f'<sup class="bg-cite{" bg-cite-doubtful" if r.doubtful else ""}"><a href="#ref-{n:d}" '
                   f'title="{said}">[{n:d}<span class="bg-sr-only">, grade</span> <span class="bg-cite-grade">'
                   f'{grade}</span>{DOUBTFUL_WORDS if r.doubtful else ""}]</a></sup>')
    return Markup("".join(out))


DOUBTFUL_WORDS = '<span class="bg-sr-only">, doubtful</span>'


def grade_of(number: int, references: Sequence[views.Reference]) -> views.Reference | None:
    """The reference of a citation number among a page's references (numbered from 1, in order)."""
    if 0 < number <= len(references) and references[number - 1].number == number:
        return references[number - 1]
    return next((r for r in references if r.number == number), None)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a rendered page body, for the page's table of contents."""

    level: int
    id: str
    title: str
    """Its text as HTML (escaped as the body has it), without the heading's inline markup."""


_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1\s*>", re.S | re.I)
_ID = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAG = re.compile(r"<[^>]*>")


def headings(html: str) -> tuple[Heading, ...]:
    """The headings of a body that have an ``id`` (those a link can reach), in order.

    Read from the HTML the templates made, so that a project's own template gets the table of
    contents of the headings it writes.
    """
    out = []
    for level, attrs, inner in _HEADING.findall(html):
        found = _ID.search(attrs)
        if found is None:
            continue
        title = " ".join(_TAG.sub("", inner).split())
        out.append(Heading(int(level), found[1] if found[1] is not None else found[2], title))
    return tuple(out)


_ID_ATTR = re.compile(r"""<[a-zA-Z][^>]*?\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def anchor_ids(html: str) -> set[str]:
    """The ids of every element of a body: where a link's ``#fragment`` can land."""
    return {a or b for a, b in _ID_ATTR.findall(html)}


def template_error(exc: jinja2.TemplateError) -> str:
    """One line naming the template (and line) of a template error."""
    where = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    if not where:  # a runtime error (e.g. undefined): Jinja maps the traceback to template lines
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".html", ".css"))]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    if where:
        where = shown(Path(where))
    prefix = f"{where}:{line}: " if where and line else (f"{where}: " if where else "")
    return f"{prefix}template error: {exc.message or type(exc).__name__}"


def environment(templates: Path | None = None) -> jinja2.Environment:
    """The template environment: the project's override folder first, then the package's templates."""
    package = jinja2.PackageLoader("briefgen", "templates")
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None and templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(templates))
    loaders += [jinja2.PrefixLoader({"default": package}), package]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no need to stat each template on every use
    )
    md = markdown()
    env.filters["md"] = lambda text: Markup(md.render(text or ""))
    env.filters["json_script"] = json_script
    env.filters["count"] = count_noun
    env.filters["running_title"] = running_title
    env.globals["parts"] = parts
    env.globals["cites"] = cites
    env.globals["grade_of"] = grade_of
    env.globals["doubtful_grades"] = views.DOUBTFUL_TEXT
    return env


class Renderer:
    """Renders each kind of page; ``base`` is the relative path from a page to the site root."""

    def __init__(self, templates: Path | None = None, *, pdf: bool = False, marking: str = "CLEAR",
                 directory_urls: bool = True) -> None:
        self.env = environment(templates)
        self.env.globals["pdf_enabled"] = pdf
        # the site-root-relative URL of one of the site's own pages ("grades", "timeline"), as MkDocs writes it
        self.env.globals["page_url"] = lambda path: layout.page_url(path, directory_urls)
        self.env.globals["edition_marking"] = marking
        self.marking = marking

    def page(self, template: str, base: str, *, searchable: bool = False, **context: Any) -> str:
        """A site page body, opened by the edition's marking (no template can forget it).

        A ``searchable`` page's body (not the marking) is what the search index reads (``data-pagefind-body``,
        :mod:`briefgen.site.search`); the other pages — lists, timeline, pictures, home — only lead to those.
        """
        banner = self.env.get_template("_edition.html").render(marking=self.marking)
        body = self.render(template, base, **context)
        return banner + (f'<div class="bg-page" data-pagefind-body>\n{body}</div>\n' if searchable else body)

    def render(self, template: str, base: str, **context: Any) -> str:
        return self.env.get_template(template).render(base=base, **context)

    def entity(self, page: views.EntityPage, base: str, pictures: Sequence[Any] = ()) -> str:
        return self.page("entity.html", base, searchable=True, page=page, pictures=pictures)

    def source(self, page: views.SourcePage, base: str) -> str:
        return self.page("source.html", base, searchable=True, page=page)

    def index(self, page: views.IndexPage, base: str) -> str:
        return self.page("index.html", base, page=page)

    def timeline(self, entries: tuple[views.TimelineEntry, ...], as_of: str, base: str, picture: Any = None) -> str:
        return self.page("timeline.html", base, entries=entries, as_of=as_of, picture=picture)

    def picture(self, title: str, intro: str, picture: Any, base: str) -> str:
        return self.page("picture.html", base, title=title, intro=intro, picture=picture)

    def home(self, page: views.HomePage, base: str, books: list[tuple[str, str]] | None = None) -> str:
        return self.page("home.html", base, page=page, books=books or [])

    def grades(self, base: str, sources: Sequence[views.SourcePage] = ()) -> str:
        return self.page("grades.html", base, searchable=True, reliability=views.RELIABILITY,
                         credibility=views.CREDIBILITY, doubtful_reliability=views.DOUBTFUL_RELIABILITY,
                         doubtful_credibility=views.DOUBTFUL_CREDIBILITY, sources=sources)
