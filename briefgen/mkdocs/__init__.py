"""The MkDocs adapter: MkDocs events translated into the core build, the live preview, the atomic build."""
