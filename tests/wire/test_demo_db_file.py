"""`steadybot demo --db FILE` only ever deletes or reuses a file the demo made.

Before, `--db steadybot.db` deleted the server's database and its WAL to start afresh, `--keep` ran the demo's
made-up team against it, and `--db /` or a folder it cannot write were stack traces."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.dbfile import APPLICATION_ID, DemoFileRefused, is_demo_file, prepare

SECRET = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _demo(tmp_path: Path, *args: str, script: str = ":quit\n") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEADYBOT_TZ": "Europe/Berlin"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", "demo", *args], input=script, capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)


@pytest.fixture
def server_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A server's SQLite database, with a WAL of its own beside it."""
    path = tmp_path / "steadybot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    assert main(["migrate"]) == 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE precious (x)")
    conn.execute("INSERT INTO precious VALUES ('the team''s history')")
    conn.commit()
    assert Path(f"{path}-wal").stat().st_size > 0
    yield path
    conn.close()


@pytest.mark.parametrize("keep", [False, True], ids=["fresh", "keep"])
def test_the_servers_database_is_left_alone(server_db: Path, keep: bool, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: _digest(p) for p in server_db.parent.iterdir() if p.is_file()}
    code = main(["demo", "--db", str(server_db), *(["--keep"] if keep else [])])
    said = capsys.readouterr().err
    assert code == 2 and "does not carry the mark of a file the demo made, so the demo leaves it alone" in said
    assert "Traceback" not in said
    after = {p.name: _digest(p) for p in server_db.parent.iterdir() if p.is_file()}
    assert after == before and "steadybot.db-wal" in after and "steadybot.db-shm" in after  # not even the index


@pytest.mark.parametrize("content", [b"root:x:0:0:root:/root:/bin/bash\n", b"", b"SQLite format 3\x00" + b"\x00" * 84])
def test_a_file_that_is_no_demo_database_is_left_alone(tmp_path: Path, content: bytes,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    assert main(["demo", "--db", str(path)]) == 2
    assert "leaves it alone" in capsys.readouterr().err
    assert path.read_bytes() == content


def test_a_folder_or_a_place_it_cannot_write_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--db", str(tmp_path)]) == 2
    assert f"--db names a folder ({tmp_path})" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["demo", "--db", str(tmp_path / "file" / "demo.db")]) == 2
    said = capsys.readouterr().err
    assert "cannot write the demo's database at" in said and "Traceback" not in said


