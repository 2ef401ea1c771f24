"""Pictures: timeline, relationship graph and locator map as SVG, made at build time, offline.

Each picture has a title, a text alternative (``<desc>`` and the ``alt`` the page shows
beside it) and links on its marks. Colours come from ``currentColor`` and mid-tone
accents, so the same SVG reads on light and dark pages and in print. Text from content
is escaped like everywhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import Any

from markupsafe import Markup, escape

from briefgen.check.link import Graph
from briefgen.model import parent_of
from briefgen.site.views import Ref, TimelineEntry

Linker = Callable[[Ref], str | None]
"""Where a mark links: a relative URL on the site, an absolute one in a PDF, or nowhere."""

CONDUCTED = "#1e88e5"
PLANNED = "#ef6c00"
OTHER = "#8e24aa"
MEMBER = "#2e7d32"
HIGHLIGHT = "#1e88e5"


WIDE = 680.0
"""Width of the wide layout (desktop pages, PDF books); the site shows it where the page is wider than this."""
NARROW = 320.0
"""Width of the narrow layout: a phone 360 px wide shows it at full size, its text at 12 px."""
ALT_LANE = 8.0
"""Height of the lane under a timeline row's bar where other reported dates of the event are drawn."""
FONT = 12.0
LINE = 15.0
CHAR_EM = 0.6
"""A generous mean advance of DejaVu Sans, in em: lines are broken by this estimate (no font metrics at build time)."""


@dataclass(frozen=True, slots=True)
class Picture:
    """An SVG picture with its title and text alternative, and optionally a second layout for narrow screens."""

    svg: Markup
    title: str
    alt: str
    narrow: Markup | None = None

    def for_print(self) -> Markup:
        """The SVG with its text description in ``<title>``: a tagged PDF takes a figure's alternative from there."""
        short = f">{escape(self.title)}</title>"
        return Markup(str(self.svg).replace(short, f">{escape(self.title)}. {escape(self.alt)}</title>", 1))


def responsive(wide: Picture | None, narrow: Picture | None) -> Picture | None:
    """``wide`` with ``narrow``'s layout for small screens (the site shows the one that fits)."""
    if wide is None or narrow is None:
        return wide
    return Picture(wide.svg, wide.title, wide.alt, narrow.svg)


def _lines(text: str, width: float, size: float = FONT) -> list[str]:
    """``text`` broken at spaces into lines that fit ``width`` (a word longer than a line is cut into pieces)."""
    limit = max(4, int(width / (size * CHAR_EM)))
    out: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > limit:
            if line:
                out.append(line)
                line = ""
            out.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line or not out:
        out.append(line)
    return out


def _text(x: float, y: float, lines: Sequence[str], attrs: str = "", prefix: str = "") -> str:
    """A ``<text>`` of one or more lines (``<tspan>``s), its first baseline at ``y``; ``prefix`` opens line one."""
    if len(lines) == 1:
        return f'<text x="{x:.0f}" y="{y:.0f}"{attrs}>{prefix}{escape(lines[0])}</text>'
    # each line but the last keeps its space, so the words still read apart (as a link's name, say)
    spans = "".join(f'<tspan x="{x:.0f}" dy="{0 if i == 0 else LINE:.0f}">{prefix if i == 0 else ""}'
                    f"{escape(line)}{' ' if i < len(lines) - 1 else ''}</tspan>" for i, line in enumerate(lines))
    return f'<text x="{x:.0f}" y="{y:.0f}"{attrs}>{spans}</text>'


def _a(link: str | None, body: str, label: str = "") -> str:
    """``body`` as a link named ``label`` for screen readers, or as it is when there is nowhere to go."""
    if not link:
        return body
    named = f' aria-label="{escape(label)}"' if label else ""
    return f'<a href="{escape(link)}"{named}>{body}</a>'


def _uid(*parts: str) -> str:
    """A short id, stable for the same picture, so several pictures can share a page."""
    return "p" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:8]


