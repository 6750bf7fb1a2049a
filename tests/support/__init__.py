"""Helpers shared by the tests: plain functions, classes and constants.

Fixtures live in ``tests/conftest.py`` (pytest hands them to every test below ``tests/``);
everything else a test module shares lives here and is imported as ``tests.support.<module>``.
A test module never imports ``conftest`` or another test module.
"""
