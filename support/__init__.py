"""Stand-ins for the outside world shared by tests/ and bench/: signed Slack and Teams requests (wire), fake
Slack Web API and Bot Framework connector servers, and real `steadybot serve` processes (procs).
Not a test module: bench/ imports it without importing tests/."""
