"""Project-wide pytest set-up: fixtures shared by every test module live in tests/conftest.py."""
