"""govsite — a static site generator for 政府信息公开工作年度报告 portals.

The pipeline is load → check → render → write; each stage is a module:
:mod:`govsite.load`, :mod:`govsite.check`, :mod:`govsite.render`, :mod:`govsite.write`,
tied together by :mod:`govsite.build`. The official format versions are data in
:mod:`govsite.formats`.
"""

__version__ = "0.1.0"
