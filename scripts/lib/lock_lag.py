"""Exit non-zero naming each dependency the project declares (with the extras named as
arguments) that the environment lacks or has outside its range: what scripts/lib/venv.sh runs
after installing a lock, since pip installs the project itself with --no-deps."""

import sys
from importlib import metadata

from pip._vendor.packaging.requirements import Requirement  # pip is in every venv


def lagging(project: str, extras: set[str]) -> list[str]:
    found = []
    for text in metadata.requires(project) or []:
        wanted = Requirement(text)
        if wanted.marker and not any(wanted.marker.evaluate({"extra": e}) for e in extras):
            continue
        try:
            version = metadata.version(wanted.name)
        except metadata.PackageNotFoundError:
            found.append(f"{wanted}: not installed")
            continue
        if not wanted.specifier.contains(version, prereleases=True):
            found.append(f"{wanted}: {version} installed")
    return found


if __name__ == "__main__":
    sys.exit("\n".join(lagging("nt24-temporal", {"", *sys.argv[1:]})) or None)
