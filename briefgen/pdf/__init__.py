"""PDF stage: briefs and briefing books planned as jobs and rendered through WeasyPrint."""
