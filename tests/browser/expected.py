"""What each cell of the attack matrix is expected to show: the verdicts (yes/no) and what
another origin's requests met, by place; for the cells whose token is bound to the page's key
(DPoP), what the injected script and the attacker's own client get too."""

# What each place leaves to each attacker (verdict's yes/no).
EXPECTED = {
    # The page's module keeps it out of every global, but its own fetch hands it over.
    "memory": {
        "readable": False,
        "capturable": True,
        "usable": True,
        "cross_site_survives": True,
        "same_site_survives": True,
    },
    "localStorage": {
        "readable": True,
        "capturable": True,
        "usable": True,
        "cross_site_survives": True,
        "same_site_survives": True,
    },
    # Out of every script's reach, but the browser attaches it to the injected script's call.
    "cookie": {
        "readable": False,
        "capturable": False,
        "usable": True,
        "cross_site_survives": True,
        "same_site_survives": True,
    },
}

# Where the token is no cookie, another origin has nothing the browser would send.
NOTHING_SENT = {
    "protected": 401,
    "protected_cookie_sent": False,
    "protected_readable": False,
    "logout": 401,
    "logout_cookie_sent": False,
    "user_call_after": 200,
}
FOREIGN = {
    "memory": {"cross_site": NOTHING_SENT, "same_site": NOTHING_SENT},
    "localStorage": {"cross_site": NOTHING_SENT, "same_site": NOTHING_SENT},
    "cookie": {
        # SameSite=Strict: from another site, the browser sends no cookie at all.
        "cross_site": NOTHING_SENT,
        # Another port is the same site: the cookie goes along, the fetch is served (its
        # answer unreadable: no CORS), and only the missing X-CSRF-Token stops the logout.
        "same_site": {
            "protected": 200,
            "protected_cookie_sent": True,
            "protected_readable": False,
            "logout": 403,
            "logout_cookie_sent": True,
            "user_call_after": 200,
        },
    },
}

# Bound to the page's key, the token is no safer inside the page: the script has the key sign
# and calls as the user. Outside it, nothing it took works: not the key (non-extractable), not
# the token, not a captured proof; only proofs the page's key signs for it, once each. A
# script that runs before the page's own has the key made extractable, and reads it.
BOUND_ONLY = {
    "key_readable": False,
    "key_readable_if_first": True,
    "replayable_elsewhere": False,
    "token_usable_elsewhere": False,
    "page_signs_for_elsewhere": True,
}
BOUND_PLACES = ("memory", "localStorage")  # a cookie cannot carry a proof: left out
BOUND_EXPECTED = {place: EXPECTED[place] | BOUND_ONLY for place in BOUND_PLACES}
# Where the configuration issues refresh tokens: a stolen one renews nothing without the key.
WITH_REFRESH = {"refresh_usable_elsewhere": False}


def bound_expected(refresh_tokens: bool) -> dict[str, dict[str, bool]]:
    """BOUND_EXPECTED, for a configuration that issues refresh tokens or not."""
    extra = WITH_REFRESH if refresh_tokens else {}
    return {place: verdicts | extra for place, verdicts in BOUND_EXPECTED.items()}
