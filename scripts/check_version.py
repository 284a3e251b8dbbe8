#!/usr/bin/env python3
"""Check that arrow-zerobus states one version and one pyarrow major everywhere.

Compared:
  * ``project(arrow_zerobus VERSION x.y.z ...)`` in CMakeLists.txt
  * ``version = "x.y.z"`` in the [project] table of pyproject.toml
  * the newest released heading ``## [x.y.z] - YYYY-MM-DD`` in CHANGELOG.md, which must also have
    an ``## [Unreleased]`` section
  * the pyarrow pin in pyproject.toml ([project] dependencies and [build-system] requires) and in
    requirements-dev.txt: each must allow exactly one major, the same one (the C++ build links the
    Arrow C++ libraries inside that pyarrow wheel).

Prints what it compared; exits 1 naming the file at fault. Standard library only.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CMAKELISTS = REPO / "CMakeLists.txt"
PYPROJECT = REPO / "pyproject.toml"
CHANGELOG = REPO / "CHANGELOG.md"
REQUIREMENTS = REPO / "requirements-dev.txt"

SEMVER = r"\d+\.\d+\.\d+"
CMAKE_PROJECT_RE = re.compile(
    rf"^\s*project\s*\(\s*arrow_zerobus\b[^)]*?\bVERSION\s+({SEMVER})\b", re.MULTILINE | re.DOTALL
)
RELEASE_HEADING_RE = re.compile(
    rf"^## \[({SEMVER})\] - (\d{{4}}-\d{{2}}-\d{{2}})\s*$", re.MULTILINE
)
UNRELEASED_RE = re.compile(r"^## \[Unreleased\]\s*$", re.MULTILINE)
# A requirement such as "pyarrow>=26,<27" or "pyarrow >= 26.0, < 27 ; python_version >= '3.11'".
PYARROW_REQ_RE = re.compile(
    r"^\s*pyarrow(?![A-Za-z0-9_.-])\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)", re.IGNORECASE
)
CLAUSE_RE = re.compile(r"^\s*(?P<op>~=|==|!=|<=|>=|<|>)\s*(?P<version>[0-9][0-9A-Za-z.*+!-]*)\s*$")


class CheckError(Exception):
    """A mismatch or a missing entry, with the file at fault in the message."""


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckError(f"{rel(path)}: cannot read: {exc.strerror}") from exc


def cmake_version() -> str:
    match = CMAKE_PROJECT_RE.search(read(CMAKELISTS))
    if not match:
        raise CheckError(f"{rel(CMAKELISTS)}: no 'project(arrow_zerobus VERSION x.y.z ...)'")
    return match.group(1)


def load_pyproject() -> dict:
    try:
        return tomllib.loads(read(PYPROJECT))
    except tomllib.TOMLDecodeError as exc:
        raise CheckError(f"{rel(PYPROJECT)}: invalid TOML: {exc}") from exc


def pyproject_version(pyproject: dict) -> str:
    version = pyproject.get("project", {}).get("version")
    if not isinstance(version, str) or not re.fullmatch(SEMVER, version):
        raise CheckError(f'{rel(PYPROJECT)}: [project] needs version = "x.y.z", found {version!r}')
    return version


def changelog_version() -> tuple[str, str]:
    text = read(CHANGELOG)
    if not UNRELEASED_RE.search(text):
        raise CheckError(f"{rel(CHANGELOG)}: no '## [Unreleased]' section")
    releases = RELEASE_HEADING_RE.findall(text)
    if not releases:
        raise CheckError(f"{rel(CHANGELOG)}: no released heading '## [x.y.z] - YYYY-MM-DD'")
    newest_version, newest_date = releases[0]
    highest = max(releases, key=lambda release: version_key(release[0]))
    if highest[0] != newest_version:
        raise CheckError(
            f"{rel(CHANGELOG)}: releases out of order: the first heading is {newest_version} but "
            f"{highest[0]} is higher (newest release goes first)"
        )
    return newest_version, newest_date


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def pinned_major(requirement: str, where: str) -> int:
    """Returns the one major version a pyarrow requirement allows, or raises CheckError."""
    match = PYARROW_REQ_RE.match(requirement)
    spec = match.group("spec").strip() if match else ""
    lower: int | None = None
    upper: int | None = None  # exclusive bound on the major
    for clause in filter(None, (part.strip() for part in spec.split(","))):
        parsed = CLAUSE_RE.match(clause)
        if not parsed:
            raise CheckError(f"{where}: cannot read pyarrow clause {clause!r} in {requirement!r}")
        op, version = parsed.group("op"), parsed.group("version")
        parts = version.rstrip(".*").split(".")
        if not parts[0].isdigit():
            raise CheckError(f"{where}: cannot read pyarrow version {version!r} in {requirement!r}")
        major = int(parts[0])
        if op == "==" or op == "~=":
            lower, upper = major, major + 1
        elif op in (">=", ">"):
            lower = major
        elif op == "<":
            # "<27" and "<27.0" stop before major 27; "<26.5" still allows only major 26.
            upper = major if all(part == "0" for part in parts[1:]) else major + 1
        elif op == "<=":
            upper = major + 1
    if lower is None or upper is None or upper - lower != 1:
        raise CheckError(
            f"{where}: the pyarrow requirement {requirement!r} must allow exactly one major "
            "(e.g. 'pyarrow>=26,<27'): the C++ build links that wheel's Arrow libraries"
        )
    return lower


def find_pyarrow(requirements: list[str], where: str) -> str:
    found = [req for req in requirements if PYARROW_REQ_RE.match(req)]
    if len(found) != 1:
        raise CheckError(f"{where}: expected one pyarrow requirement, found {len(found)}")
    return found[0]


def requirements_file_lines() -> list[str]:
    lines = []
    for line in read(REQUIREMENTS).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def main() -> int:
    try:
        cmake = cmake_version()
        pyproject = load_pyproject()
        python = pyproject_version(pyproject)
        changelog, date = changelog_version()

        print(f"version: {rel(CMAKELISTS):<22} project(arrow_zerobus VERSION {cmake})")
        print(f"version: {rel(PYPROJECT):<22} [project] version = {python}")
        print(f"version: {rel(CHANGELOG):<22} newest release [{changelog}] - {date}")
        if python != cmake:
            raise CheckError(
                f"{rel(PYPROJECT)}: version {python} differs from {cmake} in {rel(CMAKELISTS)}"
            )
        if changelog != cmake:
            raise CheckError(
                f"{rel(CHANGELOG)}: newest release {changelog} differs from {cmake} in "
                f"{rel(CMAKELISTS)} (each release needs its '## [x.y.z] - YYYY-MM-DD' section)"
            )

        pins = {
            f"{rel(PYPROJECT)} [project] dependencies": find_pyarrow(
                pyproject.get("project", {}).get("dependencies", []),
                f"{rel(PYPROJECT)} [project] dependencies",
            ),
            f"{rel(REQUIREMENTS)}": find_pyarrow(requirements_file_lines(), rel(REQUIREMENTS)),
        }
        build_requires = pyproject.get("build-system", {}).get("requires", [])
        if any(PYARROW_REQ_RE.match(req) for req in build_requires):
            where = f"{rel(PYPROJECT)} [build-system] requires"
            pins[where] = find_pyarrow(build_requires, where)

        majors = {}
        for where, requirement in pins.items():
            majors[where] = pinned_major(requirement, where)
            print(f"pyarrow: {where:<40} {requirement}  -> major {majors[where]}")
        reference_where, reference_major = next(iter(majors.items()))
        for where, major in majors.items():
            if major != reference_major:
                raise CheckError(
                    f"{where}: pyarrow major {major} differs from {reference_major} in "
                    f"{reference_where}"
                )
    except CheckError as exc:
        print(f"check_version: FAILED: {exc}", file=sys.stderr)
        return 1

    print(f"check_version: OK (version {cmake}, pyarrow {reference_major})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
