"""The engine that runs the codemods over a repository (discovery, prefilter, parallel
transforms, atomic writes, diffs and reports)."""
