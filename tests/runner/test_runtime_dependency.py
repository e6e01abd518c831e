"""After apply the seller's code imports shim: walmart-migrate is declared in the project's
manifest, in the file's own style, as part of the run's one transaction - or the summary
says what to add. A repository with its own shim is never given ``import shim``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from migrate import __version__
from migrate.runner.manifests import find_manifests
from migrate.runner.runtime_dependency import DISTRIBUTION, REQUIREMENT
from migrate.runner.shim_imports import gains_shim, python_tree
from tests.runner.conftest import Done, Repo
from tests.runner.test_partial_runs import CLIENT

BOUND = f">={__version__}"


def _added(root: Path, name: str, text: str) -> str:
    (root / name).write_text(text)
    (manifest,) = find_manifests(root).manifests
    new = manifest.with_requirement(DISTRIBUTION, REQUIREMENT)
    assert new is not None
    return new.decode()


@pytest.mark.parametrize(("name", "before", "after"), [
    pytest.param("requirements.txt", "httpx>=0.25\nrequests==2.31  # pinned\n",
                 f"httpx>=0.25\nrequests==2.31  # pinned\nwalmart-migrate{BOUND}\n",
                 id="requirements-sorted-at-end"),
    pytest.param("requirements.txt", "# runtime\nrequests\nzeep\n",
                 f"# runtime\nrequests\nwalmart-migrate{BOUND}\nzeep\n",
                 id="requirements-sorted-inside"),
    pytest.param("requirements.txt", "zeep\r\nrequests", f"zeep\r\nrequests\r\nwalmart-migrate{BOUND}\r\n",
                 id="requirements-unsorted-crlf-no-final-newline"),
    pytest.param("pyproject.toml",
                 "[project]\nname = 'acme'\ndependencies = [\n    'httpx',  # http\n    'zeep',\n]\n",
                 "[project]\nname = 'acme'\ndependencies = [\n    'httpx',  # http\n"
                 f"    'walmart-migrate{BOUND}',\n    'zeep',\n]\n",
                 id="pyproject-literal-quotes-comment"),
    pytest.param("pyproject.toml", '[project]\nname = "acme"\n\n[tool.ruff]\nline-length = 99\n',
                 f'[project]\nname = "acme"\ndependencies = ["walmart-migrate{BOUND}"]\n\n'
                 '[tool.ruff]\nline-length = 99\n',
                 id="pyproject-no-dependencies-yet"),
    pytest.param("pyproject.toml", '[project]\nname = "acme"\ndependencies = ["zeep", "httpx"]\n',
                 f'[project]\nname = "acme"\ndependencies = ["zeep", "httpx", "walmart-migrate{BOUND}"]\n',
                 id="pyproject-inline"),
    pytest.param("pyproject.toml",
                 '[tool.poetry]\nname = "acme"\n\n[tool.poetry.dependencies]\npython = "^3.9"\n'
                 'requests = "^2.28"  # http\n\n[tool.black]\nline-length = 99\n',
                 '[tool.poetry]\nname = "acme"\n\n[tool.poetry.dependencies]\npython = "^3.9"\n'
                 f'requests = "^2.28"  # http\nwalmart-migrate = "{BOUND}"\n\n[tool.black]\n'
                 'line-length = 99\n',
                 id="poetry"),
    pytest.param("Pipfile",
                 '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nrequests = "*"\n\n'
                 '[dev-packages]\npytest = "*"\n',
                 '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nrequests = "*"\n'
                 f'walmart-migrate = "{BOUND}"\n\n[dev-packages]\npytest = "*"\n',
                 id="pipfile"),
    pytest.param("setup.cfg",
                 "[metadata]\nname = acme\n\n[options]\ninstall_requires =\n    httpx\n"
                 "    requests\npackages = find:\n",
                 "[metadata]\nname = acme\n\n[options]\ninstall_requires =\n    httpx\n"
                 f"    requests\n    walmart-migrate{BOUND}\npackages = find:\n",
                 id="setup-cfg"),
    pytest.param("setup.py",
                 "from setuptools import setup\n\nsetup(\n    name='acme',\n"
                 "    install_requires=[\n        'requests',\n        'zeep',\n    ],\n)\n",
                 "from setuptools import setup\n\nsetup(\n    name='acme',\n"
                 f"    install_requires=[\n        'requests',\n        'walmart-migrate{BOUND}',\n"
                 "        'zeep',\n    ],\n)\n",
                 id="setup-py-sorted"),
    pytest.param("setup.py",
                 'from setuptools import setup\nsetup(name="acme", install_requires=["zeep", "httpx"])\n',
                 'from setuptools import setup\nsetup(name="acme", install_requires=["zeep", "httpx", '
                 f'"walmart-migrate{BOUND}"])\n',
                 id="setup-py-one-line"),
])
def test_each_manifest_kind_gets_the_requirement_in_its_own_style(
        tmp_path: Path, name: str, before: str, after: str) -> None:
    assert _added(tmp_path, name, before) == after


def _applied(repo: Repo, files: dict[str, str]) -> Done:
    """The legacy client and these files committed, then ``apply .``."""
    repo.write("app/client.py", CLIENT)
    for name, text in files.items():
        repo.write(name, text)
    repo.commit()
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    return done


@pytest.mark.parametrize(("files", "why"), [
    pytest.param({}, "no requirements file", id="none"),
    pytest.param({"requirements.txt": "requests\n", "setup.py":
                  "from setuptools import setup\nsetup(install_requires=['requests'])\n"},
                 "several files", id="several"),
    pytest.param({"setup.py": "from setuptools import setup\n"
                              "setup(install_requires=open('reqs.txt').read().split())\n"},
                 "computes install_requires", id="dynamic-setup-py"),
    pytest.param({"pyproject.toml": "[project]\nname = 'a'\ndynamic = ['dependencies']\n"},
                 "computed at build time", id="dynamic-pyproject"),
])
def test_where_it_is_not_clear_the_summary_names_the_package(
        repo: Repo, files: dict[str, str], why: str) -> None:
    done = _applied(repo, files)
    assert f"add {REQUIREMENT} to your project's dependencies" in done.err
    assert "'pip install shim' installs an unrelated package" in done.err
    assert why in done.err
    for name, text in files.items():
        assert repo.read(name) == text.encode()


def test_apply_declares_it_once_in_the_same_diff_check_and_write(repo: Repo) -> None:
    repo.write("app/client.py", CLIENT)
    repo.write("requirements.txt", "requests\n")
    repo.commit()
    diff = repo.run("apply", "--diff", ".", toys=False)
    assert f"+walmart-migrate{BOUND}" in diff.out
    check = repo.run("apply", "--check", ".", toys=False)
    assert check.code == 1 and "would change 2" in check.out
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    assert repo.read("requirements.txt") == f"requests\nwalmart-migrate{BOUND}\n".encode()
    repo.commit("migrated")
    again = repo.run("apply", "--check", ".", toys=False)
    assert again.code == 0 and "would change 0" in again.out


def test_nothing_is_declared_when_no_file_gains_import_shim(repo: Repo) -> None:
    repo.write("app/plain.py", "import requests\n")
    repo.write("requirements.txt", "requests\n")
    repo.commit()
    done = repo.run("apply", ".", toys=False)
    assert done.code == 0, done.err
    assert repo.read("requirements.txt") == b"requests\n"
    assert "walmart-migrate>=" not in done.err


def test_an_already_declared_dependency_is_not_added_twice(repo: Repo) -> None:
    _applied(repo, {"requirements.txt": "requests\nwalmart_migrate[requests]==0.1.0\n"})
    assert repo.read("requirements.txt") == b"requests\nwalmart_migrate[requests]==0.1.0\n"


def test_a_manifest_that_cannot_be_written_rolls_the_whole_run_back(repo: Repo) -> None:
    repo.write("app/client.py", CLIENT)
    manifest = repo.write("requirements.txt", "requests\n")
    repo.commit()
    os.chmod(manifest, stat.S_IRUSR)
    done = repo.run("apply", ".", toys=False)
    assert done.code != 0
    assert "requirements.txt" in done.err + done.out
    assert repo.read("app/client.py") == CLIENT.encode()
    assert repo.read("requirements.txt") == b"requests\n"


@pytest.mark.parametrize("own_shim", ["shim.py", "shim/__init__.py", "src/shim.py",
                                      "app/shim.py"])
def test_apply_refuses_to_import_shim_over_the_repositorys_own(repo: Repo, own_shim: str) -> None:
    repo.write("app/client.py", CLIENT)
    repo.write(own_shim, "def helper():\n    return 1\n")
    repo.commit()
    # The console script, as sellers run it: ``python -m`` would put the repository's
    # folder, and so its shim, in front of the tool's own.
    command = str(Path(sys.executable).parent / "walmart-migrate")
    for mode in (("--diff",), ("--check",), ()):
        done = subprocess.run([command, "apply", *mode, "."], cwd=repo.path, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 2, (mode, done.stderr)
        assert "own top-level shim" in done.stderr
        assert Path(own_shim).parts[0] in done.stderr
    assert repo.read("app/client.py") == CLIENT.encode()


def test_a_shim_elsewhere_does_not_shadow_the_runtime(repo: Repo) -> None:
    _applied(repo, {"tools/legacy/shim.py": "X = 1\n"})
    assert b"import shim" in repo.read("app/client.py")


def test_development_requirements_are_not_the_runtime_list(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "requirements.txt").write_text("requests\n")
    (manifest,) = find_manifests(tmp_path).manifests
    assert manifest.path.name == "requirements.txt"
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "requirements-prod.txt").write_text("requests\n")
    (manifest,) = find_manifests(tmp_path).manifests
    assert manifest.path.name == "requirements-prod.txt"


@pytest.mark.parametrize(("original", "new", "gains"), [
    pytest.param(b"import requests\n", b"import requests\n\nimport shim\n", True, id="gains"),
    pytest.param(b"import shim\n", b"import requests\nimport shim\n", False, id="had-it"),
    pytest.param(b'"""Run it:\nimport shim\n"""\n', b'"""Run it:\nimport shim\n"""\nimport shim\n',
                 True, id="docstring-is-no-import"),
    pytest.param(b"def f():\n    from shim.auth import x\n", b"def f():\n    from shim.auth import x\n",
                 False, id="nested-from"),
    # Syntax newer than the Python running the tool: its import lines still tell.
    pytest.param(b"type Rows = list[int]\nimport requests\n",
                 b"type Rows = list[int]\nimport requests\nimport shim\n",
                 True, id="newer-syntax"),
    pytest.param(b"import shimmer\n", b"import shimmer\nfrom shimmer import shim\n", False,
                 id="other-module"),
])
def test_a_file_gains_shim_only_when_its_rewrite_imports_it_first(
        original: bytes, new: bytes, gains: bool) -> None:
    assert gains_shim(original, new, python_tree(new)) is gains
