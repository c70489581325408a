"""The command line: `build` makes a dataset folder that `serve --store` opens."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner
from conftest import FIXTURES

from healthtech_lod.cli import main
from healthtech_lod.dataset import fill_default_graph, load_oxigraph


def test_build_writes_every_file_into_its_graph_and_their_union(tmp_path: Path) -> None:
    out = tmp_path / "built"
    result = CliRunner().invoke(main, ["build", "--root", str(FIXTURES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    built = list(ox.Store.read_only(str(out / "store")))
    loaded = list(fill_default_graph(load_oxigraph(FIXTURES)))
    assert len(built) == len(loaded)
    default = [q for q in built if q.graph_name == ox.DefaultGraph()]
    assert len(default) == len({q.triple for q in built if q.graph_name != ox.DefaultGraph()})
    assert ground(built) == ground(loaded)


def ground(quads: list[ox.Quad]) -> set[ox.Quad]:
    """The quads without blank nodes (blank node labels differ between loads)."""
    return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}


def test_build_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(
        main, ["build", "--root", str(FIXTURES), "--out", str(tmp_path / "store")]
    )
    assert result.exit_code == 2
    assert "exists and is not an empty folder" in result.output
    assert (tmp_path / "store" / "keep.txt").read_text() == "mine"
