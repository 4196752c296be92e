"""Password rules: minimum and maximum length, common passwords, not the email."""

from __future__ import annotations

import pytest

from tfai.domain.limits import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tfai.domain.passwords import COMMON_PASSWORDS, password_problems


def test_a_good_password_has_no_problems() -> None:
    assert password_problems("correct horse battery staple 7", email="a@example.com") == []


def test_too_short_and_too_long() -> None:
    assert any("at least 10" in p for p in password_problems("x7!kq9"))
    assert password_problems("x7!kq9b2mZ") == []
    assert len("x7!kq9b2mZ") == MIN_PASSWORD_LENGTH
    assert any("at most 256" in p for p in password_problems("a" * 100 + "b" * (MAX_PASSWORD_LENGTH - 99)))
    assert not any("at most" in p for p in password_problems("ab" * (MAX_PASSWORD_LENGTH // 2)))


@pytest.mark.parametrize("pw", ["password123", "Password1234", "qwertyuiop", "1234567890", "  iloveyou1  "])
def test_common_passwords_are_refused_case_insensitively(pw: str) -> None:
    assert any("too common" in p for p in password_problems(pw))


def test_common_list_is_sizeable_and_lower_case() -> None:
    assert len(COMMON_PASSWORDS) >= 200
    assert all(p == p.lower() for p in COMMON_PASSWORDS)


def test_password_equal_to_email_is_refused() -> None:
    assert password_problems("Someone@Example.com", email="someone@example.com") == [
        "The password must not be your email address"]
    assert password_problems("someone@example.com", email="other@example.com") == []


def test_single_repeated_character() -> None:
    assert any("single character" in p for p in password_problems("zzzzzzzzzzzz"))


def test_several_problems_are_all_reported() -> None:
    assert len(password_problems("admin", email="admin")) == 3
