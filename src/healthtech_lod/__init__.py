"""healthtech-lod: linked open data on Luxembourg's health-technology ecosystem."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("healthtech-lod")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
