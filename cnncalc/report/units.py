"""Human renderings of exact counts; the counts themselves stay ints everywhere else."""

from __future__ import annotations

_SI = ((10 ** 15, "P"), (10 ** 12, "T"), (10 ** 9, "G"), (10 ** 6, "M"), (10 ** 3, "K"))
_BINARY = ((1024 ** 4, "TiB"), (1024 ** 3, "GiB"), (1024 ** 2, "MiB"), (1024, "KiB"))


def exact(n: int) -> str:
    """``15,470,264,320``."""
    return f"{n:,}"


def si(n: int) -> str:
    """``15.47 G``: decimal units, two decimals; small numbers as they are.

    >>> si(15_470_264_320), si(999), si(1_500)
    ('15.47 G', '999', '1.50 K')
    """
    for scale, unit in _SI:
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return str(n)


def binary_size(n_bytes: int) -> str:
    """``527.79 MiB``: binary units, as memory is sized.

    >>> binary_size(138_357_544 * 4), binary_size(12)
    ('527.79 MiB', '12 B')
    """
    for scale, unit in _BINARY:
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2f} {unit}"
    return f"{n_bytes} B"


def exact_and_si(n: int) -> str:
    """``15,470,264,320 (15.47 G)``; the unit is left out where it would repeat the number."""
    return exact(n) if abs(n) < 1000 else f"{exact(n)} ({si(n)})"


def shape(dims) -> str:
    """``[1, 64, 224, 224]``, as in the JSON output."""
    return "[" + ", ".join(str(d) for d in dims) + "]"


FLOAT32_BYTES = 4


def signed(n: int) -> str:
    """A difference with its sign, exact: ``+152,424``, ``−1,000``, ``0``.

    >>> signed(152_424), signed(-1000), signed(0)
    ('+152,424', '−1,000', '0')
    """
    return "0" if n == 0 else f"{'+' if n > 0 else '−'}{abs(n):,}"


def percent(part: int, whole: int) -> str:
    """``part`` as a signed percentage of ``whole``, to two decimals, or to the first two
    significant digits when smaller (a difference is never shown as 0 % unless it is 0).

    >>> percent(89_013_224, 11_513_626_624), percent(152_424, 11_513_626_624)
    ('+0.77 %', '+0.0013 %')
    >>> percent(-1, 3), percent(0, 5), percent(4, 0)
    ('−33.33 %', '0 %', '—')
    """
    if part == 0:
        return "0 %"
    if whole == 0:
        return "—"
    value = 100 * part / whole
    decimals = 2
    while round(abs(value), decimals) == 0 and decimals < 12:
        decimals += 1
    if decimals > 2:
        decimals += 1  # two significant digits
    return f"{'+' if value > 0 else '−'}{abs(value):.{decimals}f} %"
