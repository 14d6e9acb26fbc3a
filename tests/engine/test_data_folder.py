"""A data folder that would calculate nothing, or leave a file unread, is refused with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from attain.core.errors import AttainError
from attain.engine import load_folder

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "cap_per_period" / "data"


def _codes(folder: Path) -> list[tuple[str, str]]:
    with pytest.raises(AttainError) as caught:
        load_folder(folder)
    return [(i.code, i.message) for i in caught.value.issues]


def test_a_missing_folder_is_refused(tmp_path):
    assert _codes(tmp_path / "nope") == [("CALC005", f"data folder {tmp_path / 'nope'} does not exist")]


def test_a_folder_without_entity_files_is_refused(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    [(code, message)] = _codes(tmp_path)
    assert code == "CALC005"
    assert "no input file" in message and "transaction.csv" in message


def test_a_file_named_almost_like_an_entity_is_refused_with_the_right_name(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SCENARIO, data)
    (data / "transaction.csv").rename(data / "transactions.csv")
    assert _codes(data) == [("CALC006", "transactions.csv is not read: did you mean transaction.csv?")]


def test_other_files_beside_the_entities_are_left_alone(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SCENARIO, data)
    (data / "adjustment.csv").write_text("payee_id,amount\nA,1\n")  # a pay-stage file, not the engine's
    tables = load_folder(data)
    assert tables["transaction"].num_rows > 0
