"""Use cases. Each takes plain values, a unit of work and ports; returns plain results."""
