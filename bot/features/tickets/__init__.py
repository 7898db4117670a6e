"""Tickets: "Ask an officer". A resident's question reaches staff; the answer comes back in the
chat. Public API: the service (bot.features.tickets.service.TicketService), including
`record_unanswered(text, language, kind)` for the matcher's "not understood" answers, and the
callback data `tiket:baru` (render.NEW) that starts the question step."""
