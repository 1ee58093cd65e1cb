"""The hub recipe's pieces that need no root and no running hub: rosters, settings, generated configuration."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config, PyFileConfigLoader

from nncourse.hub import recipe
from nncourse.hub.layout import HubError, Settings
from nncourse.hub.users import new_password, read_roster

ROOT = Path(__file__).resolve().parents[2]


def roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roster_gives_ids_names_emails_and_passwords(tmp_path):
    people = read_roster(roster(tmp_path, "\ufeffUsername,First Name,last_name,email,password\n"
                                          "alice,Alice,Liddell,a@example.org,\n\n bob ,Bob,,,s3cret\n"))
    assert [(p.id, p.first_name, p.last_name, p.email, p.password) for p in people] == [
        ("alice", "Alice", "Liddell", "a@example.org", ""), ("bob", "Bob", "", "", "s3cret")]


@pytest.mark.parametrize("text, message", [
    ("name,email\nalice,a@x\n", "no id column"),
    ("id\nalice\nAlice\n", "line 3: student 'Alice' is not a valid Linux user name"),
    ("id\nalice\n../root\n", "line 3"),
    ("id\nalice\nalice\n", "line 3: student 'alice' is listed twice"),
    ("id\n\n", "lists no students"),
    ("", "is empty"),
])
def test_a_bad_roster_is_refused_with_its_line(tmp_path, text, message):
    with pytest.raises(HubError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_roster(roster(tmp_path, text))


def test_generated_passwords_are_long_unambiguous_and_different():
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 14 and not set(p) & set("l1o0:") for p in passwords)


@pytest.mark.parametrize("change, message", [
    ({"course_id": "Course 101"}, "course id"),
    ({"instructor": "Teacher"}, "instructor"),
    ({"prefix": "relative/path"}, "absolute"),
    ({"port": 0}, "not a TCP port"),
    ({"hub_port": 8000}, "must differ"),
])
def test_bad_settings_are_refused(change, message):
    settings = Settings(prefix="/srv/nncourse")
    settings.validate()
    for name, value in change.items():
        setattr(settings, name, value)
    with pytest.raises(HubError, match=message):
        settings.validate()


def test_settings_survive_a_save_and_load(tmp_path):
    settings = Settings(prefix=str(tmp_path), course_id="ml101", instructor="prof", port=9000)
    settings.save()
    assert Settings.load(tmp_path) == settings
    assert (tmp_path / "hub").stat().st_mode & 0o777 == 0o700
    with pytest.raises(HubError, match="no hub set up"):
        Settings.load(tmp_path / "elsewhere")


def load_config(path: Path) -> Config:
    loader = PyFileConfigLoader(path.name, path=str(path.parent))
    return loader.load_config()


def test_the_hub_configuration_is_valid_and_gives_each_role_its_jupyter_config(tmp_path, monkeypatch):
    settings = Settings(prefix=str(tmp_path), course_id="ml101", instructor="prof", ip="127.0.0.1", port=9000)
    path = tmp_path / "jupyterhub_config.py"
    path.write_text(recipe.hub_config(settings), encoding="utf-8")
    config = load_config(path)
    assert config.JupyterHub.bind_url == "http://127.0.0.1:9000"
    assert config.JupyterHub.authenticator_class == "pam"
    assert config.LocalAuthenticator.allowed_groups == {"ml101-students", "ml101-graders"}
    assert config.PAMAuthenticator.admin_groups == {"ml101-graders"}
    assert config.Spawner.cmd == [str(tmp_path / "venv" / "bin" / "jupyterhub-singleuser")]
    assert config.ConfigurableHTTPProxy.command == [str(settings.proxy_command)]
    assert "PATH" not in config.Spawner.env_keep and "VIRTUAL_ENV" not in config.Spawner.env_keep
    hook = config.Spawner.pre_spawn_hook
    monkeypatch.setattr(hook.__globals__["grp"], "getgrnam",
                        lambda name: SimpleNamespace(gr_mem=["prof"]) if name == "ml101-graders" else None)
    for user, role in (("prof", "instructors"), ("alice", "students")):
        spawner = SimpleNamespace(user=SimpleNamespace(name=user), environment={"PATH": "/x"})
        hook(spawner)
        assert spawner.environment == {"PATH": "/x", "JUPYTER_CONFIG_PATH": str(settings.role_config_dir(role))}


def test_students_get_the_assignment_list_and_validate_and_graders_everything(tmp_path):
    settings = Settings(prefix=str(tmp_path), course_id="ml101")
    recipe.ensure_jupyter_config(settings, ROOT)
    for role, formgrader in (("students", False), ("instructors", True)):
        folder = settings.role_config_dir(role)
        server = json.loads((folder / "jupyter_server_config.json").read_text())["ServerApp"]
        extensions = server["jpserver_extensions"]
        assert extensions["nbgrader.server_extensions.assignment_list"] is True
        assert extensions["nbgrader.server_extensions.validate_assignment"] is True
        assert extensions["nbgrader.server_extensions.formgrader"] is formgrader
        assert extensions["nbgrader.server_extensions.course_list"] is formgrader
        assert server["terminado_settings"]["shell_command"] == ["/bin/bash"]
        disabled = json.loads((folder / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
        assert disabled["@jupyter/nbgrader:assignment-list"] is False
        assert disabled["@jupyter/nbgrader:formgrader"] is (not formgrader)
        assert disabled["@jupyter/nbgrader:create-assignment"] is (not formgrader)
    overrides = json.loads((settings.venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_every_user_gets_the_course_settings_and_the_exchange(tmp_path):
    settings = Settings(prefix=str(tmp_path), course_id="ml101")
    recipe.ensure_jupyter_config(settings, ROOT)
    config = load_config(settings.venv / "etc" / "jupyter" / "nbgrader_config.py")
    course = load_config(ROOT / "nbgrader_config.py")
    assert config.CourseDirectory.course_id == "ml101"
    assert config.Exchange.root == str(tmp_path / "exchange")
    assert config.ExchangeFactory.submit == "nncourse.hub.exchange.PrivateSubmit"
    assert config.IgnorePattern.pattern == course.IgnorePattern.pattern
    assert config.ExecutePreprocessor.timeout == course.ExecutePreprocessor.timeout
    assert config.CourseDirectory.source_directory == "solutions"


def load_course_script():
    spec = importlib.util.spec_from_file_location("nncourse_course_script_hub", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shared_environment_needs_an_interpreter_every_user_can_reach(tmp_path):
    course = load_course_script()
    closed = tmp_path / "closed"
    (closed / "bin").mkdir(parents=True)
    python = closed / "bin" / "python3"
    python.write_text("")
    python.chmod(0o755)
    closed.chmod(0o700)
    assert not course._everyone_can_run(python)
    chosen = Path(course.shared_python())
    assert course._everyone_can_run(chosen), chosen


def test_setup_registers_only_the_assignments_the_gradebook_lacks(tmp_path):
    from nncourse.grading.gradebook import open_gradebook
    assert recipe.recorded_assignments(tmp_path / "gradebook.db") == set()
    gradebook = open_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}")
    try:
        gradebook.add_assignment("01_the_neuron")
        gradebook.add_notebook("01_the_neuron", "01_the_neuron")
        gradebook.add_assignment("02_activation_functions")   # no notebook yet: not recorded
    finally:
        gradebook.close()
    assert recipe.recorded_assignments(tmp_path / "gradebook.db") == {"01_the_neuron"}
