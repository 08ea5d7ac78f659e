"""Adapters the core does not import: barcode decoding, QR drawing, spreadsheet readers,
and (next) report writers. Front ends and the CLI hand their results to the services."""
