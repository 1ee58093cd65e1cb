"""environment.yml (conda) lists the same dependencies, with the same bounds, as pyproject.toml."""
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]


def conda_environment():
    with open(ROOT / "environment.yml") as file:
        return yaml.safe_load(file)


def as_bounds(requirements):
    """{canonical name: SpecifierSet} from PEP 508 strings (extras like psycopg[binary] dropped)."""
    bounds = {}
    for text in requirements:
        requirement = Requirement(text)
        bounds[canonicalize_name(requirement.name)] = requirement.specifier
    return bounds


def test_environment_yml_lists_the_same_dependencies_with_the_same_bounds():
    project = pyproject()
    wanted = as_bounds(project["dependencies"] + sum(project["optional-dependencies"].values(), []))
    entries = conda_environment()["dependencies"]
    # conda packages, then the ones conda's pip installs from PyPI (a `- pip: [...]` entry)
    conda = [entry for entry in entries if isinstance(entry, str)]
    conda += [text for entry in entries if isinstance(entry, dict) for text in entry.get("pip", [])]
    listed = as_bounds(entry.replace(" ", "") for entry in conda)
    listed.pop("pip", None)
    python = listed.pop("python")
    assert listed == wanted, (
        f"only in pyproject: {sorted(set(wanted) - set(listed))}; only in environment.yml: "
        f"{sorted(set(listed) - set(wanted))}; different bounds: "
        f"{sorted(n for n in set(wanted) & set(listed) if wanted[n] != listed[n])}")
    # the conda Python satisfies requires-python at its lowest allowed version
    requires = SpecifierSet(project["requires-python"])
    lowest = min(spec.version for spec in python if spec.operator in (">=", "=="))
    assert requires.contains(lowest) and python.contains(lowest)


def test_every_dependency_is_bounded_above():
    project = pyproject()
    for name, spec in as_bounds(project["dependencies"] + sum(project["optional-dependencies"].values(), [])).items():
        assert any(s.operator in ("<", "<=", "==", "~=") for s in spec), f"{name} has no upper bound"
