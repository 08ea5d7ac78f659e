"""Front ends. Each translates a channel's events into calls on bot.services."""
