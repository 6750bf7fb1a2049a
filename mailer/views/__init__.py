"""The mail side's pages: held mail, unsubscribing, resuming bounced mail."""
