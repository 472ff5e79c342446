"""The README's Python example runs as written, so it cannot rot."""

from __future__ import annotations

import os
import pathlib
import re

HERE = pathlib.Path(__file__).resolve()
README = HERE.parents[1] / "README.md"
# The repository's README shows the same kind of example; its Python blocks run too.
ROOT_README = HERE.parents[3] / "README.md"


def python_blocks(path: pathlib.Path) -> list[str]:
    if not path.is_file():
        return []
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_readme_example_runs(tmp_path, capsys):
    blocks = [(README, b) for b in python_blocks(README)]
    assert blocks, f"no ```python block in {README}"
    blocks += [(ROOT_README, b) for b in python_blocks(ROOT_README)]
    cwd = os.getcwd()
    try:
        for i, (path, block) in enumerate(blocks):
            # Each example writes memory.db in the working directory: a fresh one each.
            workdir = tmp_path / str(i)
            workdir.mkdir()
            os.chdir(workdir)
            exec(compile(block, str(path), "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "Coupon" in out or "coupon" in out
