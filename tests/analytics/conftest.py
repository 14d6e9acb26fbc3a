"""The sample company loaded once per test session (about 30 s) into a temporary SQLite store."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from attain.services.demo import dataset_folder

DATA = dataset_folder()


@pytest.fixture(scope="session")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with MavenTech loaded by ``attain.services.demo.load_demo``."""
    if not (DATA / "sales_pipeline.csv").is_file():
        pytest.skip(f"no Maven dataset in {DATA}")
    from attain.services.demo import load_demo
    from attain.store.db import upgrade

    folder: Path = tmp_path_factory.mktemp("sample")
    url = f"sqlite:///{folder / 'attain.db'}"
    upgrade(url)
    result = load_demo(url, actor="test", work=folder / "demo")
    assert result.ok
    return url


@pytest.fixture(scope="session")
def sample_tables(sample_url: str) -> dict[str, pa.Table]:
    """The sample company's entity tables as the analytics read them."""
    from attain.services.metrics import analysis_tables

    return analysis_tables(sample_url)
