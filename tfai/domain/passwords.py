"""Password rules: length, not a common password, not the email (pure; returns the problems found)."""

from __future__ import annotations

from tfai.domain.limits import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_COMMON = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football
monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman
1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster
soccer harley batman andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars
klaster 112233 george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass
maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew
access yankees 987654321 dallas austin thunder taylor matrix minecraft william corvette hello martin heather
secret merlin diamond 1234qwer gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5
patrick internet scooter orange 11111 golfer cookie richard samantha bigdog guitar jackson whatever mickey
chicken sparky snoopy maverick phoenix camaro peanut morgan welcome falcon cowboy ferrari samsung andrea
smokey steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider nascar monster tigers
yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple hardcore banana junior hannah
123654 porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000 miller
boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver redsox player nikita knight
fender barney midnight please brandy chicago badboy slayer rangers charles angel flower bigdaddy rabbit wizard
jasper enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince panties marine
ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321
golden 8675309 hunter2 password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword qwerty123
qwerty1234 qwertyuiop1 iloveyou1 welcome1 welcome123 admin admin123 administrator letmein123 changeme
changeme123 default 1234512345 0123456789 9876543210 1111111111 0000000000 abcdefghij abcd1234 abc12345
a1b2c3d4e5 1q2w3e4r5t 1qaz2wsx3edc zaq12wsx qazwsxedc monkey123 dragon123 football1 baseball1 superman1
trustno1trustno1 sunshine1 princess1 starwars1 computer1 whatever1 qwertyqwerty passwordpassword
correcthorse correcthorsebatterystaple letmeinplease youshallnotpass
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_COMMON.split())


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Everything wrong with a new password (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"The password must have at most {MAX_PASSWORD_LENGTH} characters")
    folded = password.strip().lower()
    if folded in COMMON_PASSWORDS:
        problems.append("This password is too common; choose another")
    if email and folded == email.strip().lower():
        problems.append("The password must not be your email address")
    if password and len(set(password)) == 1 and len(password) >= MIN_PASSWORD_LENGTH:
        problems.append("The password must not repeat a single character")
    return problems
