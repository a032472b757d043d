"""The web pages `steadybot serve` itself serves: the team report behind a signed, expiring link."""
