"""The runtime around the core: the composition root (:mod:`bot.runtime.app`), the web
server, adapter discovery, the writer that applies turns in transactions, the scheduler, and
the outbox with its dispatcher."""