def _svg(width: float, height: float, title: str, desc: str, body: str, css: str = "") -> Markup:
    uid = _uid(title, desc, f"{width:.0f}")
    body = body.replace("__UID__", uid)
    # a picture with links is a group of them: an image's content is hidden from screen readers, links and all
    role = (f'role="group" aria-labelledby="{uid}-t" aria-describedby="{uid}-d"' if "<a " in body
            else f'role="img" aria-labelledby="{uid}-t {uid}-d"')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bg-picture" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" {role} '
        f'font-family="DejaVu Sans, sans-serif" font-size="{FONT:.0f}">'
        f"<title id=\"{uid}-t\">{escape(title)}</title><desc id=\"{uid}-d\">{escape(desc)}</desc>"
        f"<style>.bg-picture text{{fill:currentColor}} .bg-picture .muted{{opacity:.65}} {css}</style>{body}</svg>"
    )


# --- timeline --------------------------------------------------------------------------------------


def _new_year(year: int) -> int:
    """The day number (proleptic ordinal) of 1 January of ``year``, also of the year after 9999."""
    return dt.date(year, 1, 1).toordinal() if year <= dt.MAXYEAR else dt.date.max.toordinal() + 1


def timeline(entries: Sequence[TimelineEntry], link: Linker, title: str = "Timeline",
             width: float = WIDE) -> Picture | None:
    """Dated entries on a time axis: intervals as bars, fuzzy dates faded with whiskers, planned hollow, and the
    other dates reported for an entry as hollow dashed bars in a lane under its bar.

    Names and dates are wrapped, never cut. ``width`` below 600 stacks each entry (name, date, then its
    bar across the whole width), so that a phone can show the picture at full size.
    """
    if not entries:
        return None
    stacked = width < 600
    if stacked:
        plot0, plot1, top = 4.0, width - 6, 28.0
        name_w = when_x = when_w = width - 8
    else:
        name_w, when_x, when_w = width * 0.31, width * 0.32, width * 0.17
        plot0, plot1, top = width * 0.5, width - 16, 28.0
    # the axis holds every date a source gives, the other reported dates of an event too
    start = min(min((e.sort_key[0], *(a for a, _ in e.alternative_spans))) for e in entries)
    end = max(max((e.sort_key[1], *(b for _, b in e.alternative_spans))) for e in entries)
    t0 = _new_year(start.year)
    total = _new_year(end.year + 1) - t0

    def x(day: dt.date | int) -> float:
        return plot0 + ((day if isinstance(day, int) else day.toordinal()) - t0) / total * (plot1 - plot0)

    rows: list[str] = []
    alt: list[str] = []
    y = top
    for e in entries:
        colour = PLANNED if e.status == "planned" else (CONDUCTED if e.status == "conducted" else OTHER)
        names, whens = _lines(e.entity.name, name_w - 4), _lines(e.when, when_w - 4)
        if stacked:
            names[-1] += " "  # the name and the date read apart, as a link's name too
            label = (_text(4, y + 14, names) + _text(4, y + 14 + LINE * len(names), whens, ' class="muted"'))
            bar_y = y + LINE * (len(names) + len(whens)) + 2
            row_h = bar_y - y + 22 + (ALT_LANE if e.alternatives else 0)
        else:
            names[-1] += " "
            label = _text(4, y + 14, names) + _text(when_x + 4, y + 14, whens, ' class="muted"')
            bar_y = y
            row_h = max(22.0 + (ALT_LANE if e.alternatives else 0), LINE * max(len(names), len(whens)) + 7)
        x1, x2 = x(e.sort_key[0]), x(e.sort_key[1].toordinal() + 1)  # the end of its last day (9999-12-31 too)
        bar_w = max(x2 - x1, 4.0)
        uncertain = "?" in e.when
        if e.fuzzy:  # the whole span it may mean: faded, with whiskers at both ends
            mark = (f'<rect x="{x1:.1f}" y="{bar_y + 5}" width="{bar_w:.1f}" height="10" fill="{colour}" '
                    f'fill-opacity=".28" stroke="{colour}" stroke-dasharray="{"3 2" if uncertain else "none"}"/>'
                    f'<line x1="{x1:.1f}" y1="{bar_y + 2}" x2="{x1:.1f}" y2="{bar_y + 18}" stroke="{colour}"/>'
                    f'<line x1="{x1 + bar_w:.1f}" y1="{bar_y + 2}" x2="{x1 + bar_w:.1f}" y2="{bar_y + 18}" '
                    f'stroke="{colour}"/>')
        elif e.status == "planned":
            mark = (f'<rect x="{x1:.1f}" y="{bar_y + 4}" width="{bar_w:.1f}" height="12" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>')
        else:
            mark = f'<rect x="{x1:.1f}" y="{bar_y + 4}" width="{bar_w:.1f}" height="12" fill="{colour}"/>'
        mark = mark.replace("<rect ", '<rect class="bg-tl-bar" ', 1)
        also = f"also reported: {'; '.join(e.alternatives)}" if e.alternatives else ""
        for (first, last), when in zip(e.alternative_spans, e.alternatives, strict=True):
            # another date a source gives: a hollow dashed bar in a lane of its own, under the row's bar
            a1, a2 = x(first), x(last.toordinal() + 1)
            mark += (f'<rect class="bg-tl-alt" x="{a1:.1f}" y="{bar_y + 19}" width="{max(a2 - a1, 4.0):.1f}" '
                     f'height="{ALT_LANE - 2:.0f}" fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'stroke-dasharray="3 2"><title>also reported: {escape(when)}</title></rect>')
        tip = (f"<title>{escape(e.entity.name)}: {escape(e.when)}{' — ' + escape(e.status) if e.status else ''}"
               f"{' (' + escape(also) + ')' if also else ''}</title>")
        said = (f"{e.entity.name} {e.when}" + (f", {e.status}" if e.status else "")  # the words shown, first
                + (f" ({also})" if also else ""))
        rows.append(f'<g class="bg-tl-row">{_a(link(e.entity), tip + label + mark, said)}</g>')
        extra = "; ".join(w for w in (e.status, also) if w)
        alt.append(f"{e.when}: {e.entity.name}" + (f" ({extra})" if extra else ""))
        y += row_h
    height = y + 4
    body: list[str] = []
    years = range(start.year, end.year + 2)
    step = max(1, math.ceil(len(years) / max(1, (plot1 - plot0) // 48)))
    for year in years:
        if (year - start.year) % step:
            continue
        xx = x(_new_year(year))
        body.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 4:.0f}" stroke="currentColor" '
                    f'stroke-opacity=".15"/>')
        if xx < plot1 - 20:
            body.append(f'<text x="{xx + 2:.1f}" y="{top - 10}" class="muted">{year}</text>')
    body += rows
    keys = [(f'<rect width="14" height="8" y="-8" fill="{CONDUCTED}"/>', "conducted"),
            (f'<rect width="14" height="8" y="-8" fill="none" stroke="{PLANNED}" stroke-width="2"/>', "planned"),
            (f'<rect width="14" height="8" y="-8" fill="{CONDUCTED}" fill-opacity=".28" stroke="{CONDUCTED}"/>',
             "fuzzy date: the whole period it may mean (dashed: uncertain)")]
    if any(e.alternatives for e in entries):
        keys.append((f'<rect width="14" height="6" y="-7" fill="none" stroke="{OTHER}" stroke-width="1.5" '
                     f'stroke-dasharray="3 2"/>', "also reported: another date a source gives"))
    legend, legend_h = _legend(keys, width, [0, 100, 190])
    body.append(f'<g transform="translate(4 {height + 10:.0f})" class="muted">{legend}</g>')
    desc = "Timeline. " + "; ".join(alt) + "."
    return Picture(_svg(width, height + 10 + legend_h, title, desc, "".join(body)), title, desc)


def _legend(keys: Sequence[tuple[str, str]], width: float, columns: Sequence[float]) -> tuple[str, float]:
    """Legend entries (a mark drawn at 0,0 and its words): in a row at ``columns`` when they fit, else one a line."""
    if width >= 600:  # a row at ``columns``; keys past them one a line below
        row = "".join(f'<g transform="translate({cx:.0f} 0)">{mark}<text x="18">{escape(words)}</text></g>'
                      for cx, (mark, words) in zip(columns, keys, strict=False))
        rest = keys[len(columns):]
        row += "".join(f'<g transform="translate(0 {LINE * i:.0f})">{mark}<text x="18">{escape(words)}</text></g>'
                       for i, (mark, words) in enumerate(rest, start=1))
        return row, 6.0 + LINE * len(rest)
    out, y = [], 0.0
    for mark, words in keys:
        lines = _lines(words, width - 30)
        out.append(f'<g transform="translate(0 {y:.0f})">{mark}{_text(18, 0, lines)}</g>')
        y += LINE * len(lines) + 3
    return "".join(out), y


# --- relationship graph ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    """An actor's row: the actor, and how deep it stands below the state (or other actor) it belongs to."""

    ref: Ref
    depth: int


_RELATION_COLOURS = {"participant": CONDUCTED, "member": MEMBER, "framework": OTHER}
"""The links a relationship picture draws, by property, and their colours."""


@dataclass(frozen=True, slots=True)
class _Relations:
    """What a relationship picture shows: events on the left, actors on the right, the edges between them."""

    events: tuple[str, ...]
    """Exercises, then mechanisms, each by name."""
    actors: tuple[_Node, ...]
    """The actors the events join and the actors they belong to, as a tree (each under its parent)."""
    edges: tuple[tuple[str, str, str], ...]
    """(event, actor, via) for each link between rows shown."""


@dataclass(frozen=True, slots=True)
class _RelationsLayout:
    """Where the rows of a relationship picture stand, and the lines of their names."""

    left: float
    """The right edge of the events' column: their dots stand here."""
    gap: float
    """The width between the columns, where the edges run."""
    right: float
    """The left edge of the actors' column: their dots stand here."""
    step: float
    """The indent of each level of the actors' tree."""
    event_lines: Mapping[str, list[str]]
    actor_lines: Mapping[str, list[str]]
    event_y: Mapping[str, float]
    """The first baseline of each event's name."""
    actor_y: Mapping[str, float]
    """The first baseline of each actor's name."""
    height: float
    """The height of both columns, the legend left out."""


def relationships(graph: Graph, ref: Callable[[str], Ref], link: Linker, ids: Iterable[str] | None = None,
                  title: str = "Relationships", limit: int = 120, width: float = WIDE) -> Picture | None:
    """Exercises and mechanisms (left) joined to their participants and members (right), with force hierarchy.

    Names are wrapped, never cut; ``width`` sets the columns (:data:`NARROW` fits a phone). Of the entities
    ``ids`` names (default: all), at most ``limit`` events and ``limit`` actors are shown; None when no event
    there joins an actor.
    """
    relations = _select_relations(graph, ref, set(ids) if ids is not None else set(graph.entities), limit)
    if relations is None:
        return None
    layout = _lay_out_relations(graph, relations, width)
    body, height = _draw_relations(graph, relations, layout, ref, link, width)
    desc = _describe_relations(graph, relations)
    return Picture(_svg(width, height, title, desc, body), title, desc)


def _select_relations(graph: Graph, ref: Callable[[str], Ref], chosen: set[str], limit: int) -> _Relations | None:
    """The events among ``chosen``, the actors they join with each actor's parents up to its state, and the links."""
    events = sorted((i for i in chosen if graph.entities[i].kind.name in ("exercise", "mechanism")),
                    key=lambda i: (graph.entities[i].kind.name, graph.entities[i].model.name.lower()))
    edges = [(link_.source, link_.target, link_.via) for event in events
             for link_ in graph.outgoing.get(event, ()) if link_.via in _RELATION_COLOURS]
    actors = {target for _, target, _ in edges}
    for actor in list(actors):
        current = graph.entities.get(actor)
        while current is not None and (parent := parent_of(current.model)):
            if parent not in graph.entities:
                break
            actors.add(parent)
            current = graph.entities[parent]
    if not events or not actors:
        return None
    children: dict[str | None, list[str]] = defaultdict(list)
    for actor in actors:
        parent = parent_of(graph.entities[actor].model)
        children[parent if parent in actors else None].append(actor)
    sort_name = {a: graph.entities[a].model.name.lower() for a in actors}
    tree: list[_Node] = []

    def walk(node: str | None, depth: int) -> None:
        for child in sorted(children.get(node, ()), key=sort_name.__getitem__):
            tree.append(_Node(ref(child), depth))
            if child in children:
                walk(child, depth + 1)

    walk(None, 0)
    shown_events, shown_actors = events[:limit], tree[:limit]
    on_left, on_right = set(shown_events), {n.ref.id for n in shown_actors}
    return _Relations(tuple(shown_events), tuple(shown_actors),
                      tuple(e for e in edges if e[0] in on_left and e[1] in on_right))


def _lay_out_relations(graph: Graph, relations: _Relations, width: float) -> _RelationsLayout:
    """Two columns, each a stack of rows as tall as their wrapped names; a row's dot sits by its first line."""
    narrow = width < 600
    left_w, gap = (width * 0.4, width * 0.15) if narrow else (width * 0.3, width * 0.15)
    step = 10 if narrow else 14
    right = left_w + gap
    event_lines = {e: _lines(graph.entities[e].model.name, left_w - 10) for e in relations.events}
    actor_lines = {n.ref.id: _lines(("└ " if n.depth else "") + n.ref.name, width - (right + 6 + n.depth * step) - 4)
                   for n in relations.actors}
    event_y: dict[str, float] = {}
    y = 24.0
    for e in relations.events:
        event_y[e] = y
        y += max(20.0, LINE * len(event_lines[e]) + 5)
    actor_y: dict[str, float] = {}
    y_right = 24.0
    for n in relations.actors:
        actor_y[n.ref.id] = y_right
        y_right += max(20.0, LINE * len(actor_lines[n.ref.id]) + 5)
    return _RelationsLayout(left_w, gap, right, step, event_lines, actor_lines, event_y, actor_y,
                            max(y, y_right) + 10)


def _draw_relations(graph: Graph, relations: _Relations, layout: _RelationsLayout, ref: Callable[[str], Ref],
                    link: Linker, width: float) -> tuple[str, float]:
    """The picture's marks (edges, then events, then actors, then the legend) and its whole height."""
    x1, x2 = f"{layout.left:.0f}", f"{layout.right:.0f}"
    bend = min(80.0, layout.gap / 2)
    bend1, bend2 = f"{layout.left + bend:.0f}", f"{layout.right - bend:.0f}"
    body: list[str] = []

    def name(entity_id: str) -> str:
        return graph.entities[entity_id].model.name

    for source, target, via in relations.edges:
        y1, y2 = f"{layout.event_y[source] - 4:.0f}", f"{layout.actor_y[target] - 4:.0f}"
        body.append(f'<path d="M{x1} {y1} C{bend1} {y1} {bend2} {y2} {x2} {y2}" fill="none" '
                    f'stroke="{_RELATION_COLOURS[via]}" stroke-opacity=".7">'
                    f"<title>{escape(name(source))} — {via} — {escape(name(target))}</title></path>")
    for e in relations.events:
        y = layout.event_y[e]
        colour = OTHER if graph.entities[e].kind.name == "mechanism" else CONDUCTED
        body.append(_a(link(ref(e)), _text(layout.left - 6, y, layout.event_lines[e], ' text-anchor="end"'))
                    + f'<circle cx="{x1}" cy="{y - 4:.0f}" r="3.5" fill="{colour}"/>')
    for n in relations.actors:
        y = layout.actor_y[n.ref.id]
        body.append(f'<circle cx="{x2}" cy="{y - 4:.0f}" r="3" fill="currentColor"/>'
                    + _a(link(n.ref), _text(layout.right + 6 + n.depth * layout.step, y, layout.actor_lines[n.ref.id])))
    keys = [(f'<line x2="16" y1="-4" y2="-4" stroke="{CONDUCTED}"/>', "participant"),
            (f'<line x2="16" y1="-4" y2="-4" stroke="{MEMBER}"/>', "member"),
            (f'<line x2="16" y1="-4" y2="-4" stroke="{OTHER}"/>', "framework"),
            ('<text x="2">└</text>', "part of the actor above")]
    legend, legend_h = _legend(keys, width, [0, 110, 200, 300])
    body.append(f'<g transform="translate(4 {layout.height + 4:.0f})" class="muted">{legend}</g>')
    return "".join(body), layout.height + 4 + legend_h + 4


def _describe_relations(graph: Graph, relations: _Relations) -> str:
    """The picture in words: each edge, then each actor that belongs to another."""
    def name(entity_id: str) -> str:
        return graph.entities[entity_id].model.name

    alt = [f"{name(s)} — {via} — {name(t)}" for s, t, via in relations.edges]
    alt += [f"{n.ref.name} is part of {name(parent)}"
            for n in relations.actors if n.depth and (parent := parent_of(graph.entities[n.ref.id].model))]
    return "Relationships. " + "; ".join(alt) + "."


# --- locator map -----------------------------------------------------------------------------------


def _decoded(arc: list[list[int]], sx: float, sy: float, tx: float, ty: float) -> list[tuple[float, float]]:
    """A TopoJSON arc's points (lon, lat): its positions are deltas from the previous one, quantised."""
    if not arc:
        return []
    dxs, dys = zip(*arc, strict=True)
    return [(x * sx + tx, y * sy + ty) for x, y in zip(accumulate(dxs), accumulate(dys), strict=True)]


@cache
def _world() -> tuple[dict[str, list[list[tuple[float, float]]]], dict[str, set[int]],
                      list[list[tuple[float, float]]]]:
    """Country rings (lon, lat) by name, the arcs each country uses, and every decoded arc."""
    data = json.loads(resources.files("briefgen").joinpath("assets/geo/countries-50m.json").read_text())
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    arcs = [_decoded(arc, sx, sy, tx, ty) for arc in data["arcs"]]

    def ring(indices: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indices:
            points = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
            out.extend(points[1:] if out else points)
        return out

    rings: dict[str, list[list[tuple[float, float]]]] = defaultdict(list)
    uses: dict[str, set[int]] = defaultdict(set)
    for geometry in data["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if not name:
            continue
        polygons = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            for indices in polygon:
                rings[name].append(ring(indices))
                uses[name].update(i if i >= 0 else ~i for i in indices)
    return dict(rings), dict(uses), arcs


@dataclass(frozen=True, slots=True)
class MapPlace:
    """A point on the map (a place with sourced coordinates)."""

    ref: Ref
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class _Frame:
    """The map window (degrees) and its equirectangular projection to pixels."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float
    width: float

    @property
    def k(self) -> float:
        return math.cos(math.radians((self.lat0 + self.lat1) / 2))

    @property
    def scale(self) -> float:
        return self.width / ((self.lon1 - self.lon0) * self.k)

    @property
    def height(self) -> float:
        return (self.lat1 - self.lat0) * self.scale

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.k * self.scale, (self.lat1 - lat) * self.scale

    def path(self, points: Iterable[tuple[float, float]], close: bool) -> str:
        # points outside the frame are pinned to just beyond its edge: the clip hides them, the file stays small
        lon0, lat1, k, scale = self.lon0, self.lat1, self.k, self.scale  # project(), worked out once per path
        west, east, south, north = self.lon0 - 1, self.lon1 + 1, self.lat0 - 1, self.lat1 + 1
        out: list[str] = []
        last_x = last_y = math.nan  # no point is near "none yet"
        for lon, lat in points:
            px = (min(max(lon, west), east) - lon0) * k * scale
            py = (lat1 - min(max(lat, south), north)) * scale
            if abs(px - last_x) < 0.6 and abs(py - last_y) < 0.6:
                continue
            out.append(f"{px:.1f} {py:.1f}")
            last_x, last_y = px, py
        return ("M" + " L".join(out) + (" Z" if close else "")) if len(out) > 1 else ""


@cache
def _frame(focus: tuple[str, ...], width: float, margin: float) -> _Frame | None:
    rings = _world()[0]
    focus = tuple(c for c in focus if c in rings)
    if not focus:
        return None
    xs = [p[0] for c in focus for r in rings[c] for p in r]
    ys = [p[1] for c in focus for r in rings[c] for p in r]
    return _Frame(min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin, width)


@cache
def _countries(frame: _Frame, highlight: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(name, SVG path element) for every country in or near the frame; cached per frame and shading."""
    rings = _world()[0]
    west, east, south, north = frame.lon0 - 20, frame.lon1 + 20, frame.lat0 - 20, frame.lat1 + 20
    out = []
    for name in sorted(rings):
        if not any(west < p[0] < east and south < p[1] < north for r in rings[name] for p in r[::7]):
            continue
        shade = name in highlight
        d = " ".join(p for r in rings[name] if (p := frame.path(r, True)))
        out.append((name, f'<path d="{d}" fill="{HIGHLIGHT if shade else "currentColor"}" '
                          f'fill-opacity="{".35" if shade else ".06"}" stroke="currentColor" stroke-opacity=".45" '
                          f'stroke-width=".6"><title>{escape(name)}</title></path>'))
    return tuple(out)


def _overlay(frame: _Frame, focus: Sequence[str], highlight: Sequence[str], borders: Sequence[tuple[str, str, str]],
             places: Sequence[MapPlace], link: Linker) -> str:
    """Named borders, country labels and place dots: what differs from one map to the next."""
    rings, uses, arcs = _world()
    body = []
    for a, b, label in borders:
        for i in sorted(uses.get(a, set()) & uses.get(b, set())):
            if d := frame.path(arcs[i], False):
                body.append(f'<path d="{d}" fill="none" stroke="{PLANNED}" stroke-width="3">'
                            f"<title>{escape(label)}</title></path>")
    for name in sorted(set(highlight) | set(focus)):  # at the middle of the country's part inside the frame
        inside = [p for r in rings.get(name, ()) for p in r
                  if frame.lon0 + 1 < p[0] < frame.lon1 - 1 and frame.lat0 + 1 < p[1] < frame.lat1 - 1]
        if len(inside) < 3:
            continue
        xs, ys = sorted(p[0] for p in inside), sorted(p[1] for p in inside)
        px, py = frame.project(xs[len(xs) // 2], ys[len(ys) // 2])
        body.append(f'<text x="{px:.0f}" y="{py:.0f}" text-anchor="middle" font-weight="700">{escape(name)}</text>')
    for place in places:
        px, py = frame.project(place.lon, place.lat)
        body.append(_a(link(place.ref), f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{PLANNED}"/>'
                                        f'<text x="{px + 6:.1f}" y="{py + 4:.1f}">{escape(place.ref.name)}</text>'))
    return "".join(body)


def _describe(focus: Sequence[str], highlight: Sequence[str], borders: Sequence[tuple[str, str, str]],
              places: Sequence[MapPlace]) -> str:
    parts = [f"Map of {', '.join(focus)} and neighbours"]
    if highlight:
        parts.append(f"shaded: {', '.join(sorted(set(highlight)))}")
    if borders:
        parts.append("; ".join(label for _, _, label in borders))
    if places:
        parts.append("places: " + ", ".join(p.ref.name for p in places))
    return ". ".join(parts) + ". Outlines: Natural Earth via world-atlas."


def locator_map(focus: Sequence[str], highlight: Sequence[str], link: Linker, *, places: Sequence[MapPlace] = (),
                borders: Sequence[tuple[str, str, str]] = (), state_refs: dict[str, Ref] | None = None,
                title: str = "Locator map", width: float = 520.0, margin: float = 4.0) -> Picture | None:
    """Country outlines around ``focus`` countries, ``highlight``ed ones shaded, shared ``borders`` drawn bold.

    Everything is inline, so each country links to its page; used for the map page and the book.
    """
    frame = _frame(tuple(focus), width, margin)
    if frame is None:
        return None
    focus = [c for c in focus if c in _world()[0]]
    refs = state_refs or {}
    body = ['<defs><clipPath id="__UID__-frame"><rect width="100%" height="100%"/></clipPath></defs>',
            '<g clip-path="url(#__UID__-frame)">']
    body += [_a(link(refs[name]) if name in refs else None, shape, name)
             for name, shape in _countries(frame, tuple(sorted(set(highlight))))]
    body += [_overlay(frame, focus, highlight, borders, places, link), "</g>"]
    desc = _describe(focus, highlight, borders, places)
    return Picture(_svg(frame.width, frame.height, title, desc, "".join(body)), title, desc)


@dataclass(frozen=True)
class MapSpec:
    """What a small map shows; pages with equal ``layer_key`` share one base-layer file."""

    focus: tuple[str, ...]
    highlight: tuple[str, ...]
    borders: tuple[tuple[str, str, str], ...]
    places: tuple[MapPlace, ...]
    title: str
    width: float = NARROW
    margin: float = 4.0

    @property
    def layer_key(self) -> str:
        return _uid(*self.focus, "|", *self.highlight, str(self.width), str(self.margin))


@cache
def base_layer(focus: tuple[str, ...], highlight: tuple[str, ...], width: float, margin: float) -> bytes:
    """The country outlines of a small map as a standalone SVG file (shared by every page that needs it)."""
    frame = _frame(focus, width, margin)
    assert frame is not None
    body = "".join(shape for _, shape in _countries(frame, highlight))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width:.0f} {frame.height:.0f}" '
            f'width="{frame.width:.0f}" height="{frame.height:.0f}" color="#555">{body}</svg>').encode()


def small_map(spec: MapSpec, layer_href: str, link: Linker) -> Picture:
    """A page's small map: the shared base layer as an image, with its own borders, labels and places inline."""
    frame = _frame(spec.focus, spec.width, spec.margin)
    assert frame is not None
    body = (f'<image href="{escape(layer_href)}" width="{frame.width:.0f}" height="{frame.height:.0f}"/>'
            + _overlay(frame, spec.focus, spec.highlight, spec.borders, spec.places, link))
    desc = _describe(spec.focus, spec.highlight, spec.borders, spec.places)
    return Picture(_svg(frame.width, frame.height, spec.title, desc, body), spec.title, desc)


def state_names(graph: Graph) -> dict[str, str]:
    """Actor id → country name in the outlines, for state actors whose name the outlines know."""
    known = _world()[0]
    return {r.id: r.model.name for r in graph.entities.values()
            if r.kind.name == "actor" and getattr(r.model, "type", None) == "state" and r.model.name in known}


def _state(graph: Graph, actor_id: str) -> str | None:
    """The state an actor belongs to (itself, or up its parent chain)."""
    seen: set[str] = set()
    current = graph.entities.get(actor_id)
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if current.kind.name == "actor" and getattr(current.model, "type", None) == "state":
            return current.id
        parent = getattr(current.model, "parent", None) or getattr(current.model, "country", None)
        current = graph.entities.get(parent) if parent else None
    return None


def _claims(graph: Graph, entity_id: str, prop: str) -> list[Any]:
    record = graph.entities.get(entity_id)
    return [c for c in getattr(record.model, "claims", ()) if c.property == prop] if record else []


def _place_points(graph: Graph, ids: Iterable[str], ref: Callable[[str], Ref]) -> list[MapPlace]:
    out = []
    for i in ids:
        for claim in _claims(graph, i, "coordinates"):
            out.append(MapPlace(ref(i), claim.value.lat, claim.value.lon))
            break
    return out


def _borders(graph: Graph, places: Iterable[str], names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(country, country, label) for each border a place's claims name, where both countries are on the map."""
    out = []
    for place in places:
        for claim in _claims(graph, place, "borders"):
            a, b = _state(graph, place), _state(graph, claim.value)
            if a and b and a in names and b in names:
                out.append((names[a], names[b],
                            f"{graph.entities[place].model.name} borders {graph.entities[claim.value].model.name}"))
    return out


def entity_map_spec(graph: Graph, entity_id: str, ref: Callable[[str], Ref],
                    names: Mapping[str, str] | None = None) -> MapSpec | None:
    """The small map of a place or an exercise: its country, participants' states, named borders.

    ``names``: the graph's :func:`state_names`, when a caller drawing many maps has them already.
    """
    names = state_names(graph) if names is None else names
    record = graph.entities[entity_id]
    places = [entity_id] if record.kind.name == "place" else [c.value for c in _claims(graph, entity_id, "location")]
    focus_states = {s for p in places if (s := _state(graph, p))}
    highlight = set(focus_states)
    for claim in _claims(graph, entity_id, "participant"):
        if state := _state(graph, claim.value):
            highlight.add(state)
    borders = _borders(graph, places, names)
    focus = tuple(names[s] for s in sorted(focus_states) if s in names)
    if _frame(focus, NARROW, 4.0) is None:
        return None
    return MapSpec(focus, tuple(sorted(names[s] for s in highlight if s in names)), tuple(borders),
                   tuple(_place_points(graph, places, ref)), f"Where: {record.model.name}")


def site_map(graph: Graph, ref: Callable[[str], Ref], link: Linker, ids: Iterable[str] | None = None,
             width: float = 520.0) -> Picture | None:
    """The briefing's locator map: around the country holding most places, every state involved shaded."""
    names = state_names(graph)
    chosen = set(ids) if ids is not None else set(graph.entities)
    place_ids = sorted(i for i in chosen if graph.entities[i].kind.name == "place")  # the same order in every run
    weight: dict[str, int] = defaultdict(int)
    for p in place_ids:
        if (s := _state(graph, p)) in names:
            weight[s] += 1
    involved = {s for source in chosen for link_ in graph.outgoing.get(source, ()) if link_.via in (
        "participant", "member", "location", "country") if (s := _state(graph, link_.target)) in names}
    if not weight and not involved:
        return None
    centre = max(weight, key=lambda s: (weight[s], s)) if weight else sorted(involved)[0]
    borders = _borders(graph, place_ids, names)
    return locator_map([names[centre]], sorted(names[s] for s in involved | set(weight)), link,
                       places=_place_points(graph, place_ids, ref), borders=borders,
                       state_refs={names[i]: ref(i) for i in names}, title="Locator map", width=width, margin=6.0)


__all__ = ["NARROW", "WIDE", "MapPlace", "MapSpec", "Picture", "base_layer", "entity_map_spec",
           "locator_map", "relationships", "responsive", "site_map", "small_map", "state_names", "timeline"]
