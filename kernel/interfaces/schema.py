"""OpenAPI description of the signature scheme (drf-spectacular; imported in InterfacesConfig.ready())."""
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .auth import SignatureRequired

# SignatureRequired is the same scheme as SignatureAuthentication (it only refuses unsigned requests
# instead of passing them on): one security component, not a name collision.
set_override(SignatureRequired, "suppress_collision_warning", True)


class SignatureScheme(OpenApiAuthenticationExtension):
    target_class = "kernel.interfaces.auth.SignatureAuthentication"
    match_subclasses = True
    name = "zwSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-ZW-Key",
            "description": (
                "Machine clients: HMAC-SM3 (or HMAC-SHA256) signed requests. Send X-ZW-Key, X-ZW-Timestamp "
                "(unix seconds, within 300 s of server time), X-ZW-Nonce (16-64 of [A-Za-z0-9_-], never "
                "reused) and X-ZW-Signature (hex HMAC of METHOD\\nPATH\\nSORTED_QUERY\\nTIMESTAMP\\nNONCE\\n"
                "BODY_DIGEST). See docs/open-interfaces.md."
            ),
        }
