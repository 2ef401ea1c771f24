"""The plugin's options in mkdocs.yml, and the core build's settings made from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig

from briefgen.build.core import Settings
from briefgen.site.editions import LEVELS


class BriefgenConfig(Config):
    """Options under ``plugins: - briefgen:`` in mkdocs.yml (:class:`~briefgen.build.core.Settings` says more)."""

    content = c.Type(str, default="content")
    templates = c.Type(str, default="templates")
    pdf = c.Type(bool, default=True)
    pdf_workers = c.Optional(c.Type(int))
    edition = c.Type(str, default="public")
    editions = c.Type(dict, default={"public": "CLEAR"})
    default_marking = c.Choice(LEVELS, default="CLEAR")
    search = c.Type(bool, default=True)
    offline = c.Type(bool, default=False)


def settings(config: MkDocsConfig, options: dict[str, Any]) -> Settings:
    """The core build's settings from MkDocs' configuration and the plugin's ``options``."""
    project = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return Settings.from_options(project, options, site_dir=Path(config.site_dir), site_url=config.site_url,
                                 directory_urls=config.use_directory_urls, strict=config.strict,
                                 language=str(config.theme.get("language") or config.theme.locale or "en"))
