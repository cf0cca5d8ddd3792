"""A masked phone number reads as the pages write numbers, with its middle hidden."""

import pytest

from guanxi.customers.sensitive import MASK, mask_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613900000002", "139 •••• 0002"),  # a mobile as stored (E.164)
        ("13912345678", "139 •••• 5678"),  # as typed
        ("+861012345678", "010 •••• 5678"),  # a Beijing landline
        ("+85291234567", "•••• 4567"),  # 8 digits: still four hidden
        ("12345", MASK),  # too short to show any of it
        ("", ""),
    ],
)
def test_a_masked_phone_keeps_the_first_three_and_last_four_digits(stored, shown):
    assert mask_phone(stored) == shown
