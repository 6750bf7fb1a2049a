"""The mail side's page forms, one module per views module, built on ``hub.forms.HubForm``."""
