"""The public portal (issue 6): the registry as the public sees it, in Belarusian, Russian and English.

Every query for people, events and sources goes through `volia.security.policy`; pages are cached
for anonymous readers (`cache.py`) and can be written out as a static site (`publish.py`).
"""
