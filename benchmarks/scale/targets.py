"""The targets, weighed at a configuration's largest size.

Set for bearer, they are weighed for every configuration alike: which strategy a
configuration runs is never asked.
"""

from typing import Any

MAX_BYTES_PER_TOKEN = 150  # everything revocation needs included
MAX_P50_RATIO = 1.1  # p50 at the largest size ÷ p50 at the smallest
TARGET_SIZE = 10**6
MAX_FILL_SECONDS = 120  # to fill TARGET_SIZE tokens


def weigh(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each target's figure and whether it is met, at the largest size of `rows`.

    A run that stops short of 10^6 is held to the fill rate that fills 10^6 in two minutes.
    """
    last = rows[-1]
    fill_seconds = last["fill_s"] * TARGET_SIZE / last["size"]
    ratio = last["p50_ratio"]
    return {
        "size": last["size"],
        "bytes_per_token": {
            "value": last["bytes_per_token"],
            "limit": MAX_BYTES_PER_TOKEN,
            "met": last["bytes_per_token"] <= MAX_BYTES_PER_TOKEN,
        },
        "p50_ratio": {
            "value": ratio,
            "limit": MAX_P50_RATIO,
            "met": ratio is not None and ratio <= MAX_P50_RATIO,
        },
        "fill_seconds_for_10^6": {
            "value": round(fill_seconds, 1),
            "limit": MAX_FILL_SECONDS,
            "met": fill_seconds <= MAX_FILL_SECONDS,
            "extrapolated": last["size"] != TARGET_SIZE,
        },
    }
