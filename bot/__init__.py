"""dialoogbot core: platform-neutral round engine, prompts, anonymity and synthesis."""

__version__ = "0.1.0"
