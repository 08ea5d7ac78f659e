"""Pure domain: value objects and rules. Imports nothing outside the standard library."""
