"""Domain logic. No Telegram import in this package: whatever must send gets a Sender."""
