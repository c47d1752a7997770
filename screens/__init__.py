"""Operator screens (one per flow), the widgets they share and their stylesheet.

``screens.registry.SCREENS`` maps the screen names ``screens.view.screen_for``
returns to screen classes.
"""
