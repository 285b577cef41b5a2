"""Imported once by test_crash's build server (the forkserver's preload), after the tool and
its libraries: readies what every build forked from the server would otherwise make anew.

jieba builds its dictionary (~0.6 s of CPU) on its first use, in each process that segments
Chinese for the search index; made here, each forked build finds it ready. Nothing here starts
a thread (the builds are forked from this process).
"""

from __future__ import annotations

import logging

import jieba

jieba.setLogLevel(logging.WARNING)
jieba.initialize()
