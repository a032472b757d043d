"""Feature behaviour through the in-process harness (tests/support/testbot.py): core replies, no wire."""
