"""policysite: versioned policy sites from Markdown in git."""

__version__ = "0.1.0"
