"""Repositories: every function takes a connection; business reads take the workspace uuid."""
