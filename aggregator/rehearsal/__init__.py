"""Rehearsal and replay: play a live (recorded or scripted) through the real pipeline."""

from __future__ import annotations
