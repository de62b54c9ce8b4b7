"""Static full-text search: a sharded character-bigram index the browser fetches on demand.

The build calls :func:`write_index` once with every report as a :class:`SearchDoc` and copies
``govsite/theme/static/search.js`` next to its other static files; see ``search.js`` for the DOM
contract of the search page and :mod:`govsite.search.index` for the file format.
"""

from .index import IndexStats, SearchDoc, write_index
from .text import normalize, split_terms

__all__ = ["IndexStats", "SearchDoc", "normalize", "split_terms", "write_index"]
