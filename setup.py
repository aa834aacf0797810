"""Package layout that pyproject.toml cannot say alone: top-level rules/ and reports/ ship as data
packages inside ``analyzer`` so the installed wheel finds them without the checkout."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["analyzer", "analyzer.*"]), "analyzer.builtin_rules", "analyzer.report_templates"],
    package_dir={"analyzer.builtin_rules": "rules", "analyzer.report_templates": "reports"},
    package_data={
        "analyzer.builtin_rules": ["**/*.yml", "**/*.yaml", "**/*.md", "**/*.json", "**/*.py"],
        "analyzer.report_templates": ["**/*.j2", "**/*.html", "**/*.css", "**/*.js", "**/*.md"],
    },
)
