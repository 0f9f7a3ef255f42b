"""The typed schema of a study's settings (`explore:`), checked before anything runs.

Each method has its own keys; every key is typed and ranged, unknown keys are refused with
the nearest known one. The studies read the settings only after `validate_explore` passed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError, unknown_name
from model.config.reader import Reader
from model.explore.evaluate import SCALARS
from model.explore.space import lever_ranges
from model.explore.targets import episode_from, episode_names, load_episode

Check = Callable[[Reader, str], None]


def validate_explore(
    cfg: DictConfig, methods: tuple[str, ...], scenarios: tuple[str, ...], materials: tuple[str, ...]
) -> str:
    """Check `cfg.explore` against its method's schema (`methods`: the known ones); return the method."""
    node = OmegaConf.to_container(cfg.explore, resolve=True) if "explore" in cfg else None
    reader = Reader(node, "explore")
    method = reader.text("method", methods)
    schema = {**COMMON, **METHOD_KEYS[method]}
    for key, check in schema.items():
        check(reader, key)
    if method == "prim":
        _prim_questions(reader, scenarios)
    if method == "calibrate":
        _calibrate_figure(reader, materials)
    reader.finish()
    return method


# checks of one key ---------------------------------------------------------------------------
def _int(minimum: int) -> Check:
    return lambda r, k: r.integer(k, minimum) and None


def _number(kind: str, below_one: bool = False) -> Check:
    def check(r: Reader, k: str) -> None:
        value = r.number(k, kind)
        if below_one and value >= 1:
            raise ConfigError(r.key(k), f"got {value:g}; must be < 1")

    return check


def _text(r: Reader, k: str) -> None:
    r.text(k)


def _workers(r: Reader, k: str) -> None:
    value = r.raw(k)
    if value == "auto":
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(r.key(k), f"got {value!r}; must be an integer >= 1 or auto")


def _patterns(r: Reader, k: str) -> None:
    value = r.raw(k)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(r.key(k), "must be a list of glob patterns on seed names, e.g. [licensing.*]")


def _outcomes(r: Reader, k: str) -> None:
    value = r.raw(k)
    if not isinstance(value, list) or not value:
        raise ConfigError(r.key(k), f"must be a non-empty list of outcomes from: {', '.join(SCALARS)}")
    for name in value:
        if name not in SCALARS:
            raise unknown_name(r.key(k), str(name), "outcome", SCALARS)


def _extra(r: Reader, k: str) -> None:
    extras = r.sub(k)
    for key in extras.keys():
        spec = extras.sub(key)
        seeded = lever_ranges().get(key)
        bounds = spec.raw("range", None if seeded is None else list(seeded))
        if bounds is None:
            raise ConfigError(
                spec.key("range"), "missing; give [low, high] or seed the lever's range in seeds/levers"
            )
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or not bounds[1] > bounds[0]
        ):
            raise ConfigError(spec.key("range"), f"got {bounds!r}; must be [low, high] with high > low")
        spec.boolean("integer", default=False)
        cases = spec.raw("cases", [])
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise ConfigError(spec.key("cases"), "must be a list of case (scenario) names")
        spec.finish()


def _top(r: Reader, k: str) -> None:
    top = r.sub(k)
    top.integer("per_outcome", 1)
    top.number("relative", "share")
    top.finish()


def _power_of_two(r: Reader, k: str) -> None:
    value = r.integer(k, 2)
    if value & (value - 1):
        raise ConfigError(r.key(k), f"got {value}; must be a power of 2 (e.g. 128, 1024)")


def _cases(r: Reader, k: str) -> None:
    value = r.raw(k)
    if not isinstance(value, list) or len(value) < 1 or not all(isinstance(c, str) for c in value):
        raise ConfigError(r.key(k), "must be a non-empty list of scenario names")


def _design(r: Reader, k: str) -> None:
    value = r.raw(k, None)
    if value is not None and not (isinstance(value, str) and Path(value).exists()):
        raise ConfigError(
            r.key(k), f"got {value!r}; must be null or a PRIM study's directory (or its design.parquet)"
        )


def _grid(r: Reader, k: str) -> None:
    grid = r.sub(k)
    if not grid.keys():
        raise ConfigError(
            grid.path, "must name at least one seed to fit, e.g. {market: {price_response: [...]}}"
        )
    for group in grid.keys():
        values = grid.sub(group)
        for name in values.keys():
            tried = values.raw(name)
            if not isinstance(tried, list) or not tried:
                raise ConfigError(values.key(name), "must be a non-empty list of values to try")
            for value in tried:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(values.key(name), f"got {value!r} in the list; values must be numbers")
        values.used.update(values.keys())
    grid.used.update(grid.keys())


def _episode(r: Reader, k: str) -> None:
    value = r.raw(k)
    if isinstance(value, str) and value.endswith(".yaml"):
        episode_from(value)  # a targets file of one's own: it must exist and be valid
    elif value not in episode_names():
        raise unknown_name(r.key(k), str(value), "episode (seeds/targets, or a *.yaml path)", episode_names())


