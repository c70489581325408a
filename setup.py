"""The wheel carries the dataset: data/, ontology/, shapes/ and seeds/ are copied from
the checkout (their source of truth) into the package as ``healthtech_lod/root/``,
which the installed package serves when it is not in a checkout (dataset.REPO_ROOT).
Editable installs read the checkout itself. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
FOLDERS = ("data", "ontology", "shapes", "seeds")


class BuildWithDataset(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "healthtech_lod" / "root"
        for folder in FOLDERS:
            shutil.copytree(HERE / folder, target / folder, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithDataset})
