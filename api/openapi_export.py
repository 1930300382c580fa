"""The committed OpenAPI documents: ``openapi/nt24.json`` and ``openapi/notyd.json``.

The app serves one document at ``/openapi.json`` with both API families. This splits it by
path: the NOTYD payments API is ``/v1/api/...`` (and the buyer's payment page ``/pay/...``),
the NT24 Integration API everything else; each document keeps the components its paths
reference, directly or through other components.

    python -m api.openapi_export          # write both files
    python -m api.openapi_export --check  # exit 1 when they differ from the served document

``tests/test_openapi_documents.py`` fails when the committed files and the served document
differ; clients (``clients/python/``) are generated from ``openapi/nt24.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "openapi"
COMMAND = "python -m api.openapi_export"
NOTYD_PREFIXES = ("/v1/api/", "/pay/")
TITLES = {
    "nt24": (
        "NT24 Integration API",
        "Proves, order by order, that a cross-border B2B vehicle sale inside the EU is a "
        "VAT-exempt intra-community supply",
    ),
    "notyd": ("NOTYD payments API", "NOTYD v1 compatible B2B buy-now-pay-later"),
}
_REF = re.compile(r'"\$ref":\s*"#/components/([A-Za-z]+)/([^"]+)"')


def family(path: str) -> str:
    return "notyd" if path.startswith(NOTYD_PREFIXES) else "nt24"


def _referenced(node: Any, components: dict[str, Any]) -> dict[str, set[str]]:
    """Every component ``node`` references, through other components too."""
    found: dict[str, set[str]] = {}
    todo = [node]
    while todo:
        for kind, name in _REF.findall(json.dumps(todo.pop())):
            if name not in found.setdefault(kind, set()):
                found[kind].add(name)
                todo.append(components[kind][name])
    return found


def _security_schemes(paths: dict[str, Any]) -> set[str]:
    return {
        name
        for item in paths.values()
        for operation in item.values()
        for requirement in operation.get("security", [])
        for name in requirement
    }


def split(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The served document as one document per API family."""
    documents = {}
    components = document.get("components", {})
    for name, (title, summary) in TITLES.items():
        paths = {p: item for p, item in document["paths"].items() if family(p) == name}
        used = _referenced(paths, components)
        schemes = _security_schemes(paths)
        if schemes:
            used["securitySchemes"] = schemes
        kept = {
            kind: {key: value for key, value in entries.items() if key in used.get(kind, ())}
            for kind, entries in components.items()
        }
        documents[name] = copy.deepcopy(
            {
                "openapi": document["openapi"],
                "info": document["info"] | {"title": title, "summary": summary},
                "paths": paths,
                "components": {kind: entries for kind, entries in kept.items() if entries},
            }
            # the deliveries of NT24 events (webhook_operations)
            | (
                {"webhooks": document["webhooks"]}
                if name == "nt24" and "webhooks" in document
                else {}
            )
        )
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def served() -> dict[str, Any]:
    """The document the app serves at /openapi.json."""
    from api.main import create_app

    return create_app().openapi()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, document in split(served()).items():
        target = OUT / f"{name}.json"
        text = render(document)
        if target.exists() and target.read_text() == text:
            continue
        stale.append(str(target.relative_to(ROOT)))
        if not args.check:
            OUT.mkdir(exist_ok=True)
            target.write_text(text)
    if args.check and stale:
        print(f"{', '.join(stale)} differ from the served document: run {COMMAND}")
        return 1
    if args.check:
        print("openapi/*.json match the served document")
    else:
        print(f"Written: {', '.join(stale) or 'nothing, both were up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
