"""The study methods of greyzone-explore, one module each; each owns its run: `run(cfg, out,
execution, overrides)` returns the report's lines and a summary for study.json."""
