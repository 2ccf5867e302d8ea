"""Deployment: nginx templates and the production-shaped stack (`make stack`)."""
