"""The domain core: commands, templates, rounds, the router and its host and participant
handlers, harvest and export, pseudonyms and scrubbing, views and the summary model.

It decides and describes; it does no I/O but through the platform port (:mod:`bot.core.port`)
and the database session it is handed. Nothing here imports the runtime, the command line,
an adapter or a platform SDK (``tests/core/test_layout.py`` checks the imports).
"""
