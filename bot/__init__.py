"""Cunzhan (村站): operations system for rural e-commerce service stations."""
