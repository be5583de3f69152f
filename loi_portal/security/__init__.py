"""Log-in security: two-factor authentication, session limits for privileged roles, the API docs
under the Content Security Policy. Log-in throttling is django-axes, configured in settings."""
