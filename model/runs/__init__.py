"""Running the model: a job's replications, checkpoints and resume, the Hydra apps and callbacks,
the launcher check and the resource guard."""
