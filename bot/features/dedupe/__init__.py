"""Drop updates Telegram delivers twice (webhook retries, polling after a crash)."""
