"""Command line: ``briefgen init``, ``check``, ``build``, ``pdf``, ``schema``, ``new``.

Exit codes: 0 clean, 1 content errors, 2 usage errors (click's own).
"""

from __future__ import annotations

import shlex
import sys
from collections import Counter
from pathlib import Path

import click

from briefgen import __version__
from briefgen.check.pipeline import CheckResult, check
from briefgen.diagnostics import visible
from briefgen.editor.scaffold import ScaffoldError
from briefgen.editor.schema import bundle, dumps
from briefgen.model import KIND_BY_NAME
from briefgen.pdf.parts import BOOK_PART_SIZE


def summary(result: CheckResult, content: Path) -> str:
    """One line saying what was checked and what was found."""
    graph = result.graph
    parts = [f"checked {result.files} files in {visible(str(content))}"]
    if graph is not None:
        kinds = Counter(r.kind.name for r in graph.entities.values())
        claims = sum(len(getattr(r.model, "claims", ())) for r in graph.entities.values())
        listing = ", ".join(f"{kinds[k]} {k}{'s' if kinds[k] != 1 else ''}" for k in KIND_BY_NAME if kinds[k])
        books = f", {len(result.books)} briefing book{'s' if len(result.books) != 1 else ''}" if result.books else ""
        parts.append(f"{len(graph.entities)} entities ({listing}), {claims} claims{books}")
    parts.append(
        f"{result.errors} error{'s' if result.errors != 1 else ''}, "
        f"{result.warnings} warning{'s' if result.warnings != 1 else ''}"
    )
    return ": ".join(parts[:2]) + (f"; {parts[2]}" if len(parts) > 2 else "")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
def main() -> None:
    """briefgen: sourced briefing sites and PDF briefs from YAML fact files."""


@main.command("check")
@click.argument("content", default="content", type=click.Path(file_okay=False, readable=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Print one line per problem, or one JSON document.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the problems, no summary.")
def check_command(content: Path, strict: bool, output_format: str, quiet: bool) -> None:
    """Check every fact file in CONTENT (default: ./content); report every problem."""
    if not content.is_dir():
        raise click.BadParameter(f"'{content}' is not a folder", param_hint="CONTENT")
    result = check(content)
    if output_format == "json":
        from briefgen.check.report import as_json

        click.echo(as_json(result, content, None if quiet else summary(result, content)), nl=False)
    else:
        for diagnostic in result.diagnostics:
            click.echo(diagnostic.format())
        if not quiet:
            click.echo(summary(result, content))
    failed = result.errors or (strict and result.warnings)
    sys.exit(1 if failed else 0)


@main.command("build")
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The site's MkDocs configuration.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("-q", "--quiet", is_flag=True, help="Only report problems.")
@click.option("-e", "--edition", help="Build the edition for this audience (a key of the plugin's 'editions').")
@click.option("-d", "--site-dir", type=click.Path(path_type=Path),
              help="Write the site here instead of the configured site_dir.")
@click.option("--pdf/--no-pdf", default=None, help="Render PDF briefs (default: as configured, on).")
@click.option("--keep-hidden", is_flag=True,
              help="Publish into a folder that keeps entries of its own (a git checkout): replace only the "
                   "entries whose names do not start with '.'.")
@click.option("--keep", "keep_names", multiple=True, metavar="NAME",
              help="With --keep-hidden (implied), keep this entry too, e.g. CNAME. Repeatable.")
@click.option("--offline", is_flag=True,
              help="The offline edition: links and search that work opened from files (file://), e.g. a USB stick.")
def build_command(config_file: Path, strict: bool, quiet: bool, edition: str | None, site_dir: Path | None,
                  pdf: bool | None, keep_hidden: bool, keep_names: tuple[str, ...], offline: bool) -> None:
    """Check content and build the site (into site/, replaced only when the build succeeds).

    Only a folder a briefgen build made (it holds .briefgen-site), an empty folder or none
    is replaced; anything else is refused and left as it is.
    """
    from briefgen.build.output import Keep
    from briefgen.mkdocs.build import build_site

    keep = Keep(hidden=True, names=keep_names) if keep_hidden or keep_names else None
    sys.exit(build_site(config_file, strict=strict, quiet=quiet, edition=edition, site_dir=site_dir, pdf=pdf,
                        keep=keep, offline=offline))


@main.command("pdf")
@click.argument("ids", nargs=-1)
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The site's MkDocs configuration.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PDFs (default: the site's pdf/ folder).")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Render every brief even if an identical one is cached.")
@click.option("-e", "--edition", help="Render for this audience (a key of the plugin's 'editions').")
@click.option("--book-part-size", type=click.IntRange(min=1), default=BOOK_PART_SIZE, show_default=True,
              help="Render a book of more entries than this in parts of this many, to bound memory.")
