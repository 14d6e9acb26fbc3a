"""A command run against a database without the Attain schema says DB007 and what to run, never a
driver traceback."""

from __future__ import annotations

import sqlite3

import pytest

from attain.cli.main import _missing_table, app


def test_forecast_on_an_empty_database_says_what_to_run(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(SystemExit) as stopped:
        app(["forecast", "--period", "2017-Q4", "--database-url", url])
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "DB007" in err and "attain init" in err and "no such table" in err
    assert "Traceback" not in err


def test_only_a_database_error_about_a_missing_table_is_turned_into_db007():
    assert _missing_table(sqlite3.OperationalError("no such table: office")) == "no such table: office"
    assert _missing_table(sqlite3.OperationalError("database is locked")) is None
    assert _missing_table(FileNotFoundError("data folder x does not exist")) is None
    try:
        try:
            raise sqlite3.OperationalError("no such table: payee")
        except sqlite3.OperationalError as inner:
            raise RuntimeError("loading failed") from inner
    except RuntimeError as outer:
        assert _missing_table(outer) == "no such table: payee"
