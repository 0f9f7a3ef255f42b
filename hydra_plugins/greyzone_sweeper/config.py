"""Config of greyzone's sweeper (registered as hydra/sweeper=greyzone)."""

from dataclasses import dataclass
from typing import Any, Dict, Optional  # noqa: UP035  (OmegaConf needs typing generics)

from hydra.core.config_store import ConfigStore


@dataclass
class GreyzoneSweeperConf:
    """A Cartesian sweep over `params` (as Hydra's basic sweeper), optionally crossed with
    named paired `cases` (each case a mapping of keys to values set together).

    Unlike the basic sweeper, a failed job does not stop or hide the others: every job runs,
    failures are reported, and the multirun ends with a non-zero exit after aggregation.
    """

    _target_: str = "hydra_plugins.greyzone_sweeper.greyzone_sweeper.GreyzoneSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045
    params: Optional[Dict[str, str]] = None  # noqa: UP006, UP045
    cases: Optional[Dict[str, Any]] = None  # noqa: UP006, UP045


ConfigStore.instance().store(
    group="hydra/sweeper", name="greyzone", node=GreyzoneSweeperConf, provider="greyzone"
)


@dataclass
class StudySweeperConf:
    """`greyzone-explore -m`: one study whose design chunks (explore.chunk_size points each)
    run as jobs of the configured launcher; `max_batch_size` jobs are launched at a time."""

    _target_: str = "hydra_plugins.greyzone_sweeper.study_sweeper.StudySweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045


ConfigStore.instance().store(
    group="hydra/sweeper", name="greyzone_study", node=StudySweeperConf, provider="greyzone"
)
