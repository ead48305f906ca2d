"""Buyers' questions: which kind each one is, and the answer chotdon can give from its own data.

kinds.py classifies, mentions.py finds the product and variant asked about, regions.py the
province and usual delivery days, wording.py holds the director's Vietnamese wording, compose.py
puts them together. Pure: the inbox service (aggregator/questions) reads the facts and sends.
"""

from __future__ import annotations
