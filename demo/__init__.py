"""The demo engagement generator: a seeded fictional client and its planted truth. ``cjm`` never imports it."""