def _episodes(r: Reader, k: str) -> None:
    value = r.raw(k)
    if not isinstance(value, list) or not value:
        known = ", ".join(episode_names())
        raise ConfigError(r.key(k), f"must be a non-empty list of episodes from: {known}")
    for name in value:
        if isinstance(name, str) and name.endswith(".yaml"):
            episode_from(name, r.key(k))  # a targets file of one's own: it must exist and be valid
            continue
        if name not in episode_names():
            raise unknown_name(
                r.key(k), str(name), "episode (seeds/targets, or a *.yaml path)", episode_names()
            )
        load_episode(str(name))  # its targets file must be valid before anything runs


def _optional_path(r: Reader, k: str) -> None:
    value = r.raw(k)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(r.key(k), f"got {value!r}; must be null or a path")


def _job(r: Reader, k: str) -> None:
    """explore.job: set by greyzone-explore -m for each chunk job (design and chunk), else null."""
    job = r.sub(k)
    design = job.raw("design")
    if design is not None and (not isinstance(design, str) or not design):
        raise ConfigError(job.key("design"), f"got {design!r}; must be null or a design name")
    job.optional_integer("chunk", 0)
    job.finish()


def _chunk_of_one(unit: str) -> Check:
    """A study that saves one chunk per `unit` accepts no other chunk size (it would not act)."""

    def check(r: Reader, k: str) -> None:
        if r.integer(k, 1) != 1:
            raise ConfigError(
                r.key(k), f"got {r.raw(k)}; the study saves one chunk per {unit}, so it must be 1"
            )

    return check


def _seed_names(r: Reader, k: str) -> None:
    value = r.raw(k)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(r.key(k), "must be a non-empty list of seed paths (e.g. market.price_response)")
    if len(set(value)) != len(value):
        raise ConfigError(r.key(k), "names a seed twice")


def _optional_name(r: Reader, k: str) -> None:
    value = r.raw(k)
    if value is not None and (not isinstance(value, str) or not value.replace("_", "").isalnum()):
        raise ConfigError(r.key(k), f"got {value!r}; must be null or a name of letters, digits and _")


COMMON: dict[str, Check] = {
    "title": _text,
    "description": _text,
    "workers": _workers,
    "replications": _int(1),
    "chunk_size": _int(1),
    "job": _job,
}
SPACE: dict[str, Check] = {"include": _patterns, "exclude": _patterns, "extra": _extra}
METHOD_KEYS: dict[str, dict[str, Check]] = {
    "calibrate": {"grid": _grid, "episode": _episode},
    "validate": {
        "episodes": _episodes,
        "runs": _optional_path,
        "docs": _optional_path,
        "chunk_size": _chunk_of_one("episode"),
    },
    "posterior": {
        "episodes": _episodes,
        "parameters": _seed_names,
        "population": _int(10),
        "generations": _int(1),
        "min_epsilon": _number("positive"),
        "seed": _int(0),
        "save_as": _optional_name,
        "chunk_size": _chunk_of_one("particle"),
    },
    "morris": {
        **SPACE,
        "trajectories": _int(2),
        "levels": _int(2),
        "seed": _int(0),
        "outcomes": _outcomes,
        "top": _top,
        "report_rows": _int(1),
    },
    "sobol": {
        **SPACE,
        "base_samples": _power_of_two,
        "seed": _int(0),
        "resamples": _int(10),
        "confidence": _number("share", below_one=True),
        "outcomes": _outcomes,
    },
    "prim": {
        **SPACE,
        "cases": _cases,
        "design": _design,
        "points": _int(10),
        "seed": _int(0),
        "peel_alpha": _number("positive", below_one=True),
        "mass_min": _number("positive", below_one=True),
        "dims": _int(1),
        "min_density": _number("share"),
        "max_restricted": _int(1),
        "max_qp": _number("share"),
    },
}


def _prim_questions(r: Reader, scenarios: tuple[str, ...]) -> None:
    cases = r.raw("cases")
    for case in cases:
        if case not in scenarios:
            raise unknown_name(r.key("cases"), case, "scenario", scenarios)
    questions = r.sub("questions")
    if not questions.keys():
        raise ConfigError(questions.path, "must hold at least one question")
    for name in questions.keys():
        q = questions.sub(name)
        q.text("title")
        outcome = q.text("outcome")
        if outcome not in SCALARS:
            raise unknown_name(q.key("outcome"), outcome, "outcome", SCALARS)
        q.text("case", tuple(cases))
        kinds = [key for key in ("versus", "below", "above") if q.has(key)]
        if len(kinds) != 1:
            raise ConfigError(q.path, "needs exactly one of versus (a case), below or above (a threshold)")
        if kinds[0] == "versus":
            q.text("versus", tuple(cases))
        else:
            q.number(kinds[0])
        q.finish()


def _calibrate_figure(r: Reader, materials: tuple[str, ...]) -> None:
    figure = r.sub("figure")
    chosen = figure.raw("materials")
    if not isinstance(chosen, list) or not chosen:
        raise ConfigError(figure.key("materials"), "must be a non-empty list of materials")
    for material in chosen:
        if material not in materials:
            raise unknown_name(figure.key("materials"), str(material), "material", materials)
    figure.date("end")
    figure.finish()
