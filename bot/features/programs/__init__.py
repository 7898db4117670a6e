"""Programs: questions in free text, requests in words, follow-ups, the concept layer."""
