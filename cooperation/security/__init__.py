"""Site-wide hardening that is not one domain's business: response headers (issue 11)."""
