"""Every config the dataset card declares loads with Hugging Face `datasets`, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.releases.conftest import World

pytestmark = pytest.mark.django_db


def test_every_card_config_loads_with_datasets(world: World, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    directory = world.directory(world.build())
    front: dict[str, Any] = yaml.safe_load((directory / "README.md").read_text().split("---")[1])
    names = [config["config_name"] for config in front["configs"]]
    assert names == ["default"]
    loads = [datasets.load_dataset(str(directory), name, split="train",
                                   cache_dir=str(tmp_path / "cache")) for name in names]
    # The FastChat file, loaded the way the card says.
    assert 'load_dataset("json", data_files="fastchat/clean_battle.json")' in (
        directory / "README.md").read_text().replace("\n", " ")
    loads.append(datasets.load_dataset("json", data_files=str(directory / "fastchat/clean_battle.json"),
                                       split="train", cache_dir=str(tmp_path / "cache")))
    for loaded in loads:
        assert loaded.num_rows == 7
        assert {"model_a", "model_b", "winner", "conversation_a"} <= set(loaded.column_names)


def test_the_card_describes_every_column(world: World) -> None:
    from releases.schema import SCHEMAS

    card = (world.directory(world.build()) / "README.md").read_text()
    for name in SCHEMAS["text"].names:
        assert f"| `{name}` |" in card
