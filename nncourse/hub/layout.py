"""Where the hub keeps everything, and the settings `nncourse hub setup` chose (PREFIX/hub/settings.json)."""
from __future__ import annotations

import json
import pwd
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEFAULT_PREFIX = Path("/srv/nncourse")
DEFAULT_HOME_BASE = Path("/home")
DEFAULT_COURSE_ID = "nncourse"
DEFAULT_PORT = 8000

# configurable-http-proxy from npm: JupyterHub 6.1 talks to it; 5.x needs Node >= 20.
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"

# Linux user and group names the recipe accepts (useradd's own rule, lowercase only, at most 32).
NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# nbgrader's course id becomes a folder of the exchange and a prefix of the group names.
COURSE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,22}$")


class HubError(Exception):
    """A mistake in the command line, the roster or the machine: one clear line, exit code 2."""


def check_name(name: str, what: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise HubError(f"{what} {name!r} is not a valid Linux user name (lowercase letters, digits, '_' and "
                       "'-', starting with a letter or '_', at most 32 characters)")
    return name


@dataclass
class Settings:
    prefix: str
    course_id: str = DEFAULT_COURSE_ID
    instructor: str = "instructor"
    home_base: str = str(DEFAULT_HOME_BASE)
    ip: str = ""                       # "" = every interface
    port: int = DEFAULT_PORT           # where users connect (the proxy)
    hub_port: int = 8081               # the hub itself, on 127.0.0.1 (the proxy and the servers talk to it)
    proxy_api_port: int = 8001         # the proxy's REST API, on 127.0.0.1

    # ---- derived paths ----------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return Path(self.prefix)

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def course_exchange(self) -> Path:
        return self.exchange / self.course_id

    @property
    def proxy_command(self) -> Path:
        return self.root / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def config_file(self) -> Path:
        return self.hub_dir / "jupyterhub_config.py"

    @property
    def passwords_file(self) -> Path:
        return self.hub_dir / "passwords.csv"

    def role_config_dir(self, role: str) -> Path:
        return self.root / "etc" / f"jupyter-{role}"

    @property
    def students_group(self) -> str:
        return f"{self.course_id}-students"

    @property
    def graders_group(self) -> str:
        return f"{self.course_id}-graders"

    def home(self, user: str) -> Path:
        """The user's home: the one the system has, else where `add-students` creates it."""
        try:
            return Path(pwd.getpwnam(user).pw_dir)
        except KeyError:
            return Path(self.home_base) / user

    @property
    def course_dir(self) -> Path:
        return self.home(self.instructor) / self.course_id

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.course_dir / 'gradebook.db'}"

    # ---- persistence ------------------------------------------------------------------------
    def save(self) -> None:
        self.hub_dir.mkdir(parents=True, exist_ok=True)
        self.hub_dir.chmod(0o700)
        path = self.hub_dir / "settings.json"
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, prefix: Path | str) -> Settings:
        path = Path(prefix) / "hub" / "settings.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise HubError(f"no hub set up under {prefix} (no {path}): run `nncourse hub setup` "
                           "or `python3 course.py hub` first") from None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def validate(self) -> Settings:
        if not COURSE_ID_PATTERN.match(self.course_id):
            raise HubError(f"course id {self.course_id!r}: use lowercase letters, digits, '_' and '-', starting "
                           "with a letter, at most 23 characters (it names the groups <id>-students, <id>-graders)")
        check_name(self.instructor, "instructor")
        if not Path(self.prefix).is_absolute() or not Path(self.home_base).is_absolute():
            raise HubError("--prefix and --home-base must be absolute paths")
        for option, port in (("--port", self.port), ("--hub-port", self.hub_port),
                             ("--proxy-api-port", self.proxy_api_port)):
            if not 0 < int(port) < 65536:
                raise HubError(f"{option} {port} is not a TCP port")
        if len({self.port, self.hub_port, self.proxy_api_port}) < 3:
            raise HubError("--port, --hub-port and --proxy-api-port must differ")
        return self
