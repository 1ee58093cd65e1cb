"""course.py, the set-up script of the README's two commands: its output stays quiet unless a step fails."""
import importlib.util
import os
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_course_script():
    spec = importlib.util.spec_from_file_location("nncourse_course_script", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_apt(folder: Path, install_fails: bool) -> None:
    """An apt-get on PATH that prints dpkg-like progress, and fails to install when told to."""
    script = folder / "apt-get"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        echo "(Reading database ... 25%"
        echo "Setting up $*"
        if [ "$1" = install ] && [ {int(install_fails)} = 1 ]; then
            echo "E: Unable to locate package $5" >&2
            exit 100
        fi
        """))
    script.chmod(0o755)


def test_installing_debian_packages_prints_one_line_not_apts_progress(tmp_path, monkeypatch, capfd):
    fake_apt(tmp_path, install_fails=False)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    load_course_script().quiet_apt(["bubblewrap"])
    out, err = capfd.readouterr()
    assert out == "[course] installing Debian packages: bubblewrap\n"
    assert err == ""


def test_a_failed_install_shows_apts_output_and_stops(tmp_path, monkeypatch, capfd):
    fake_apt(tmp_path, install_fails=True)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(SystemExit) as stopped:
        load_course_script().quiet_apt(["no-such-package"])
    assert stopped.value.code == 2
    _, err = capfd.readouterr()
    assert "E: Unable to locate package no-such-package" in err
    assert "Setting up install -y -qq --no-install-recommends no-such-package" in err
    assert "apt-get install -y -qq --no-install-recommends no-such-package failed" in err
