"""Editors' tools: a new project, a new fact file, JSON Schemas for editors."""
