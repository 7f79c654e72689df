"""Pages of the public service. `push_context` is what the service home (/m/si/) calls for its pop-up."""
from ..push import PUSH_TEMPLATE, push_context  # noqa: F401