def pdf_command(ids: tuple[str, ...], config_file: Path, output: Path | None, workers: int | None,
                no_cache: bool, edition: str | None, book_part_size: int) -> None:
    """Render PDF briefs (of IDS, or of every entity) without building the site."""
    from briefgen.build.core import Build, BuildError
    from briefgen.build.output import io_error
    from briefgen.mkdocs.build import load_settings

    try:
        build = Build(load_settings(config_file, edition=edition, pdf=True))
    except BuildError as exc:
        raise click.UsageError(str(exc)) from None
    result = build.plan()
    for diagnostic in result.diagnostics:
        click.echo(diagnostic.format(), err=True)
    if build.site is None:
        click.echo(summary(result, build.content), err=True)
        sys.exit(1)
    unknown = [i for i in ids if i not in build.known()]
    if unknown:
        raise click.BadParameter(f"no entity with id {', '.join(map(repr, unknown))}", param_hint="IDS")
    try:
        done = build.publish(output, ids, workers=workers, cache=not no_cache, book_part_size=book_part_size)
    except BuildError as exc:
        click.echo("\n".join(exc.lines) or str(exc), err=True)
        sys.exit(1)
    except OSError as exc:  # a PDF (or the cache) could not be written: _place names the file
        click.echo(io_error(exc.filename, "write", exc), err=True)
        sys.exit(1)
    click.echo(done)


@main.command("schema")
@click.argument("kind", required=False, type=click.Choice(sorted([*KIND_BY_NAME, "book"])))
@click.option("--write", "write_dir", is_flag=False, flag_value="schemas", default=None, metavar="[DIR]",
              type=click.Path(file_okay=False, path_type=Path),
              help="Write every kind's schema file and the bundle into DIR (default: schemas).")
@click.option("--check", "check_dir", is_flag=False, flag_value="schemas", default=None, metavar="[DIR]",
              type=click.Path(file_okay=False, path_type=Path),
              help="Exit 1 if a schema file in DIR (default: schemas) is missing or out of date.")
def schema_command(kind: str | None, write_dir: Path | None, check_dir: Path | None) -> None:
    """Print the JSON Schema of fact files (of one KIND, or of all); or write or check schemas/."""
    from briefgen.editor import schemafiles

    if write_dir is not None or check_dir is not None:
        if kind is not None or (write_dir is not None and check_dir is not None):
            raise click.UsageError("--write and --check take no KIND, and not each other")
        if write_dir is not None:
            changed = schemafiles.write(write_dir)
            click.echo(f"{write_dir}: {len(changed)} of {len(schemafiles.expected())} schema files written"
                       + (f" ({', '.join(changed)})" if changed else ", all were current"))
            return
        assert check_dir is not None
        stale = schemafiles.stale(check_dir)
        for name, why in stale:
            click.echo(f"{(check_dir / name).as_posix()}: {why}")
        if stale:
            click.echo(f"{len(stale)} schema file{'s' if len(stale) != 1 else ''} to regenerate: "
                       f"briefgen schema --write {check_dir.as_posix()}")
            sys.exit(1)
        click.echo(f"{check_dir}: {len(schemafiles.expected())} schema files current")
        return
    click.echo(dumps(schemafiles.schema_of(kind) if kind else bundle()), nl=False)


@main.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Start a briefing project in DIRECTORY (default: here): mkdocs.yml, content/, schemas/, CI, hooks."""
    from briefgen.editor.init import InitError, init

    try:
        written = init(directory)
    except (InitError, OSError) as exc:
        click.echo(f"briefgen init: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path.as_posix()}")
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(directory.as_posix())} && "
    click.echo(f"next: {where}briefgen check content && briefgen build")


@main.command("new")
@click.argument("kind", type=click.Choice(["exercise", "mechanism", "actor", "place", "source", "book"]))
@click.argument("entity_id", metavar="ID")
@click.option("--content", default="content", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The content folder.")
def new_command(kind: str, entity_id: str, content: Path) -> None:
    """Write a commented fact file content/<folder>/ID.yaml to fill in (and, for a source, ID.txt)."""
    from briefgen.editor import scaffold

    problem = scaffold.id_problem(entity_id)
    if problem:
        raise click.BadParameter(problem, param_hint="ID")
    if not content.is_dir():
        hint = ("; start a briefing project with `briefgen init`, or run this where its content/ folder is"
                if not content.exists() else "")
        raise click.BadParameter(f"'{content}' is not a folder{hint}", param_hint="--content")
    try:
        written = scaffold.new(kind, entity_id, content)
    except (ScaffoldError, OSError) as exc:
        click.echo(f"briefgen new: {exc}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path.as_posix()}")
    click.echo(f"replace every {scaffold.PLACEHOLDER} in it, then run: briefgen check {content.as_posix()}")
