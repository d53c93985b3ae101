"""Rendering a Report: the only modules that format numbers."""
