"""Strict reading of configuration dicts.

A config file with a misspelled key (`"max_step": 50`) used to train with the
default silently; every dataclass config built from a file or a dict a person
wrote goes through `check_keys`, which names the key and where it came from.
Dicts read back from saved checkpoints and packs are the exception: they may
carry keys an older or newer version wrote (e.g. the derived `head_dim`), so their
loaders keep only the known keys on purpose.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, Union


class ConfigError(ValueError):
    """A configuration dict or file has a key no field of its dataclass reads."""


def check_keys(cls: type, d: Dict[str, Any], where: str) -> None:
    """Raise ConfigError naming the first unknown key of `d` for dataclass `cls`."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(k for k in d if k not in known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} for {cls.__name__}"
            + (f" (and {', '.join(map(repr, unknown[1:]))})" if len(unknown) > 1 else "")
            + f"; known keys: {', '.join(sorted(known))}"
        )


def known_keys(cls: type, d: Dict[str, Any]) -> Dict[str, Any]:
    """The entries of `d` that are fields of dataclass `cls` (tolerant: saved checkpoints only)."""
    known = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in d.items() if k in known}


def read_config_file(path: Union[str, Path]) -> Dict[str, Any]:
    """A JSON config file as a dict; anything else than a JSON object is refused."""
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(d, dict):
        raise ConfigError(f"{path}: a config file holds one JSON object, not {type(d).__name__}")
    return d
