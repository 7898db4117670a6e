"""Feature verbs of `dinsos-bot`: each module has add_verbs(subparsers), listed in
bot.cli.VERB_MODULES. A verb's func(args, settings) returns an exit code; bad input raises
bot.cli.UserError (one line, exit 2)."""
