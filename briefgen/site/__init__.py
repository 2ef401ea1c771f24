"""Site stage: the edition's graph made into page models, pictures and HTML bodies; the page plan."""
