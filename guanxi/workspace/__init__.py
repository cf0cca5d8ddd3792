"""The pages that compose several domains: the customer 360 page, its timeline and its forms.

The domain apps (customers, activities, sales, privacy, audit) never import this package; it
imports them. tests/test_layers.py keeps that direction.
"""
