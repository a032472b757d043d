"""Shared test support: the in-process feature harness (testbot)."""
