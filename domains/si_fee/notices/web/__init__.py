"""Pages of the public service (notices and the operation manual); the service home's pop-up is push.py."""