def test_the_demos_own_file_is_marked_reused_with_keep_and_fresh_without(tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    first = _demo(tmp_path, "--db", str(path), script="/meeting Sync tomorrow 3pm\n:quit\n")
    assert first.returncode == 0, first.stderr[-2000:]
    assert is_demo_file(path)  # the mark survives the migrations, the WAL and the demo's run

    def items() -> int:
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT count(*) FROM meetings").fetchone()[0])

    assert items() == 1
    kept = _demo(tmp_path, "--db", str(path), "--keep")
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert items() == 1
    fresh = _demo(tmp_path, "--db", str(path))
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert items() == 0 and is_demo_file(path)


def test_prepare_marks_a_new_file_and_keeps_the_default_places_old_files(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sub" / "new.db"
    prepare(path, keep=False, default_name="steadybot-demo.db")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    # a file at the default place (the working folder) from a version before the mark is still the demo's own
    old = _plain(Path("steadybot-demo.db"))
    prepare(old, keep=False, default_name="steadybot-demo.db")
    assert is_demo_file(old)
    # … but not a file of that name in another folder, nor a link at the default place
    elsewhere = tmp_path / "sub" / "steadybot-demo.db"
    elsewhere.write_bytes(b"someone's notes")
    with pytest.raises(DemoFileRefused):
        prepare(elsewhere, keep=False, default_name="steadybot-demo.db")
    assert elsewhere.read_bytes() == b"someone's notes"
    old.unlink()
    old.symlink_to(elsewhere)
    with pytest.raises(DemoFileRefused):
        prepare(old, keep=True, default_name="steadybot-demo.db")
    assert elsewhere.read_bytes() == b"someone's notes" and old.is_symlink()
    plain = _plain(tmp_path / "plain.db")  # any other SQLite database is not the demo's
    with pytest.raises(DemoFileRefused):
        prepare(plain, keep=True, default_name="steadybot-demo.db")


def _plain(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    return path


@pytest.mark.parametrize("name", ["steadybot.db?x", "steadybot%2Edb", "x%41.db", "odd #1.db"])
def test_a_name_with_url_characters_is_the_file_the_demo_uses(server_db: Path, name: str) -> None:
    """`--db 'steadybot.db?x'` made and marked `steadybot.db?x`, then wrote the demo into `steadybot.db` (the
    URL's query began at `?`; `%2E` was read as `.`), and the server refused its secret afterwards."""
    before = _digest(server_db)
    done = _demo(server_db.parent, "--db", name, script="/meeting Sync tomorrow 3pm\n:quit\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _digest(server_db) == before
    demo = server_db.parent / name
    assert is_demo_file(demo)
    with sqlite3.connect(demo) as conn:
        assert conn.execute("SELECT count(*) FROM meetings").fetchone()[0] == 1


def test_a_pipe_is_refused_without_opening_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert main(["demo", "--db", str(pipe)]) == 2  # opening it to read the mark waited for a writer, forever
    assert "is not a regular file" in capsys.readouterr().err and pipe.exists()


def test_looking_for_the_mark_leaves_no_file_beside_another_database(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite's read-only open of a WAL database made `-wal` and `-shm` files beside a stopped server's database
    (owned by whoever ran the demo); the header is now read as bytes."""
    db = tmp_path / "server.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.db"]
    assert main(["demo", "--db", str(db)]) == 2
    assert "leaves it alone" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.db"]


def test_the_default_place_written_out_is_the_default_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    old = _plain(tmp_path / "steadybot-demo.db")  # an unmarked demo file of an earlier version
    prepare(old, keep=False, default_name="steadybot-demo.db")  # `--db $PWD/steadybot-demo.db`
    assert is_demo_file(old)


def test_a_name_starting_with_file_colon_is_that_file(server_db: Path) -> None:
    """SQLite builds that read any name starting with `file:` as a URI opened `steadybot.db` for `--db
    file:steadybot.db`, marked it, and the next run deleted the server's database as the demo's own."""
    before = _digest(server_db)
    done = _demo(server_db.parent, "--db", "file:steadybot.db")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _digest(server_db) == before and not is_demo_file(server_db)
    assert is_demo_file(server_db.parent / "file:steadybot.db")
    again = _demo(server_db.parent, "--db", "file:steadybot.db")
    assert again.returncode == 0, again.stderr[-2000:]


@pytest.mark.parametrize("folder", ["a%b", "q?x", "h#1", "with space"])
def test_the_demos_key_file_lies_beside_its_database(tmp_path: Path, folder: str) -> None:
    done = _demo(tmp_path, "--db", f"{folder}/x.db")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / folder).iterdir()) >= ["steadybot.key", "x.db"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]  # no escaped twin folder


def test_leftover_wal_files_beside_no_database_are_left_alone(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes-wal").write_bytes(b"someone's WAL")
    assert main(["demo", "--db", str(tmp_path / "notes")]) == 2
    assert "lies beside no database" in capsys.readouterr().err
    assert (tmp_path / "notes-wal").read_bytes() == b"someone's WAL" and not (tmp_path / "notes").exists()


def test_a_hard_link_at_the_default_place_is_not_the_demos(server_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`ln steadybot.db steadybot-demo.db; steadybot demo --keep` ran the demo in the server's database (its rows,
    its key's fingerprint), which the server then refused."""
    monkeypatch.chdir(server_db.parent)
    os.link(server_db, server_db.parent / "steadybot-demo.db")
    before = _digest(server_db)
    assert main(["demo", "--keep"]) == 2
    assert "leaves it alone" in capsys.readouterr().err and _digest(server_db) == before


def test_the_key_files_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--db", str(tmp_path / "steadybot.key")]) == 2
    assert "the name of the demo's key file" in capsys.readouterr().err and not list(tmp_path.iterdir())


@pytest.mark.parametrize("keep", [False, True], ids=["fresh", "keep"])
def test_a_file_at_the_default_place_that_is_no_database_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], keep: bool) -> None:
    """No demo of any version wrote it: without --keep it was deleted, with --keep it was a stack trace ("file is
    not a database")."""
    monkeypatch.chdir(tmp_path)
    Path("steadybot-demo.db").write_bytes(b"meeting notes\n")
    assert main(["demo", *(["--keep"] if keep else [])]) == 2
    said = capsys.readouterr().err
    assert "steadybot-demo.db is not an SQLite database, so the demo leaves it alone" in said
    assert "Traceback" not in said and Path("steadybot-demo.db").read_bytes() == b"meeting notes\n"


def test_an_empty_file_at_the_default_place_is_reused(tmp_path: Path) -> None:
    """What SQLite leaves when it is stopped creating a file: an empty database."""
    (tmp_path / "steadybot-demo.db").write_bytes(b"")
    done = _demo(tmp_path, "--keep")
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_path_written_with_two_leading_slashes_is_that_file(tmp_path: Path) -> None:
    """Linux reads `//tmp/x.db` as `/tmp/x.db`; its URI named `tmp` as a host ("invalid uri authority")."""
    done = _demo(tmp_path, "--db", "/" + str(tmp_path / "x.db"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert is_demo_file(tmp_path / "x.db")
