"""geonb's metadata is in pyproject.toml ([project]); this file only lets `python setup.py ...` and older tools build it."""
import setuptools

setuptools.setup()
