"""Package layout that pyproject.toml cannot say alone: top-level rules/ and reports/ ship as data
packages inside ``analyzer`` so the installed wheel finds them without the checkout."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
DATA = {"analyzer.builtin_rules": "rules", "analyzer.report_templates": "reports"}
PATTERNS = ["*.yml", "*.yaml", "*.md", "*.json", "*.j2", "*.html", "*.css", "*.js"]


def data_packages() -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """Every folder under rules/ and reports/ as a data package (setuptools wants each listed)."""
    packages, dirs, data = [], {}, {}
    for package, folder in DATA.items():
        for sub in sorted(p for p in [HERE / folder, *(HERE / folder).rglob("*")] if p.is_dir()):
            if sub.name == "__pycache__":
                continue
            rel = sub.relative_to(HERE).as_posix()
            name = package + "".join("." + part for part in sub.relative_to(HERE / folder).parts)
            packages.append(name)
            dirs[name] = rel
            data[name] = PATTERNS
    return packages, dirs, data


extra, package_dir, package_data = data_packages()

setup(
    packages=[*find_packages(include=["analyzer", "analyzer.*"]), *extra],
    package_dir=package_dir,
    package_data=package_data,
)
