"""The station's notice board (公示栏): its public QR code and what a scan of it does,
the keeper's profile, check-ins, inspections and villagers' feedback."""
