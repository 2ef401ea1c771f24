"""Benchmarks of briefgen against its floors and peers (Hugo, plain MkDocs). See BENCHMARKS.md."""
