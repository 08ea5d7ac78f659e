"""Adapters that turn files people bring (CSV, Excel) into rows the core imports."""
