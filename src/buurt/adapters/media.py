"""Media in a folder (``BUURT_MEDIA_FOLDER``): one file per name, written to a temporary file
and renamed into place, so a reader never sees half a file and a crash leaves none."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
PARTIAL = ".part"


class FolderMedia:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        # Names are ids; anything else could reach outside the folder.
        if not NAME.match(name):
            raise ValueError(f"{name!r} is not a media name")
        return self.folder / name

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + PARTIAL)
        with open(partial, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        if name.endswith(PARTIAL):  # what a crash left halfway through ``put``
            self._path(name.removesuffix(PARTIAL)).with_name(name).unlink(missing_ok=True)
            return
        self._path(name).unlink(missing_ok=True)

    def stale(self, seconds: float) -> list[str]:
        if not self.folder.is_dir():
            return []
        before = time.time() - seconds
        return sorted(
            p.name
            for p in self.folder.iterdir()
            if (NAME.match(p.name) or p.name.endswith(PARTIAL)) and p.stat().st_mtime < before
        )
