"""Search a turn index: queries, ranking, snippets, and the `remarks` command line."""
