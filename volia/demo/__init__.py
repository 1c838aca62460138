"""Synthetic, clearly labelled demo data (never real people)."""

# every synthetic person's key starts with this: the site shows a demo banner, and `volia demo`
# refuses to mix these people into a database of real ones
KEY_PREFIX = "demo-"
