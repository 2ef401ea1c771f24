"""briefgen: sourced briefing sites and PDF briefs from curated YAML fact files."""

from __future__ import annotations

__version__ = "0.1.0"
