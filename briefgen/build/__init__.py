"""The build: settings, one plan per build, page bodies (in a worker or inline), search, PDFs, the site folder."""
