"""`python -m model` runs the same Hydra app as the `greyzone` command."""

from model.runs.cli import main

if __name__ == "__main__":
    main()
